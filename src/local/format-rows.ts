import { csvCell, type CsvValue } from '../formats/csv-cell';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** JSON-safe, human-readable value: bigints as numbers when exact, dates as ISO strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return v;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(plain(v)));

/** A CSV cell: numbers stay numbers, anything else is text (escaped against formulas by csvCell). */
function csvValue(v: unknown): CsvValue {
  return typeof v === 'number' || typeof v === 'bigint' ? v : text(v);
}

/** Render query rows as an aligned table, CSV, or a JSON array of row objects. */
export function formatRows(rows: Record<string, unknown>[], format: OutputFormat, columns = Object.keys(rows[0] ?? {})): string {
  if (format === 'json') return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, plain(r[c])]))), null, 2);
  if (format === 'csv') return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(csvValue(r[c]))).join(','))].join('\n');
  const cells = rows.map((r) => columns.map((c) => text(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
