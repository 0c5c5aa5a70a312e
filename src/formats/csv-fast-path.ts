import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { ALLOWED_INTERVAL_MINUTES, type AcceptedRowsPart, type AcceptedRowsSink, type ParseContext, type StreamedParseResult } from './canonical';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { contextColumns, createRejectedTable, kwhSql, MAX_METER_ID_LENGTH, MAX_START, MIN_START, profileValidationSpec, qualitySql } from './validate';

/**
 * The fast path of a utility CSV: numeric columns typed by DuckDB's reader (its typed parse
 * costs a fraction of TRY_CAST on text), timestamps as text cast only when they end in a UTC
 * offset, and a handful of cheap checks in the filter. A large file is cut at line ends into
 * parts read on separate connections: a `row_number() OVER ()` stream (the source_row) runs on
 * one thread, so one statement per part is what lets numbered rows use every core.
 *
 * It only ever accepts rows the full path (validate.ts) accepts with the same values; anything
 * it is unsure of is not accepted, and then the full path decides. After the read:
 * - a cut file turned out to hold quotes or blank lines (lines would not be records) or control
 *   bytes (the meter-id check must then run per row): the output is discarded and the file is
 *   read again in one statement;
 * - the reader rejected a record (a value its typed parse refused, a record it cannot split,
 *   bad UTF-8): the output is discarded and the caller runs the full path;
 * - some rows failed a check: the full path's reject pass builds their rejects; its count must
 *   equal the number the fast path left out, else the output is discarded likewise.
 */

/** Below this size a file is read in one statement (a cut costs a copy of the file). */
const DEFAULT_SPLIT_MIN_BYTES = 64 * 1024 * 1024;

export interface FastCsvOptions {
  /** Files at least this large are cut into parts read concurrently. @default DEFAULT_SPLIT_MIN_BYTES */
  splitMinBytes?: number;
  /** Number of parts (default: DuckDB's thread count, at most 4). */
  parts?: number;
  /** Told how the file was read: 'fast' (in `parts` statements) or 'full' (the fast path was not taken or was thrown away). */
  onPath?: (path: 'fast' | 'full', parts: number) => void;
}

/** The full path's reject pass over the whole file (REJECTED_COLUMNS TEMP table on the main session). */
export type FullPathRejects = () => Promise<{ rejectedTable: string; rejected: number }>;

/** UTC offsets a row's timestamp may end in on the fast path (the full path accepts any offset). */
const UTC_SUFFIXES = ['Z', '+00:00', '+0000', '+00'];

/**
 * The offset suffix of a profile's timestamps, judged from the first data row; undefined = no fast
 * path. Timestamps are read as text and cast: DuckDB's typed CSV read of a timestamp is lenient
 * (it drops an offset the format does not name), the cast of text with an offset is not.
 */
function fastTimestampSuffix(profile: SourceProfile, header: string[], firstDataLine: string | undefined): string | undefined {
  if (profile.format !== 'csv' || profile.timestamp.format !== 'iso8601' || profile.timestamp.timezone) return undefined;
  if (profile.decimalSeparator === ',' || firstDataLine === undefined) return undefined;
  const text = firstDataLine.replace(/\r$/, '').split(profile.delimiter)[header.indexOf(profile.columns.timestamp)];
  return text === undefined || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(text) ? undefined : UTC_SUFFIXES.find((suffix) => text.endsWith(suffix));
}

/** Byte-level facts of a stretch of the file that a part's SQL depends on. */
interface ByteFacts {
  hasQuote: boolean;
  hasUnderscore: boolean;
  hasBlankLine: boolean;
  /** A control byte other than CR and LF: meter ids then need the per-row check. */
  hasControl: boolean;
}

/** One part of the file, ready for DuckDB. */
interface PartRead extends ByteFacts {
  /** CSV file the part reads (the original when the file is not cut). */
  file: string;
  /** Records of the file before this part. */
  offset: number;
}

/** Bytes whose presence makes the full path's control-character check on meter ids necessary. */
const CONTROL_BYTES = [...Array.from({ length: 32 }, (_, byte) => byte).filter((byte) => byte !== 0x0a && byte !== 0x0d), 0x7f];

/**
 * Offsets just after a newline where parts 2..K start. The first part is a little larger: its
 * read starts while the others are still being cut.
 */
async function cutOffsets(localPath: string, size: number, headerLength: number, parts: number): Promise<number[]> {
  const handle = await open(localPath, 'r');
  try {
    const probe = Buffer.allocUnsafe(1 << 16);
    const weights = Array.from({ length: parts }, (_, k) => (k === 0 ? 1.12 : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const cuts: number[] = [];
    let share = 0;
    for (let k = 0; k < parts - 1; k++) {
      share += weights[k];
      const at = headerLength + Math.floor(((size - headerLength) * share) / total);
      const { bytesRead } = await handle.read(probe, 0, probe.length, at);
      const newline = probe.subarray(0, bytesRead).indexOf(0x0a);
      const cut = at + newline + 1;
      if (newline >= 0 && cut < size && cut > (cuts.at(-1) ?? headerLength)) cuts.push(cut);
    }
    return cuts;
  } finally {
    await handle.close();
  }
}

/**
 * Hand the file to DuckDB as parts. Without `partFiles` the file is read in place as one part,
 * after one pass that finds its byte facts. With them, each stretch between cuts is copied into a
 * CSV of its own (header first) and handed to `onPart` at once — its read starts while the next
 * part is being cut — and only then are its lines counted (the next part's offset); once all
 * parts are being read the file is searched for control characters, which the parts' reads
 * assume absent: the result says whether that held.
 */
async function cutFile(
  localPath: string,
  input: { headerBytes: Buffer; size: number },
  cuts: number[],
  profile: SourceProfile,
  partFiles: string[] | undefined,
  onPart: (index: number, part: PartRead) => void,
): Promise<{ controlBytesAssumedAway: boolean }> {
  const handle = await open(localPath, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    const bounds = [input.headerBytes.length, ...cuts, input.size];
    const quoteByte = Buffer.from(profile.quote)[0];
    const delimiterByte = Buffer.from(profile.delimiter)[0];
    const controls = CONTROL_BYTES.filter((byte) => byte !== delimiterByte);
    /** Read [start, end) chunk by chunk. */
    const eachChunk = async (start: number, end: number, visit: (bytes: Buffer) => Promise<void> | void) => {
      for (let position = start; position < end;) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
        if (bytesRead <= 0) break;
        await visit(chunk.subarray(0, bytesRead));
        position += bytesRead;
      }
    };
    let linesBefore = 0;
    let controlBytesAssumedAway = false;
    // The last bytes before the current chunk in the original file: a blank line may span a chunk or part seam.
    let previousTail = Buffer.from(input.headerBytes.subarray(Math.max(0, input.headerBytes.length - 2)));
    for (let k = 0; k + 1 < bounds.length; k++) {
      const facts: ByteFacts = { hasQuote: false, hasUnderscore: false, hasBlankLine: false, hasControl: false };
      const out = partFiles ? await open(partFiles[k], 'w') : undefined;
      try {
        await out?.write(input.headerBytes);
        await eachChunk(bounds[k], bounds[k + 1], async (bytes) => {
          if (quoteByte !== undefined && bytes.includes(quoteByte)) facts.hasQuote = true;
          if (bytes.includes(0x5f)) facts.hasUnderscore = true;
          const seam = Buffer.concat([previousTail, bytes.subarray(0, 2)]);
          if ([bytes, seam].some((b) => b.includes('\n\n') || b.includes('\n\r\n'))) facts.hasBlankLine = true;
          previousTail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2)));
          // A file read in place is searched before its read starts.
          if (!partFiles && !facts.hasControl && controls.some((byte) => bytes.includes(byte))) facts.hasControl = true;
          await out?.write(bytes);
        });
      } finally {
        await out?.close();
      }
      onPart(k, { ...facts, file: partFiles ? partFiles[k] : localPath, offset: linesBefore });
      // While the part is read: its line count, the next part's offset.
      if (partFiles && k + 2 < bounds.length) {
        await eachChunk(bounds[k], bounds[k + 1], (bytes) => {
          for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) linesBefore++;
        });
      }
    }
    // Once every part is being read: the control bytes the parts were assumed not to have.
    if (partFiles) {
      await eachChunk(bounds[0], input.size, (bytes) => {
        if (!controlBytesAssumedAway && controls.some((byte) => bytes.includes(byte))) controlBytesAssumedAway = true;
      });
    }
    return { controlBytesAssumedAway };
  } finally {
    await handle.close();
  }
}

/** Context columns the fast path gives as one-value ENUMs. */
const ENUM_CONSTANTS = ['source', 'source_file', 'batch_id'] as const;

/** Per-part names of the reader's reject tables and of the counter of rows left to the full path. */
interface ReaderNames {
  errors: string;
  scans: string;
  counter: string;
}

/**
 * Try the fast path; undefined = not taken (or thrown away), nothing kept. `names` is the file's
 * checked header, `headerBytes` its first line as bytes.
 */
export async function parseCsvFast<T>(
  session: DuckDbSession,
  localPath: string,
  input: { names: string[]; headerBytes: Buffer; size: number; firstDataLine: string | undefined },
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
  fullPathRejects: FullPathRejects,
  options: FastCsvOptions = {},
): Promise<StreamedParseResult<T> | undefined> {
  const timestampSuffix = fastTimestampSuffix(profile, input.names, input.firstDataLine);
  if (!timestampSuffix) return undefined;
  const threads = Number(await session.scalar(`SELECT current_setting('threads')`));
  const wanted = input.size >= (options.splitMinBytes ?? DEFAULT_SPLIT_MIN_BYTES) && sink.writeParts ? options.parts ?? Math.min(4, threads) : 1;
  const cuts = wanted > 1 ? await cutOffsets(localPath, input.size, input.headerBytes.length, wanted) : [];
  // Every part is a file of its own: a LIMIT on the original would stop its reader before the
  // reader records what it refused, and a refused record must never go unnoticed.
  const partFiles = cuts.length > 0 ? [...cuts, input.size].map(() => path.join(tmpdir(), `meterlake-part-${randomUUID()}.csv`)) : undefined;
  const sql = (read: PartRead, names: ReaderNames) => fastAcceptedSql(read, names, input.names, profile, ctx, timestampSuffix);
  try {
    const outcome = partFiles
      ? await withThreads(session, 1, () => session.withConnections(partFiles.length, (sessions) =>
        readParts(sessions, (onPart) => cutFile(localPath, input, cuts, profile, partFiles, onPart), sql, (parts) => writeParts(sink, parts))))
      : await readParts([session], (onPart) => cutFile(localPath, input, [], profile, undefined, onPart), sql, (parts) => writeParts(sink, parts));
    // Lines are records only without quotes or blank lines, and a part with control bytes needs
    // the per-row meter id check: such a file is read in one statement.
    if (partFiles && (outcome.controlBytesAssumedAway || outcome.parts.some((part) => part.hasQuote || part.hasBlankLine))) {
      await sink.discard(outcome.written.result);
      return await parseCsvFast(session, localPath, input, profile, ctx, sink, fullPathRejects, { ...options, parts: 1 });
    }
    if (outcome.readerRejected) {
      await sink.discard(outcome.written.result);
      return undefined;
    }
    const accepted = outcome.written.rows;
    const { rejectedTable, rejected } = outcome.left === 0 ? await createRejectedTable(session, ctx, []) : await fullPathRejects();
    if (rejected !== outcome.left) {
      // The two paths disagree on some row: the full path decides everything.
      await session.run(`DROP TABLE IF EXISTS ${rejectedTable}`);
      await sink.discard(outcome.written.result);
      return undefined;
    }
    options.onPath?.('fast', outcome.parts.length);
    return { written: outcome.written.result, rejectedTable, rowsIn: accepted + rejected, accepted, rejected };
  } finally {
    for (const file of partFiles ?? []) await rm(file, { force: true });
  }
}

/**
 * Run `work` with DuckDB's thread pool at `threads`: each part's statement streams on the thread
 * that runs it, so background workers would only compete with the parts for the cores.
 */
async function withThreads<R>(session: DuckDbSession, threads: number, work: () => Promise<R>): Promise<R> {
  const before = Number(await session.scalar(`SELECT current_setting('threads')`));
  await session.run(`SET threads = ${threads}`);
  try {
    return await work();
  } finally {
    await session.run(`SET threads = ${before}`);
  }
}

/** A promise with its resolve and reject (Promise.withResolvers needs Node 22). */
function deferred<V>(): { promise: Promise<V>; resolve: (value: V) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: V) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<V>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // a part nobody waits for must not be an unhandled rejection
  return { promise, resolve, reject };
}

/** Hand the parts to the sink (a sink without writeParts gets the one part through write). */
async function writeParts<T>(sink: AcceptedRowsSink<T>, parts: Promise<AcceptedRowsPart>[]): Promise<{ result: T; rows: number }> {
  if (sink.writeParts) return sink.writeParts(parts);
  if (parts.length !== 1) throw new Error('a split read needs a sink that writes parts');
  return sink.write((await parts[0]).sql);
}

/**
 * Read the parts (one per session) through `write` as `cut` produces them, then find what the
 * readers refused and what the checks left out.
 */
async function readParts<T>(
  sessions: DuckDbSession[],
  cut: (onPart: (index: number, part: PartRead) => void) => Promise<{ controlBytesAssumedAway: boolean }>,
  sql: (read: PartRead, names: ReaderNames) => string,
  write: (parts: Promise<AcceptedRowsPart>[]) => Promise<{ result: T; rows: number }>,
): Promise<{ written: { result: T; rows: number }; parts: PartRead[]; readerRejected: boolean; left: number; controlBytesAssumedAway: boolean }> {
  const names = sessions.map(() => ({ errors: tempName('fast_errors'), scans: tempName('fast_scans'), counter: tempName('fast_left') }));
  const arrivals = sessions.map(() => deferred<PartRead>());
  try {
    for (const [k, session] of sessions.entries()) await session.run(`CREATE TEMP SEQUENCE ${names[k].counter} START 1`);
    const cutting = cut((index, part) => arrivals[index].resolve(part)).catch((error: unknown) => {
      for (const arrival of arrivals) arrival.reject(error);
      throw error;
    });
    const writing = write(arrivals.map(async (arrival, k) => {
      const read = await arrival.promise;
      return { session: sessions[k], sql: sql(read, names[k]), enumConstants: [...ENUM_CONSTANTS] };
    }));
    // Both settle before anything is cleaned up, so no part file is still being written.
    const [writeOutcome, cutOutcome] = await Promise.allSettled([writing, cutting]);
    if (writeOutcome.status === 'rejected') throw writeOutcome.reason;
    if (cutOutcome.status === 'rejected') throw cutOutcome.reason;
    const written = writeOutcome.value;
    const parts = await Promise.all(arrivals.map((arrival) => arrival.promise));
    let readerRejected = false;
    let left = 0;
    for (const [k, session] of sessions.entries()) {
      if (Number(await session.scalar(`SELECT count(*) FROM ${names[k].errors}`)) > 0) readerRejected = true;
      const last = await session.scalar(
        `SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ${sqlString(names[k].counter)} AND temporary`,
      );
      left += last === null || last === undefined ? 0 : Number(last);
    }
    return { written, parts, readerRejected, left, controlBytesAssumedAway: cutOutcome.value.controlBytesAssumedAway };
  } finally {
    for (const [k, session] of sessions.entries()) {
      await session.run(`DROP SEQUENCE IF EXISTS ${names[k].counter}; DROP TABLE IF EXISTS ${names[k].errors}; DROP TABLE IF EXISTS ${names[k].scans}`);
    }
  }
}

/**
 * The accepted rows of one part (READING_COLUMNS). A row that fails any check advances the
 * part's counter (the OR's right side runs for failing rows only, and a NULL check fails) and is
 * left to the full path. The checks sit in the filter, where each runs only on rows the previous
 * ones passed; as a projected boolean they cost half as much again.
 */
function fastAcceptedSql(
  read: PartRead,
  names: ReaderNames,
  header: string[],
  profile: SourceProfile,
  ctx: ParseContext,
  timestampSuffix: string,
): string {
  const c = profile.columns;
  const typeOf = (name: string) => {
    if (name === c.value) return read.hasUnderscore ? 'VARCHAR' : 'DOUBLE';
    if (name === c.intervalMinutes) return 'DOUBLE';
    return 'VARCHAR';
  };
  const columns = `{${header.map((name) => `${sqlString(name)}: ${sqlString(typeOf(name))}`).join(', ')}}`;
  const q = sqlString(profile.quote);
  const reader = `read_csv(${sqlString(read.file)}, columns = ${columns}, header = true, auto_detect = false,
     delim = ${sqlString(profile.delimiter)}, quote = ${q}, escape = ${q}, strict_mode = true, null_padding = false,
     store_rejects = true,
     rejects_table = ${sqlString(names.errors)}, rejects_scan = ${sqlString(names.scans)})`;
  const spec = profileValidationSpec(profile);
  const minutes = c.intervalMinutes ? `${sqlIdent(c.intervalMinutes)}` : `CAST(${profile.intervalMinutes} AS DOUBLE)`;
  const value = sqlIdent(c.value);
  const valueDouble = read.hasUnderscore ? `CASE WHEN contains(${value}, '_') THEN NULL ELSE TRY_CAST(${value} AS DOUBLE) END` : value;
  const ts = sqlIdent(c.timestamp);
  const label = `CASE WHEN ends_with(${ts}, ${sqlString(timestampSuffix)}) THEN TRY_CAST(${ts} AS TIMESTAMPTZ) END`;
  const start = profile.timestamp.labels === 'end' ? `${label} - to_minutes(CAST(${minutes} AS BIGINT))` : label;
  const quality = c.quality ? sqlIdent(c.quality) : 'CAST(NULL AS VARCHAR)';
  const typed = `SELECT row_number() OVER () + ${read.offset} AS source_row, ${sqlIdent(c.meterId)} AS meter_id,
      ${start} AS interval_start, ${minutes} AS minutes_i, ${valueDouble} AS value_d, 0 AS value_pow10, ${quality} AS quality
    FROM ${reader}`;
  const converted = `SELECT *, ${kwhSql(spec, 'minutes_i')} AS kwh, ${qualitySql(profile)} AS quality_c FROM (${typed})`;
  const checks = [
    // Bytes, not characters: never more permissive, and free (DuckDB stores a string's size).
    `meter_id IS NOT NULL AND strlen(meter_id) <= ${MAX_METER_ID_LENGTH}`,
    // The full path trims spaces and refuses control characters (a per-row regex costs as much as
    // the scan, so it runs only for a part with a control byte in it).
    `meter_id NOT LIKE ' %' AND meter_id NOT LIKE '% '`,
    ...(read.hasControl ? [`NOT regexp_matches(meter_id, '[[:cntrl:]]')`] : []),
    'interval_start IS NOT NULL',
    `minutes_i IN (${ALLOWED_INTERVAL_MINUTES.join(', ')})`,
    // One range test stands for not null, finite, not negative and not above the maximum: NaN
    // sorts above every number in DuckDB and the infinities fall outside any finite range.
    `kwh BETWEEN ${profile.allowNegative ? '-1.7976931348623157e308' : '0'} AND ${profile.maxKwhPerInterval}`,
    'quality_c IS NOT NULL',
    `interval_start >= TIMESTAMPTZ '${MIN_START}' AND interval_start < TIMESTAMPTZ '${MAX_START}'`,
    'epoch_ms(interval_start) % (60000 * CAST(minutes_i AS BIGINT)) = 0',
  ];
  const ctxColumns = contextColumns(ctx);
  // A one-value ENUM is written as the same dictionary-encoded UTF8 column as a string constant,
  // without hashing the string once per row (a third of the Parquet write of these rows).
  const constant = (literal: string) => `CAST(${literal} AS ENUM(${literal}))`;
  return `SELECT meter_id, interval_start, CAST(minutes_i AS INTEGER) AS interval_minutes, kwh, quality_c AS quality,
      ${constant(ctxColumns.source)} AS source, ${constant(ctxColumns.sourceFile)} AS source_file, source_row,
      ${constant(ctxColumns.batchId)} AS batch_id, ${ctxColumns.receivedAt} AS received_at
    FROM (${converted})
    WHERE (${checks.map((check) => `(${check})`).join(' AND ')}) OR nextval(${sqlString(names.counter)}) < 0`;
}
