import { csvCell, type CsvValue } from '../formats/csv-cell';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** DuckDB's INTERVAL as JS gives it. */
interface Interval { months: number; days: number; micros: bigint }
const isInterval = (v: unknown): v is Interval =>
  typeof v === 'object' && v !== null && Object.keys(v).sort().join() === 'days,micros,months';

/** `1 year 2 months 3 days 04:05:06.5`, as DuckDB prints an interval. */
function intervalText({ months, days, micros }: Interval): string {
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  const unit = (n: number, name: string) => `${n} ${name}${Math.abs(n) === 1 ? '' : 's'}`;
  if (years) parts.push(unit(years, 'year'));
  if (months % 12) parts.push(unit(months % 12, 'month'));
  if (days) parts.push(unit(days, 'day'));
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const seconds = Number(abs % 60_000_000n) / 1e6;
  const clock = `${String(abs / 3_600_000_000n).padStart(2, '0')}:${String((abs / 60_000_000n) % 60n).padStart(2, '0')}:${seconds < 10 ? '0' : ''}${seconds}`;
  if (micros !== 0n || !parts.length) parts.push(`${sign}${clock}`);
  return parts.join(' ');
}

/**
 * JSON-safe, human-readable value: bigints as numbers when exact, DATE columns as YYYY-MM-DD,
 * other dates as ISO instants, intervals as DuckDB prints them, lists and structs element by element.
 */
function plain(v: unknown, type?: string): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return type === 'DATE' ? v.toISOString().slice(0, 10) : v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (isInterval(v)) return intervalText(v);
  if (Array.isArray(v)) return v.map((e) => plain(e, type?.endsWith('[]') ? type.slice(0, -2) : undefined));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, plain(e)]));
  return v;
}

const text = (v: unknown, type?: string) => {
  const value = plain(v, type);
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};

/** A CSV cell: numbers stay numbers, anything else is text (escaped against formulas by csvCell). */
function csvValue(v: unknown, type?: string): CsvValue {
  return typeof v === 'number' || typeof v === 'bigint' ? v : text(v, type);
}

/** Render query rows as an aligned table, CSV, or a JSON array of row objects. */
export function formatRows(
  rows: Record<string, unknown>[], format: OutputFormat, columns = Object.keys(rows[0] ?? {}), types: Record<string, string> = {},
): string {
  if (format === 'json') return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, plain(r[c], types[c])]))), null, 2);
  if (format === 'csv') return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(csvValue(r[c], types[c]))).join(','))].join('\n');
  const cells = rows.map((r) => columns.map((c) => text(r[c], types[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
