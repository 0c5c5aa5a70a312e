import { randomUUID } from 'node:crypto';
import { type FileHandle, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { type ByteFacts, ByteScanner, mergeByteFacts, NO_BYTE_FACTS } from './byte-scan';
import { ALLOWED_INTERVAL_MINUTES, type AcceptedRowsPart, type AcceptedRowsSink, type ParseContext, type StreamedParseResult } from './canonical';
import type { SourceProfile } from './source-profiles';
import { splitCsvLine } from './csv-line';
import { tempName } from './sql-names';
import { contextColumns, createRejectedTable, kwhSql, MAX_METER_ID_LENGTH, MAX_START, MIN_START, profileValidationSpec, qualitySql, subMicrosecondFraction } from './validate';

/**
 * The fast path of a utility CSV: numeric columns typed by DuckDB's reader (its typed parse
 * costs a fraction of TRY_CAST on text), timestamps as text cast only when they end in a UTC
 * offset, and a handful of cheap checks in the filter. A large file is cut at line ends into
 * parts read on separate connections: a `row_number() OVER ()` stream (the source_row) runs on
 * one thread, so one statement per part is what lets numbered rows use every core. The first
 * part is read in place (its first N records, a LIMIT) from the moment the read starts; later
 * parts are copied into CSVs of their own as one pass over the bytes (byte-scan.wat) finds where
 * the first part ends and what each part holds.
 *
 * It only ever accepts rows the full path (validate.ts) accepts with the same values; anything
 * it is unsure of is not accepted, and then the full path decides. After the read:
 * - a cut file turned out to hold a quote hazard (a quoted line break, or a quote DuckDB reads
 *   as a plain character: lines may not be records) or blank lines, or the first part held what its first 64 KiB did not show
 *   (control bytes: the meter-id check must run per row; underscores: kWh must be read as text)
 *   or ended early: the output is discarded and the file is read again in one statement;
 * - the reader refused a record (a value its typed parse refused, a record it cannot split,
 *   bad UTF-8): the output is discarded and the caller runs the full path;
 * - some rows failed a check: the full path's reject pass builds their rejects; its count must
 *   equal the number the fast path left out, else the output is discarded likewise.
 */

/** Below this size a file is read in one statement (a cut costs a copy of most of the file). */
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
  const text = splitCsvLine(firstDataLine.replace(/\r$/, ''), profile.delimiter, profile.quote)[header.indexOf(profile.columns.timestamp)];
  return text === undefined || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(text) ? undefined : UTC_SUFFIXES.find((suffix) => text.endsWith(suffix));
}

/** One part of the file, ready for DuckDB. */
interface PartRead extends ByteFacts {
  /** CSV file the part reads (the original when the file is not cut, or for the first part). */
  file: string;
  /** Records of the file before this part. */
  offset: number;
  /**
   * The first part of a cut file: its first `limit` records, read in place. Its reader keeps no
   * rejects (under a LIMIT it may stop before recording them): a record it refuses is an error,
   * after which the full path decides. Its byte facts are those its first 64 KiB show: the
   * rest is scanned while it is read.
   */
  limit?: number;
}

/** How a file is cut: the first part by records (read in place), the others at byte offsets. */
interface CutPlan {
  /** Records in the first part. */
  firstRecords: number;
  /** The first part's byte facts as its first 64 KiB show them: what its read assumes. */
  firstAssumed: ByteFacts;
  /** Byte offsets (just after a newline) where parts 3..K start; part 2 starts after the first part's last record. */
  laterCuts: number[];
}

/** The first part's bytes as the cut found them once its read had started. */
interface FirstPartScan {
  facts: ByteFacts;
  /** False when the file ended before `firstRecords` lines: the LIMIT may not be what was meant. */
  complete: boolean;
}

/** The stretch of a file's start that a cut plan looks at. */
const PROBE_BYTES = 1 << 16;

/**
 * Where to cut a file into `parts`; undefined = read it in one statement (its header or start
 * shows a quote hazard or blank lines, so lines may not be records, or it has no line end). The
 * first part is a little larger, as its read starts at once while the others are still being
 * copied; its record count comes from the mean line length of the file's first 64 KiB.
 */
async function planCut(localPath: string, input: { headerBytes: Buffer; size: number }, profile: SourceProfile, parts: number): Promise<CutPlan | undefined> {
  const { size } = input;
  const headerLength = input.headerBytes.length;
  const handle = await open(localPath, 'r');
  try {
    const probe = new ChunkReader(handle, profile, PROBE_BYTES);
    const header = probe.scanner.reset(input.headerBytes);
    let lastNewline = -1;
    const { facts, newlines } = await probe.scan(headerLength, Math.min(size, headerLength + PROBE_BYTES), async (bytes) => {
      lastNewline = bytes.lastIndexOf(0x0a);
    });
    if (newlines === 0 || header.hasQuoteHazard || facts.hasQuoteHazard || facts.hasBlankLine) return undefined;
    const weights = Array.from({ length: parts }, (_, k) => (k === 0 ? 1.1 : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const at = (share: number) => headerLength + Math.floor(((size - headerLength) * share) / total);
    const firstRecords = Math.max(1, Math.round((at(weights[0]) - headerLength) / ((lastNewline + 1) / newlines)));
    const laterCuts: number[] = [];
    const bytes = Buffer.allocUnsafe(PROBE_BYTES);
    let share = weights[0];
    for (let k = 1; k < parts - 1; k++) {
      share += weights[k];
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, at(share));
      const newline = bytes.subarray(0, bytesRead).indexOf(0x0a);
      const cut = at(share) + newline + 1;
      if (newline >= 0 && cut < size) laterCuts.push(cut);
    }
    return { firstRecords, firstAssumed: facts, laterCuts };
  } finally {
    await handle.close();
  }
}

/** Reads a stretch of the file chunk by chunk through the byte scanner. */
class ChunkReader {
  readonly scanner: ByteScanner;

  constructor(private readonly handle: FileHandle, profile: SourceProfile, chunkBytes?: number) {
    this.scanner = new ByteScanner(Buffer.from(profile.quote)[0], Buffer.from(profile.delimiter)[0], chunkBytes);
  }

  /** The file's [start, end) read into the scanner's chunk, one chunk at a time. */
  private async *chunks(start: number, end: number): AsyncGenerator<{ position: number; length: number }> {
    const { chunk } = this.scanner;
    for (let position = start; position < end;) {
      const { bytesRead } = await this.handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
      if (bytesRead <= 0) return;
      yield { position, length: bytesRead };
      position += bytesRead;
    }
  }

  /** Scan [start, end), handing each chunk to `visit`; the stretch's facts and newline count. */
  async scan(start: number, end: number, visit?: (bytes: Buffer) => Promise<unknown>): Promise<{ facts: ByteFacts; newlines: number }> {
    let facts = NO_BYTE_FACTS;
    let newlines = 0;
    for await (const { length } of this.chunks(start, end)) {
      const scanned = this.scanner.scan(length);
      facts = mergeByteFacts(facts, scanned.facts);
      newlines += scanned.newlines;
      await visit?.(this.scanner.chunk.subarray(0, length));
    }
    return { facts, newlines };
  }

  /** From `start`, find where the `lines`-th line ends (undefined: the file ends first) and the facts up to there. */
  async findLineEnd(start: number, size: number, lines: number): Promise<{ end: number | undefined; facts: ByteFacts }> {
    let facts = NO_BYTE_FACTS;
    let seen = 0;
    for await (const { position, length } of this.chunks(start, size)) {
      const seam = this.scanner.seam();
      const scanned = this.scanner.scan(length);
      if (seen + scanned.newlines >= lines) {
        let at = -1;
        for (let need = lines - seen; need > 0; need--) at = this.scanner.chunk.indexOf(0x0a, at + 1);
        // Only the bytes up to the line end belong to the first part.
        this.scanner.restore(seam);
        return { end: position + at + 1, facts: mergeByteFacts(facts, this.scanner.scan(at + 1).facts) };
      }
      facts = mergeByteFacts(facts, scanned.facts);
      seen += scanned.newlines;
    }
    return { end: undefined, facts };
  }
}

/**
 * Hand the file to DuckDB, in one pass over its bytes that also finds each part's byte facts
 * and line count (byte-scan.wat). Uncut (no `plan`), the file is read in place once the pass
 * is done. Cut, the first part's read starts at once, in place with a LIMIT; the pass then finds
 * where its records end, and copies each later stretch into a CSV of its own (header first),
 * handed to `onPart` as soon as it is written. Returns what the pass found of the first part.
 */
async function cutFile(
  localPath: string,
  input: { headerBytes: Buffer; size: number },
  plan: CutPlan | undefined,
  profile: SourceProfile,
  partFiles: string[],
  onPart: (index: number, part: PartRead) => void,
): Promise<FirstPartScan | undefined> {
  const handle = await open(localPath, 'r');
  try {
    const reader = new ChunkReader(handle, profile);
    // The header's quotes set the state the data starts in; a blank line may span the header's
    // end, a chunk seam or a part seam: the scan carries the bytes before.
    const header = reader.scanner.reset(input.headerBytes);
    const start = input.headerBytes.length;
    if (!plan) {
      const { facts } = await reader.scan(start, input.size);
      onPart(0, { ...facts, hasQuoteHazard: facts.hasQuoteHazard || header.hasQuoteHazard, file: localPath, offset: 0 });
      return undefined;
    }
    onPart(0, { ...plan.firstAssumed, file: localPath, offset: 0, limit: plan.firstRecords });
    const first = await reader.findLineEnd(start, input.size, plan.firstRecords);
    const secondStart = first.end ?? input.size;
    // Later parts may turn out empty (a header alone) when the first part reached past their cut.
    const bounds = [secondStart, ...plan.laterCuts.map((cut) => Math.max(cut, secondStart)), input.size];
    let linesBefore = plan.firstRecords;
    for (let k = 1; k < bounds.length; k++) {
      const out = await open(partFiles[k - 1], 'w');
      let scanned: { facts: ByteFacts; newlines: number };
      try {
        await out.write(input.headerBytes);
        scanned = await reader.scan(bounds[k - 1], bounds[k], (bytes) => out.write(bytes));
      } finally {
        await out.close();
      }
      onPart(k, { ...scanned.facts, file: partFiles[k - 1], offset: linesBefore });
      linesBefore += scanned.newlines;
    }
    return { facts: first.facts, complete: first.end !== undefined };
  } finally {
    await handle.close();
  }
}

const PART_FILE_PREFIX = 'meterlake-part-';
/** Far longer than any read of a part: a part file this old belongs to no running parse. */
const STALE_PART_FILE_MS = 60 * 60 * 1000;

/**
 * Remove part files that a process killed mid-read left behind (e.g. a Lambda that timed out:
 * its /tmp lives on in the warm container and would fill up).
 */
export async function removeStalePartFiles(dir: string, now: number): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith(PART_FILE_PREFIX)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_PART_FILE_MS) await rm(file, { force: true });
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
  // A profile's own meter-id pattern is a regex per row: the full path applies it.
  if (profile.meterIdPattern !== undefined) return undefined;
  const timestampSuffix = fastTimestampSuffix(profile, input.names, input.firstDataLine);
  if (!timestampSuffix) return undefined;
  const threads = Number(await session.scalar(`SELECT current_setting('threads')`));
  const wanted = input.size >= (options.splitMinBytes ?? DEFAULT_SPLIT_MIN_BYTES) && sink.writeParts ? options.parts ?? Math.min(4, threads) : 1;
  const plan = wanted > 1 ? await planCut(localPath, input, profile, wanted) : undefined;
  if (plan) await removeStalePartFiles(tmpdir(), Date.now());
  // Every part after the first is a file of its own: only the first part's reader can be stopped
  // by a LIMIT where the part ends.
  const partFiles = plan ? [...plan.laterCuts, input.size].map(() => path.join(tmpdir(), `${PART_FILE_PREFIX}${randomUUID()}.csv`)) : [];
  const sql = (read: PartRead, names: ReaderNames) => fastAcceptedSql(read, names, input.names, profile, ctx, timestampSuffix);
  try {
    const cut = (onPart: (index: number, part: PartRead) => void) => cutFile(localPath, input, plan, profile, partFiles, onPart);
    const write = (parts: Promise<AcceptedRowsPart>[]) => writeParts(sink, parts);
    let outcome: Awaited<ReturnType<typeof readParts<T>>>;
    try {
      outcome = plan
        ? await withThreads(session, 1, () => session.withConnections(partFiles.length + 1, (sessions) => readParts(sessions, cut, sql, write)))
        : await readParts([session], cut, sql, write);
    } catch (error) {
      // The first part's reader refused a record (the sink kept nothing): the full path decides.
      if (plan && /CSV Error on Line/.test(String((error as Error | undefined)?.message))) return undefined;
      throw error;
    }
    // Lines are records only without a quote hazard or blank lines; the first part's read assumed
    // the facts of its first 64 KiB (control bytes and underscores decide its checks) and that the
    // file had as many lines as it asked for. Otherwise: one statement again.
    const first = outcome.firstPart;
    const assumed = plan?.firstAssumed ?? NO_BYTE_FACTS;
    const firstMisjudged = first && (!first.complete || (first.facts.hasControl && !assumed.hasControl) || (first.facts.hasUnderscore && !assumed.hasUnderscore));
    if (plan && (firstMisjudged || outcome.parts.some((part) => part.hasQuoteHazard || part.hasBlankLine) || first?.facts.hasQuoteHazard || first?.facts.hasBlankLine)) {
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
    for (const file of partFiles) await rm(file, { force: true });
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
  cut: (onPart: (index: number, part: PartRead) => void) => Promise<FirstPartScan | undefined>,
  sql: (read: PartRead, names: ReaderNames) => string,
  write: (parts: Promise<AcceptedRowsPart>[]) => Promise<{ result: T; rows: number }>,
): Promise<{ written: { result: T; rows: number }; parts: PartRead[]; readerRejected: boolean; left: number; firstPart: FirstPartScan | undefined }> {
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
    // Both settle before anything is cleaned up (the sink returns once every part's statement has
    // ended), so no part file is still being written or read.
    const [writeOutcome, cutOutcome] = await Promise.allSettled([writing, cutting]);
    if (writeOutcome.status === 'rejected') throw writeOutcome.reason;
    if (cutOutcome.status === 'rejected') throw cutOutcome.reason;
    const written = writeOutcome.value;
    const parts = await Promise.all(arrivals.map((arrival) => arrival.promise));
    let readerRejected = false;
    let left = 0;
    for (const [k, session] of sessions.entries()) {
      if (parts[k].limit === undefined && Number(await session.scalar(`SELECT count(*) FROM ${names[k].errors}`)) > 0) readerRejected = true;
      const last = await session.scalar(
        `SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ${sqlString(names[k].counter)} AND temporary`,
      );
      left += last === null || last === undefined ? 0 : Number(last);
    }
    return { written, parts, readerRejected, left, firstPart: cutOutcome.value };
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
  const rejects = read.limit === undefined
    ? `store_rejects = true, rejects_table = ${sqlString(names.errors)}, rejects_scan = ${sqlString(names.scans)}`
    : 'store_rejects = false';
  const csv = `read_csv(${sqlString(read.file)}, columns = ${columns}, header = true, auto_detect = false,
     delim = ${sqlString(profile.delimiter)}, quote = ${q}, escape = ${q}, strict_mode = true, null_padding = false, ${rejects})`;
  const reader = read.limit === undefined ? csv : `(SELECT * FROM ${csv} LIMIT ${read.limit})`;
  const spec = profileValidationSpec(profile);
  const minutes = c.intervalMinutes ? `${sqlIdent(c.intervalMinutes)}` : `CAST(${profile.intervalMinutes} AS DOUBLE)`;
  const value = sqlIdent(c.value);
  const valueDouble = read.hasUnderscore ? `CASE WHEN contains(${value}, '_') THEN NULL ELSE TRY_CAST(${value} AS DOUBLE) END` : value;
  const ts = sqlIdent(c.timestamp);
  const label = `CASE WHEN ends_with(${ts}, ${sqlString(timestampSuffix)}) THEN TRY_CAST(${ts} AS TIMESTAMPTZ) END`;
  const start = profile.timestamp.labels === 'end' ? `${label} - to_minutes(CAST(${minutes} AS BIGINT))` : label;
  const quality = c.quality ? sqlIdent(c.quality) : 'CAST(NULL AS VARCHAR)';
  const typed = `SELECT row_number() OVER () + ${read.offset} AS source_row, ${sqlIdent(c.meterId)} AS meter_id,
      ${start} AS interval_start, ${ts} AS ts_text, ${minutes} AS minutes_i, ${valueDouble} AS value_d, 0 AS value_pow10, ${quality} AS quality
    FROM ${reader}`;
  const converted = `SELECT *, ${kwhSql(spec, 'minutes_i')} AS kwh, ${qualitySql(profile)} AS quality_c FROM (${typed})`;
  // No check asks for NOT NULL: a NULL anywhere makes its check NULL, which fails like false.
  const checks = [
    // Bytes, not characters: never more permissive, and free (DuckDB stores a string's size).
    `strlen(meter_id) <= ${MAX_METER_ID_LENGTH}`,
    // The full path trims spaces and refuses control characters (a per-row regex costs as much as
    // the scan, so it runs only for a part with a control byte in it or a quote hazard, where a
    // line break or the delimiter may be part of a quoted value).
    `meter_id NOT LIKE ' %' AND meter_id NOT LIKE '% '`,
    ...(read.hasControl || read.hasQuoteHazard ? [`NOT regexp_matches(meter_id, '[[:cntrl:]]')`] : []),
    `minutes_i IN (${ALLOWED_INTERVAL_MINUTES.join(', ')})`,
    // One range test stands for not null, finite, not negative and not above the maximum: NaN
    // sorts above every number in DuckDB and the infinities fall outside any finite range.
    `kwh BETWEEN ${profile.allowNegative ? '-1.7976931348623157e308' : '0'} AND ${profile.maxKwhPerInterval}`,
    `quality_c IS NOT NULL`,
    `interval_start >= TIMESTAMPTZ '${MIN_START}' AND interval_start < TIMESTAMPTZ '${MAX_START}'`,
    'epoch_us(interval_start) % (60000000 * CAST(minutes_i AS BIGINT)) = 0',
    // The cast drops fraction digits beyond microseconds; the full path refuses a non-zero one.
    `strlen(ts_text) <= ${'2021-01-01T00:00:00.000000'.length + timestampSuffix.length} OR NOT ${subMicrosecondFraction('ts_text')}`,
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
