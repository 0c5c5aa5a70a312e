/** A value as a CSV writer receives it: text, a number of a number-typed column, or nothing. */
export type CsvValue = string | number | bigint | boolean | null | undefined;

/** What a spreadsheet may run as a formula when it opens a CSV (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell, RFC 4180 quoted, that a spreadsheet will not run as a formula: text starting with
 * `=`, `+`, `-`, `@`, tab or CR gets a leading `'` and is quoted (OWASP's practice). Numbers
 * (number and bigint values, i.e. number-typed columns) are written as they are, so -1.5 stays a
 * number a spreadsheet can sum; the same characters as text ('-1.5') are escaped. Null is empty.
 * Every CSV the product writes goes through this function.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  // -Infinity is no number a spreadsheet reads: it is written as text, and so escaped.
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  const text = String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return safe !== text || NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
