import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { ALLOWED_INTERVAL_MINUTES, type AcceptedRowsPart, type AcceptedRowsSink, type ParseContext, type StreamedParseResult } from './canonical';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { contextColumns, kwhSql, MAX_METER_ID_LENGTH, MAX_START, MIN_START, profileValidationSpec, qualitySql } from './validate';

/**
 * The fast path of a utility CSV: numeric columns typed by DuckDB's reader (its typed parse
 * costs a fraction of TRY_CAST on text), timestamps as text cast only when they end in a UTC
 * offset, and a handful of cheap checks, with the file cut into
 * parts read on separate connections — a `row_number() OVER ()` stream runs on one thread, so
 * one statement per part is what lets numbered rows use every core.
 *
 * It only ever accepts rows the full path (validate.ts) accepts with the same values; anything
 * it is unsure of is not accepted, and then the full path decides. After the read:
 * - the reader rejected a record (a value its typed parse refused, a record it cannot split,
 *   bad UTF-8): the output is discarded and the caller runs the full path;
 * - some rows failed a check: the full path's reject pass builds their rejects; its count must
 *   equal the number the fast path left out, else the output is discarded likewise.
 */

/** Below this size a file is read as one statement (the split costs a copy of the file's tail). */
export const DEFAULT_SPLIT_MIN_BYTES = 64 * 1024 * 1024;

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
export function fastTimestampSuffix(profile: SourceProfile, header: string[], firstDataLine: string | undefined): string | undefined {
  if (profile.format !== 'csv' || profile.timestamp.format !== 'iso8601' || profile.timestamp.timezone) return undefined;
  if (profile.decimalSeparator === ',' || firstDataLine === undefined) return undefined;
  const text = firstDataLine.replace(/\r$/, '').split(profile.delimiter)[header.indexOf(profile.columns.timestamp)];
  return text === undefined || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(text) ? undefined : UTC_SUFFIXES.find((suffix) => text.endsWith(suffix));
}

/** What one pass over the file's bytes found. */
interface FileScan {
  /** Byte offsets where parts 2..K start (just after a newline). */
  cuts: number[];
  /** Data records before each cut (header excluded). */
  recordsBefore: number[];
  hasQuote: boolean;
  hasUnderscore: boolean;
  hasBlankLine: boolean;
}

/**
 * One pass over the file: where to cut it into `parts` parts at line ends, how many lines come
 * before each cut, and the byte-level facts the fast path depends on (native byte searches only).
 * With `partFiles` (one path per part) it also writes each part as a CSV of its own, header first.
 */
async function scanFile(
  localPath: string, size: number, header: Buffer, parts: number, quote: string, partFiles?: string[],
): Promise<FileScan> {
  const handle = await open(localPath, 'r');
  let out: FileHandle | undefined;
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    const cuts: number[] = [];
    for (let k = 1; k < parts; k++) {
      const probe = Math.floor((size * k) / parts);
      const { bytesRead } = await handle.read(chunk, 0, 1 << 16, probe);
      const newline = chunk.subarray(0, bytesRead).indexOf(0x0a);
      if (newline >= 0 && probe + newline + 1 < size && probe + newline + 1 > (cuts.at(-1) ?? header.length)) cuts.push(probe + newline + 1);
    }
    const quoteByte = Buffer.from(quote)[0];
    const scan: FileScan = { cuts, recordsBefore: [], hasQuote: false, hasUnderscore: false, hasBlankLine: false };
    let lines = 0;
    let previousTail = Buffer.alloc(0);
    let part = 0;
    const startPart = async () => {
      if (!partFiles) return;
      await out?.close();
      out = await open(partFiles[part], 'w');
      await out.write(header);
    };
    await startPart();
    for (let position = header.length; position < size;) {
      const limit = part < cuts.length ? cuts[part] : size;
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, limit - position), position);
      if (bytesRead <= 0) break;
      const bytes = chunk.subarray(0, bytesRead);
      if (part < cuts.length) for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
      if (quoteByte !== undefined && bytes.includes(quoteByte)) scan.hasQuote = true;
      if (bytes.includes(0x5f)) scan.hasUnderscore = true;
      const seam = Buffer.concat([previousTail, bytes.subarray(0, 2)]);
      if (bytes.includes('\n\n') || bytes.includes('\n\r\n') || seam.includes('\n\n') || seam.includes('\n\r\n')) scan.hasBlankLine = true;
      previousTail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2)));
      if (out) await out.write(bytes);
      position += bytesRead;
      if (position === limit && part < cuts.length) {
        scan.recordsBefore.push(lines);
        part++;
        await startPart();
      }
    }
    return scan;
  } finally {
    await out?.close();
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

interface PartRead {
  /** CSV file the part reads (the original when the file is not cut). */
  file: string;
  /** Records of the file before this part. */
  offset: number;
}

/**
 * Try the fast path; undefined = not taken (or thrown away), nothing kept. `header` is the file's
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
  const wanted = Math.max(1, input.size >= (options.splitMinBytes ?? DEFAULT_SPLIT_MIN_BYTES) && sink.writeParts ? options.parts ?? Math.min(4, threads) : 1);
  // Every part is a file of its own, written in the same pass: a LIMIT on the original would stop
  // its reader before the reader records what it refused, and a refused record must never go unnoticed.
  const partFiles = wanted > 1 ? Array.from({ length: wanted }, () => path.join(tmpdir(), `meterlake-part-${randomUUID()}.csv`)) : [];
  try {
    const scan = await scanFile(localPath, input.size, input.headerBytes, wanted, profile.quote, wanted > 1 ? partFiles : undefined);
    // Lines are records only without quotes or blank lines; otherwise the file is read whole.
    const split = scan.cuts.length === wanted - 1 && wanted > 1 && !scan.hasQuote && !scan.hasBlankLine;
    const reads: PartRead[] = split
      ? [0, ...scan.recordsBefore].map((offset, k) => ({ file: partFiles[k], offset }))
      : [{ file: localPath, offset: 0 }];
    const sql = (read: PartRead, names: ReaderNames) =>
      fastAcceptedSql(read, names, input.names, profile, ctx, { timestampSuffix, kwhAsText: scan.hasUnderscore });
    const outcome = reads.length === 1
      ? await readParts([session], reads, sql, (parts) => (sink.writeParts ? sink.writeParts(parts) : sink.write(parts[0].sql)))
      : await session.withConnections(reads.length, (sessions) => readParts(sessions, reads, sql, (parts) => writeParts(sink, parts)));
    if (outcome.readerRejected) {
      await sink.discard(outcome.written.result);
      return undefined;
    }
    const accepted = outcome.written.rows;
    if (outcome.left === 0) {
      const rejectedTable = tempName('rejected');
      await session.run(`CREATE TEMP TABLE ${rejectedTable} AS SELECT * FROM (${emptyRejectsSql(ctx)}) WHERE false`);
      options.onPath?.('fast', reads.length);
      return { written: outcome.written.result, rejectedTable, rowsIn: accepted, accepted, rejected: 0 };
    }
    const { rejectedTable, rejected } = await fullPathRejects();
    if (rejected !== outcome.left) {
      // The two paths disagree on some row: the full path decides everything.
      await session.run(`DROP TABLE IF EXISTS ${rejectedTable}`);
      await sink.discard(outcome.written.result);
      return undefined;
    }
    options.onPath?.('fast', reads.length);
    return { written: outcome.written.result, rejectedTable, rowsIn: accepted + rejected, accepted, rejected };
  } finally {
    for (const file of partFiles) await rm(file, { force: true });
  }
}

function writeParts<T>(sink: AcceptedRowsSink<T>, parts: AcceptedRowsPart[]): Promise<{ result: T; rows: number }> {
  if (!sink.writeParts) throw new Error('a split read needs a sink that writes parts');
  return sink.writeParts(parts);
}

/** Run the parts' SELECTs (one per session) through `write`, then read what the readers refused and what the checks left out. */
async function readParts<T>(
  sessions: DuckDbSession[],
  reads: PartRead[],
  sql: (read: PartRead, names: ReaderNames) => string,
  write: (parts: AcceptedRowsPart[]) => Promise<{ result: T; rows: number }>,
): Promise<{ written: { result: T; rows: number }; readerRejected: boolean; left: number }> {
  const names = reads.map(() => ({ errors: tempName('fast_errors'), scans: tempName('fast_scans'), counter: tempName('fast_left') }));
  try {
    for (const [k, session] of sessions.entries()) await session.run(`CREATE TEMP SEQUENCE ${names[k].counter} START 1`);
    const written = await write(reads.map((read, k) => ({ session: sessions[k], sql: sql(read, names[k]), enumConstants: [...ENUM_CONSTANTS] })));
    let readerRejected = false;
    let left = 0;
    for (const [k, session] of sessions.entries()) {
      if (Number(await session.scalar(`SELECT count(*) FROM ${names[k].errors}`)) > 0) readerRejected = true;
      const last = await session.scalar(
        `SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ${sqlString(names[k].counter)} AND temporary`,
      );
      left += last === null || last === undefined ? 0 : Number(last);
    }
    return { written, readerRejected, left };
  } finally {
    for (const [k, session] of sessions.entries()) {
      await session.run(`DROP SEQUENCE IF EXISTS ${names[k].counter}; DROP TABLE IF EXISTS ${names[k].errors}; DROP TABLE IF EXISTS ${names[k].scans}`);
    }
  }
}

/**
 * The accepted rows of one part (READING_COLUMNS). A row that fails any check advances the
 * part's counter (the OR's right side runs for failing rows only) and is left to the full path.
 */
function fastAcceptedSql(
  read: PartRead,
  names: ReaderNames,
  header: string[],
  profile: SourceProfile,
  ctx: ParseContext,
  plan: { timestampSuffix: string; kwhAsText: boolean },
): string {
  const c = profile.columns;
  const typeOf = (name: string) => {
    if (name === c.value) return plan.kwhAsText ? 'VARCHAR' : 'DOUBLE';
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
  const valueDouble = plan.kwhAsText ? `CASE WHEN contains(${value}, '_') THEN NULL ELSE TRY_CAST(${value} AS DOUBLE) END` : value;
  const ts = sqlIdent(c.timestamp);
  const label = `CASE WHEN ends_with(${ts}, ${sqlString(plan.timestampSuffix)}) THEN TRY_CAST(${ts} AS TIMESTAMPTZ) END`;
  const start = profile.timestamp.labels === 'end' ? `${label} - to_minutes(CAST(${minutes} AS BIGINT))` : label;
  const quality = c.quality ? sqlIdent(c.quality) : 'CAST(NULL AS VARCHAR)';
  const typed = `SELECT row_number() OVER () + ${read.offset} AS source_row, ${sqlIdent(c.meterId)} AS meter_id,
      ${start} AS interval_start, ${minutes} AS minutes_i, ${valueDouble} AS value_d, 0 AS value_pow10, ${quality} AS quality
    FROM ${reader}`;
  const converted = `SELECT *, ${kwhSql(spec, 'minutes_i')} AS kwh, ${qualitySql(profile)} AS quality_c FROM (${typed})`;
  const checks = [
    `meter_id IS NOT NULL AND length(meter_id) <= ${MAX_METER_ID_LENGTH}`,
    // The full path trims spaces and refuses control characters.
    `NOT regexp_matches(meter_id, '^ | $|[[:cntrl:]]')`,
    'interval_start IS NOT NULL',
    `minutes_i IN (${ALLOWED_INTERVAL_MINUTES.join(', ')})`,
    'value_d IS NOT NULL AND isfinite(kwh)',
    ...(profile.allowNegative ? [] : ['kwh >= 0']),
    `kwh <= ${profile.maxKwhPerInterval}`,
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
    FROM (SELECT *, (${checks.map((check) => `(${check})`).join(' AND ')}) IS TRUE AS plain FROM (${converted}))
    WHERE plain OR nextval(${sqlString(names.counter)}) < 0`;
}

/** An empty relation with REJECTED_COLUMNS' types. */
function emptyRejectsSql(ctx: ParseContext): string {
  const c = contextColumns(ctx);
  return `SELECT ${c.source} AS source, ${c.sourceFile} AS source_file, CAST(NULL AS BIGINT) AS source_row, CAST(NULL AS VARCHAR) AS raw,
    CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS value, CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS message,
    ${c.batchId} AS batch_id, ${c.receivedAt} AS received_at`;
}
