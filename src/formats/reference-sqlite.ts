/**
 * Reader of the reference database a utility drops daily (`landing/<source>/reference/*.sqlite`):
 * agreement, product and meterpoint, read with WebAssembly SQLite (sql.js, no native build),
 * validated row by row and loaded into typed DuckDB TEMP tables.
 *
 * Accepted date formats (anything else is a rejected row with reason `invalid_date`), each
 * becoming a UTC calendar date:
 * - `YYYY-MM-DD`
 * - `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS±hh:mm` (the zone is required: a naive time
 *   has no UTC date), converted to UTC before taking the date
 * - `DD/MM/YYYY`
 * - epoch seconds stored as a SQLite number with an integer value (a digit string is not one:
 *   `20210301` would be ambiguous)
 * Dates must lie in 1900-01-01 … 9999-12-31. `is_variable` accepts 0/1 (number or text) and
 * true/false (any case). Every column except agreement_valid_to is required.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBTimestampTZValue } from '@duckdb/node-api';
import initSqlJs, { type Database, type SqlJsStatic, type Statement } from 'sql.js';
import type { DuckDbSession } from '../engine/duckdb-session';
import { sqlIdent } from '../engine/sql-quote';
import { FileRejectedError, REJECTED_COLUMN_TYPES, REJECTED_COLUMNS, type ParseContext } from './canonical';
import { tempName } from './sql-names';

export const REFERENCE_TABLE_NAMES = ['agreement', 'product', 'meterpoint'] as const;
export type ReferenceTableName = (typeof REFERENCE_TABLE_NAMES)[number];

type ColumnKind = 'bigint' | 'text' | 'date' | 'boolean';

export interface ReferenceColumn {
  name: string;
  kind: ColumnKind;
  /** Null or empty is a rejected row (`missing_field`). */
  required: boolean;
}

const DUCKDB_TYPE: Record<ColumnKind, string> = { bigint: 'BIGINT', text: 'VARCHAR', date: 'DATE', boolean: 'BOOLEAN' };

const col = (name: string, kind: ColumnKind, required = true): ReferenceColumn => ({ name, kind, required });

/** The expected layout of each reference table, in output column order. */
export const REFERENCE_COLUMNS: Record<ReferenceTableName, readonly ReferenceColumn[]> = {
  agreement: [
    col('agreement_id', 'bigint'),
    col('agreement_valid_from', 'date'),
    col('agreement_valid_to', 'date', false),
    col('product_id', 'text'),
    col('meterpoint_id', 'text'),
    col('account_id', 'text'),
  ],
  product: [col('id', 'bigint'), col('product_id', 'text'), col('display_name', 'text'), col('is_variable', 'boolean')],
  meterpoint: [col('meterpoint_id', 'text'), col('region', 'text')],
};

/** The DuckDB type of every reference column (what the TEMP tables and Iceberg tables hold). */
export function referenceColumnType(table: ReferenceTableName, column: string): string {
  const found = REFERENCE_COLUMNS[table].find((c) => c.name === column);
  if (!found) throw new Error(`reference table ${table} has no column ${column}`);
  return DUCKDB_TYPE[found.kind];
}

/** Stable reason codes of reference rows and files (stored in rejected_readings / ingest_log). */
export const REFERENCE_REJECT_REASONS = {
  missing_field: 'a required field is null or empty',
  invalid_date: 'the date is not in one of the accepted formats, or not a real calendar date',
  invalid_boolean: 'is_variable is not 0, 1, true or false',
  invalid_number: 'an id is not an integer',
  invalid_text: 'a text field holds a binary value',
  valid_to_before_valid_from: 'agreement_valid_to is earlier than agreement_valid_from',
} as const;

export const REFERENCE_FILE_REJECT_REASONS = {
  unknown_reference_table: 'the database holds a table that is not agreement, product or meterpoint',
  missing_reference_table: 'one of agreement, product or meterpoint is missing',
  unknown_reference_column: 'a reference table has a column that is not expected',
  missing_reference_column: 'a reference table lacks a required column',
  unparseable_file: 'the file cannot be opened as a SQLite database',
} as const;

export interface ReferenceTableCounts {
  /** Rows read from the SQLite table; always accepted + rejected. */
  rowsIn: number;
  accepted: number;
  rejected: number;
}

/** TEMP tables a parse leaves in the session: accepted rows per table, and every rejected row. */
export interface ReferenceParseResult {
  tables: Record<ReferenceTableName, string>;
  /** TEMP table with exactly REJECTED_COLUMNS. */
  rejectedTable: string;
  counts: Record<ReferenceTableName, ReferenceTableCounts>;
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js's Statement.get takes a config the type definitions omit; useBigInt tells INTEGER from REAL. */
type SqlValue = bigint | number | string | Uint8Array | null;
const rowOf = (stmt: Statement) => (stmt.get as unknown as (p: null, c: { useBigInt: boolean }) => SqlValue[])(null, { useBigInt: true });

/**
 * Read a reference SQLite database into typed DuckDB TEMP tables (drop them with
 * dropReferenceParseResult). Throws FileRejectedError when the file is not a SQLite database or
 * its tables or columns are not exactly the expected ones; bad rows become rejected rows.
 */
export async function parseReferenceSqlite(session: DuckDbSession, bytes: Uint8Array, ctx: ParseContext): Promise<ReferenceParseResult> {
  sqlJs ??= initSqlJs();
  const SQL = await sqlJs;
  let db: Database;
  try {
    db = new SQL.Database(bytes);
  } catch (err) {
    throw new FileRejectedError(ctx.sourceFile, 'unparseable_file', `not a readable SQLite database: ${(err as Error).message}`, { cause: err });
  }
  try {
    const actualNames = checkLayout(db, ctx.sourceFile);
    return await loadTables(session, db, actualNames, ctx);
  } finally {
    db.close();
  }
}

/** Drop the TEMP tables a reference parse left behind. */
export async function dropReferenceParseResult(session: DuckDbSession, result: ReferenceParseResult): Promise<void> {
  const names = [...Object.values(result.tables), result.rejectedTable];
  await session.run(names.map((n) => `DROP TABLE IF EXISTS ${n}`).join('; '));
}

/** The table and column names as spelled in the file, keyed by our lower-case names; throws when they do not fit. */
function checkLayout(db: Database, file: string): Map<string, string> {
  let tables: string[];
  try {
    tables = (db.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)[0]?.values ?? [])
      .map((r) => String(r[0]));
  } catch (err) {
    throw new FileRejectedError(file, 'unparseable_file', `not a readable SQLite database: ${(err as Error).message}`, { cause: err });
  }
  const expected: readonly string[] = REFERENCE_TABLE_NAMES;
  const names = new Map(tables.map((t) => [t.toLowerCase(), t]));
  const unknown = tables.filter((t) => !expected.includes(t.toLowerCase()));
  if (unknown.length) {
    throw new FileRejectedError(file, 'unknown_reference_table', `unknown table(s) ${unknown.join(', ')} (expected exactly ${expected.join(', ')})`);
  }
  const missing = expected.filter((t) => !names.has(t));
  if (missing.length) {
    throw new FileRejectedError(file, 'missing_reference_table', `missing table(s) ${missing.join(', ')} (expected exactly ${expected.join(', ')})`);
  }
  for (const table of REFERENCE_TABLE_NAMES) {
    const actual = names.get(table)!;
    const columns = (db.exec(`PRAGMA table_info(${sqlIdent(actual)})`)[0]?.values ?? []).map((r) => String(r[1]));
    const wanted = REFERENCE_COLUMNS[table].map((c) => c.name);
    const lower = new Map(columns.map((c) => [c.toLowerCase(), c]));
    const extra = columns.filter((c) => !wanted.includes(c.toLowerCase()));
    if (extra.length) {
      throw new FileRejectedError(file, 'unknown_reference_column',
        `table ${table} has unknown column(s) ${extra.join(', ')} (expected ${wanted.join(', ')})`);
    }
    const absent = wanted.filter((c) => !lower.has(c));
    if (absent.length) {
      throw new FileRejectedError(file, 'missing_reference_column',
        `table ${table} lacks column(s) ${absent.join(', ')} (expected ${wanted.join(', ')})`);
    }
    for (const [key, spelled] of lower) names.set(`${table}.${key}`, spelled);
  }
  return names;
}

interface RowReject { field: string; value: SqlValue; reason: keyof typeof REFERENCE_REJECT_REASONS; message: string }

/** Stream every table's rows through validation into appenders of the TEMP tables. */
async function loadTables(session: DuckDbSession, db: Database, names: Map<string, string>, ctx: ParseContext): Promise<ReferenceParseResult> {
  const tables = Object.fromEntries(REFERENCE_TABLE_NAMES.map((t) => [t, tempName(`ref_${t}`)])) as Record<ReferenceTableName, string>;
  const rejectedTable = tempName('ref_rejected');
  const result: ReferenceParseResult = {
    tables, rejectedTable,
    counts: Object.fromEntries(REFERENCE_TABLE_NAMES.map((t) => [t, { rowsIn: 0, accepted: 0, rejected: 0 }])) as ReferenceParseResult['counts'],
  };
  const ddl = REFERENCE_TABLE_NAMES.map((t) =>
    `CREATE TEMP TABLE ${tables[t]} (${REFERENCE_COLUMNS[t].map((c) => `${c.name} ${DUCKDB_TYPE[c.kind]}`).join(', ')})`);
  ddl.push(`CREATE TEMP TABLE ${rejectedTable} (${REJECTED_COLUMNS.map((c) => `${c} ${REJECTED_COLUMN_TYPES[c]}`).join(', ')})`);
  await session.run(ddl.join('; '));
  const rejects = await session.connection.createAppender(rejectedTable, 'main', 'temp');
  try {
    for (const table of REFERENCE_TABLE_NAMES) {
      const appender = await session.connection.createAppender(tables[table], 'main', 'temp');
      try {
        loadTable(db, table, names, appender, rejects, ctx, result.counts[table]);
      } finally {
        appender.closeSync();
      }
    }
    rejects.closeSync();
    return result;
  } catch (err) {
    rejects.closeSync();
    await dropReferenceParseResult(session, result);
    throw err;
  }
}

function loadTable(
  db: Database, table: ReferenceTableName, names: Map<string, string>,
  appender: DuckDBAppender, rejects: DuckDBAppender, ctx: ParseContext, counts: ReferenceTableCounts,
): void {
  const columns = REFERENCE_COLUMNS[table];
  const select = columns.map((c) => sqlIdent(names.get(`${table}.${c.name}`)!)).join(', ');
  const stmt = db.prepare(`SELECT ${select} FROM ${sqlIdent(names.get(table)!)}`);
  try {
    while (stmt.step()) {
      const raw = rowOf(stmt);
      counts.rowsIn++;
      const checked = validateRow(table, columns, raw);
      if ('reject' in checked) {
        counts.rejected++;
        appendReject(rejects, ctx, counts.rowsIn, table, columns, raw, checked.reject);
        continue;
      }
      for (const [i, c] of columns.entries()) appendTyped(appender, c.kind, checked.values[i]);
      appender.endRow();
      counts.accepted++;
    }
  } finally {
    stmt.free();
  }
}

type Typed = bigint | string | boolean | number /* days since epoch */ | null;

/** Typed values of a row in column order, or the first problem found (in column order). */
function validateRow(table: ReferenceTableName, columns: readonly ReferenceColumn[], raw: SqlValue[]): { values: Typed[] } | { reject: RowReject } {
  const values: Typed[] = [];
  for (const [i, c] of columns.entries()) {
    const v = raw[i];
    const field = `${table}.${c.name}`;
    if (v === null || (typeof v === 'string' && v.trim() === '')) {
      if (c.required) return { reject: { field, value: v, reason: 'missing_field', message: `${field} is required but is ${v === null ? 'null' : 'empty'}` } };
      values.push(null);
      continue;
    }
    const parsed = parseValue(c.kind, v);
    if (parsed === undefined) return { reject: { field, value: v, reason: REASON_OF_KIND[c.kind], message: `${field}: ${describe(v)} ${EXPECTED_OF_KIND[c.kind]}` } };
    values.push(parsed);
  }
  if (table === 'agreement') {
    const from = values[1] as number;
    const to = values[2] as number | null;
    if (to !== null && to < from) {
      return { reject: {
        field: 'agreement.agreement_valid_to', value: raw[2], reason: 'valid_to_before_valid_from',
        message: `agreement.agreement_valid_to ${describe(raw[2])} is before agreement_valid_from ${describe(raw[1])}`,
      } };
    }
  }
  return { values };
}

const REASON_OF_KIND: Record<ColumnKind, RowReject['reason']> = {
  bigint: 'invalid_number', text: 'invalid_text', date: 'invalid_date', boolean: 'invalid_boolean',
};
const EXPECTED_OF_KIND: Record<ColumnKind, string> = {
  bigint: 'is not an integer',
  text: 'is binary, expected text',
  date: 'is not a date (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS with Z or ±hh:mm, DD/MM/YYYY or integer epoch seconds, 1900–9999)',
  boolean: 'is not a boolean (expected 0, 1, true or false)',
};

function parseValue(kind: ColumnKind, v: Exclude<SqlValue, null>): Typed | undefined {
  switch (kind) {
    case 'bigint': return parseBigInt(v);
    case 'text':
      if (v instanceof Uint8Array) return undefined;
      return String(v);
    case 'date': return parseReferenceDate(v);
    case 'boolean': return parseBoolean(v);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function parseBigInt(v: Exclude<SqlValue, null>): bigint | undefined {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) n = BigInt(v);
  return n !== undefined && n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

function parseBoolean(v: Exclude<SqlValue, null>): boolean | undefined {
  if (v === 0n || v === 0 || v === '0') return false;
  if (v === 1n || v === 1 || v === '1') return true;
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

const DAY_MS = 86_400_000;
const MIN_DAY = Date.UTC(1900, 0, 1) / DAY_MS;
const MAX_DAY = Date.UTC(9999, 11, 31) / DAY_MS;

/** Days since 1970-01-01 of a calendar date, or undefined when it is not a real date. */
function calendarDay(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return ms / DAY_MS;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|([+-])(\d{2}):(\d{2}))$/;
const UK_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/**
 * A reference date as days since 1970-01-01 (its UTC calendar date), or undefined when the value
 * is in none of the accepted formats (see the module comment).
 */
export function parseReferenceDate(v: bigint | number | string | Uint8Array): number | undefined {
  let day: number | undefined;
  if (typeof v === 'bigint' || typeof v === 'number') {
    const seconds = Number(v);
    if (!Number.isSafeInteger(seconds)) return undefined;
    day = Math.floor(seconds / 86_400);
  } else if (typeof v === 'string') {
    day = parseDateText(v);
  }
  return day !== undefined && day >= MIN_DAY && day <= MAX_DAY ? day : undefined;
}

function parseDateText(text: string): number | undefined {
  let m = ISO_DATE.exec(text);
  if (m) return calendarDay(+m[1], +m[2], +m[3]);
  m = UK_DATE.exec(text);
  if (m) return calendarDay(+m[3], +m[2], +m[1]);
  m = ISO_DATETIME.exec(text);
  if (!m) return undefined;
  const day = calendarDay(+m[1], +m[2], +m[3]);
  const [hh, mi, ss] = [+m[4], +m[5], +m[6]];
  if (day === undefined || hh > 23 || mi > 59 || ss > 59) return undefined;
  let offsetMinutes = 0;
  if (m[7] !== 'Z') {
    const [oh, om] = [+m[9], +m[10]];
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utcMs = day * DAY_MS + ((hh * 60 + mi - offsetMinutes) * 60 + ss) * 1000;
  return Math.floor(utcMs / DAY_MS);
}

function appendTyped(a: DuckDBAppender, kind: ColumnKind, v: Typed): void {
  if (v === null) return a.appendNull();
  switch (kind) {
    case 'bigint': return a.appendBigInt(v as bigint);
    case 'text': return a.appendVarchar(v as string);
    case 'date': return a.appendDate(new DuckDBDateValue(v as number));
    case 'boolean': return a.appendBoolean(v as boolean);
  }
}

/** A value as JSON can carry it: bigint as a number when exact, blobs as hex. */
function jsonValue(v: SqlValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  return v;
}

function describe(v: SqlValue): string {
  return v instanceof Uint8Array ? `blob of ${v.length} bytes` : JSON.stringify(jsonValue(v));
}

function appendReject(
  a: DuckDBAppender, ctx: ParseContext, sourceRow: number, table: ReferenceTableName,
  columns: readonly ReferenceColumn[], raw: SqlValue[], r: RowReject,
): void {
  const record = Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(raw[i])]));
  const value = r.value === null ? null : typeof r.value === 'string' ? r.value : String(jsonValue(r.value));
  a.appendVarchar(ctx.source);
  a.appendVarchar(ctx.sourceFile);
  a.appendBigInt(BigInt(sourceRow));
  a.appendVarchar(JSON.stringify(record));
  a.appendVarchar(r.field);
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
  a.appendVarchar(r.reason);
  a.appendVarchar(`${table} row ${sourceRow}: ${r.message}`);
  a.appendVarchar(ctx.batchId);
  a.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(ctx.receivedAt.getTime()) * 1000n));
  a.endRow();
}
