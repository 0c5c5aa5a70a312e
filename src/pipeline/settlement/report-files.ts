/**
 * Settlement report files: the rows of a report as CSV and Parquet with deterministic bytes —
 * fixed column order and types, canonical text for every value (kWh to 9 decimals from integer
 * nano-kWh, instants as ISO UTC), rows in the order the SQL gives, no wall-clock time inside.
 * Both files are built from the result rows alone, so any engine that returns the same rows
 * (DuckDB locally, Athena in AWS) produces the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scratchName, sqlIdent, sqlString, type DuckDbSession } from '../../engine/duckdb-session';
import { csvCell } from '../../formats/csv-cell';

/** How a report column is typed in the files; `kwh` reads the SQL's `nano_<name>` BIGINT. */
export type ReportColumnType = 'text' | 'date' | 'int' | 'timestamp' | 'kwh' | 'price' | 'money' | 'bool';

export interface ReportColumn {
  readonly name: string;
  readonly type: ReportColumnType;
}

/** A report: the SQL file it runs (sql/settlement/<sql ?? name>.sql) and the columns of its files. */
export interface SettlementReport {
  readonly name: string;
  /** The SQL file, when not named like the report. */
  readonly sql?: string;
  /** Exact per-row arithmetic on the SQL's rows (see dr.ts), when the SQL's rows are not the report's. */
  readonly derive?: (rows: readonly Record<string, unknown>[]) => Record<string, unknown>[];
  readonly columns: readonly ReportColumn[];
}

/** A value the SQL returned that does not fit its report column. */
export class ReportValueError extends Error {
  override name = 'ReportValueError';
}

const PARQUET_TYPES: Record<ReportColumnType, string> = {
  text: 'VARCHAR', date: 'DATE', int: 'BIGINT', timestamp: 'TIMESTAMPTZ', kwh: 'DECIMAL(38, 9)', price: 'DECIMAL(38, 9)', money: 'DECIMAL(38, 9)', bool: 'BOOLEAN',
};
const NUMERIC: ReadonlySet<ReportColumnType> = new Set(['int', 'kwh', 'price', 'money']);

/** `n` units of 10^-scale as fixed-point text (e.g. 1500000000n, 9 → "1.500000000"). */
export function fixedPoint(n: bigint, scale = 9): string {
  const sign = n < 0n ? '-' : '';
  const abs = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  return `${sign}${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
}

/** The SQL column a report column reads. */
export const sqlColumnOf = (c: ReportColumn) => (c.type === 'kwh' || c.type === 'money' || c.type === 'price' ? `nano_${c.name}` : c.name);

function integer(value: unknown, where: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new ReportValueError(`${where}: ${String(value)} is not a whole number`);
}

/** Canonical text of one value (null stays null). */
export function valueText(value: unknown, column: ReportColumn, where: string): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'text': return String(value);
    case 'bool': return value ? 'true' : 'false';
    case 'int': return integer(value, where).toString();
    case 'kwh': case 'price': case 'money': return fixedPoint(integer(value, where));
    case 'date': {
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
      throw new ReportValueError(`${where}: ${String(value)} is not a date`);
    }
    case 'timestamp': {
      if (value instanceof Date) return `${value.toISOString().slice(0, 19)}Z`;
      throw new ReportValueError(`${where}: ${String(value)} is not a timestamp`);
    }
  }
}

/** The rows of a report as canonical text, one array per row in report column order. */
export function reportTexts(report: SettlementReport, rows: readonly Record<string, unknown>[]): (string | null)[][] {
  return rows.map((row, i) => report.columns.map((c) => {
    const source = sqlColumnOf(c);
    if (!(source in row)) throw new ReportValueError(`${report.name}: the SQL returned no column ${source}`);
    return valueText(row[source], c, `${report.name} row ${i + 1} column ${c.name}`);
  }));
}

/** CSV bytes: a header, one line per row, `\n` endings; text cells escaped against formulas, numbers as numbers. */
export function reportCsv(report: SettlementReport, texts: readonly (string | null)[][]): Buffer {
  const cell = (text: string | null, c: ReportColumn) => (text === null ? '' : NUMERIC.has(c.type) ? text : csvCell(text));
  const lines = [report.columns.map((c) => csvCell(c.name)).join(','), ...texts.map((row) => row.map((t, i) => cell(t, report.columns[i])).join(','))];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

/** Parquet bytes of the rows (typed columns, zstd), written by DuckDB from the canonical text. */
export async function reportParquet(session: DuckDbSession, report: SettlementReport, texts: readonly (string | null)[][]): Promise<Buffer> {
  const table = scratchName(`report_${report.name}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-report-'));
  const file = path.join(dir, `${report.name}.parquet`);
  await session.run(`CREATE TEMP TABLE ${table} (${report.columns.map((c) => `${sqlIdent(c.name)} VARCHAR`).join(', ')})`);
  try {
    const appender = await session.connection.createAppender(table, 'main', 'temp');
    for (const row of texts) {
      for (const text of row) {
        if (text === null) appender.appendNull();
        else appender.appendVarchar(text);
      }
      appender.endRow();
    }
    appender.closeSync();
    const select = report.columns.map((c) => `CAST(${sqlIdent(c.name)} AS ${PARQUET_TYPES[c.type]}) AS ${sqlIdent(c.name)}`).join(', ');
    // The COPY keeps insertion order (DuckDB's default), so the same rows give the same file.
    await session.run(`COPY (SELECT ${select} FROM ${table}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
    return await readFile(file);
  } finally {
    await session.run(`DROP TABLE IF EXISTS ${table}`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Hex SHA-256 of bytes. */
export const sha256Hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
