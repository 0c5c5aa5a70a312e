import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { ALLOWED_INTERVAL_MINUTES, type AcceptedRowsPart, type AcceptedRowsSink, type ParseContext } from './canonical';
import type { CsvHead } from './csv-file';
import { cutFile, type FirstPartScan, type PartRead, withPartFiles } from './csv-cut';
import type { FastReadPlan } from './csv-read-plan';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { contextColumns, kwhSql, MAX_METER_ID_LENGTH, MAX_START, MIN_START, profileValidationSpec, qualitySql, subMicrosecondFraction } from './validate';

/**
 * The fast path of a utility CSV: numeric columns typed by DuckDB's reader (its typed parse
 * costs a fraction of TRY_CAST on text), timestamps as text cast only when they end in a UTC
 * offset, and a handful of cheap checks in the filter. A large file is cut at line ends into
 * parts (csv-cut.ts) read on separate connections: a `row_number() OVER ()` stream (the
 * source_row) runs on one thread, so one statement per part is what lets numbered rows use every
 * core. The first part is read in place (its first N records, a LIMIT) from the moment the read
 * starts; later parts are read as soon as the cut has copied them into CSVs of their own.
 *
 * It only ever accepts rows the full path (validate.ts) accepts with the same values; anything
 * it is unsure of is not accepted, and then the full path decides. A fast read is a proposal:
 * parseUtilityCsv keeps it only when the cut held (csv-cut.ts) and its rejects reconcile with the
 * full path's (csv-reject-reconcile.ts).
 */

/** Context columns the fast path gives as one-value ENUMs. */
const ENUM_CONSTANTS = ['source', 'source_file', 'batch_id'] as const;

/** Per-part names of the reader's reject tables and of the counter of rows left to the full path. */
interface ReaderNames {
  errors: string;
  scans: string;
  counter: string;
}

/** What a fast read wrote and found (its output still to be kept or discarded). */
export interface FastRead<T> {
  written: { result: T; rows: number };
  /** A part's reader refused a record (a value its typed parse refused, a record it cannot split, bad UTF-8). */
  readerRejected: boolean;
  /** Rows that failed one of the checks, left to the full path. */
  left: number;
  parts: PartRead[];
  /** What the cut found of the first part of a cut file. */
  firstPart: FirstPartScan | undefined;
}

/**
 * Read the file as `plan` says, in parts when it is cut; undefined = the first part's reader
 * refused a record (the sink kept nothing).
 */
export async function readCsvFast<T>(
  session: DuckDbSession,
  localPath: string,
  head: CsvHead,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
  plan: FastReadPlan,
): Promise<FastRead<T> | undefined> {
  const sql = (read: PartRead, names: ReaderNames) => fastAcceptedSql(read, names, head.names, profile, ctx, plan.timestampSuffix);
  const write = (parts: Promise<AcceptedRowsPart>[]) => writeParts(sink, parts);
  return withPartFiles(plan.cut, async (partFiles) => {
    const cut = (onPart: (index: number, part: PartRead) => void) => cutFile(localPath, head, plan.cut, profile, partFiles, onPart);
    try {
      return plan.cut
        ? await withThreads(session, 1, () => session.withConnections(partFiles.length + 1, (sessions) => readParts(sessions, cut, sql, write)))
        : await readParts([session], cut, sql, write);
    } catch (error) {
      // The first part's reader refused a record (the sink kept nothing): the full path decides.
      if (plan.cut && /CSV Error on Line/.test(String((error as Error | undefined)?.message))) return undefined;
      throw error;
    }
  });
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
): Promise<FastRead<T>> {
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
