/**
 * The one list of SQL functions and syntax that DuckDB and Athena (engine v3, Trino) do not share,
 * or share with different meaning, and a lint that rejects them in the portable SQL under sql/.
 * Sources: DuckDB function reference (duckdb.org/docs/sql/functions) and Trino's
 * (trino.io/docs/current/functions). When in doubt a function is listed: the lint errs on the safe side.
 */
import { tokenizeSql } from './sql-template';

export type EngineGapKind = 'duckdb-only' | 'trino-only' | 'differs';

export interface EngineGap {
  readonly kind: EngineGapKind;
  /** What to write instead, in the common subset. */
  readonly instead: string;
}

const PORTABLE_DATE_MATH = 'date_trunc, EXTRACT, CAST, AT TIME ZONE, + INTERVAL \'n\' UNIT';

/** Functions missing in one engine or meaning different things in the two, by lower-case name. */
export const NON_PORTABLE_FUNCTIONS: Readonly<Record<string, EngineGap>> = {
  // DuckDB only
  strftime: { kind: 'duckdb-only', instead: 'CAST to VARCHAR/DATE, or format in the caller' },
  strptime: { kind: 'duckdb-only', instead: 'CAST(\'…\' AS TIMESTAMP)' },
  epoch: { kind: 'duckdb-only', instead: 'keep timestamps as timestamps' },
  epoch_ms: { kind: 'duckdb-only', instead: 'keep timestamps as timestamps' },
  epoch_us: { kind: 'duckdb-only', instead: 'keep timestamps as timestamps' },
  epoch_ns: { kind: 'duckdb-only', instead: 'keep timestamps as timestamps' },
  make_date: { kind: 'duckdb-only', instead: 'DATE \'yyyy-mm-dd\' literals or CAST' },
  make_timestamp: { kind: 'duckdb-only', instead: 'TIMESTAMP literals or CAST' },
  make_timestamptz: { kind: 'duckdb-only', instead: 'TIMESTAMP literals or CAST' },
  to_timestamp: { kind: 'duckdb-only', instead: 'CAST(… AS TIMESTAMP)' },
  time_bucket: { kind: 'duckdb-only', instead: PORTABLE_DATE_MATH },
  date_part: { kind: 'duckdb-only', instead: 'EXTRACT(part FROM ts)' },
  datepart: { kind: 'duckdb-only', instead: 'EXTRACT(part FROM ts)' },
  date_sub: { kind: 'duckdb-only', instead: 'timestamp arithmetic with INTERVAL' },
  datesub: { kind: 'duckdb-only', instead: 'timestamp arithmetic with INTERVAL' },
  datediff: { kind: 'duckdb-only', instead: 'timestamp arithmetic with INTERVAL' },
  dayofweek: { kind: 'duckdb-only', instead: 'EXTRACT(DOW FROM ts) — check both engines\' numbering' },
  dayofyear: { kind: 'duckdb-only', instead: 'EXTRACT(DOY FROM ts)' },
  today: { kind: 'duckdb-only', instead: 'current_date' },
  regexp_matches: { kind: 'duckdb-only', instead: 'LIKE' },
  regexp_full_match: { kind: 'duckdb-only', instead: 'LIKE' },
  string_split: { kind: 'duckdb-only', instead: 'split_part' },
  str_split: { kind: 'duckdb-only', instead: 'split_part' },
  string_agg: { kind: 'duckdb-only', instead: 'aggregate in the caller' },
  list: { kind: 'duckdb-only', instead: 'array_agg' },
  list_value: { kind: 'duckdb-only', instead: 'ARRAY[…]' },
  list_aggregate: { kind: 'duckdb-only', instead: 'aggregate before building arrays' },
  list_contains: { kind: 'duckdb-only', instead: 'IN (…)' },
  list_element: { kind: 'duckdb-only', instead: 'avoid arrays in portable SQL' },
  struct_pack: { kind: 'duckdb-only', instead: 'separate columns' },
  arg_max: { kind: 'duckdb-only', instead: 'max_by' },
  arg_min: { kind: 'duckdb-only', instead: 'min_by' },
  argmax: { kind: 'duckdb-only', instead: 'max_by' },
  argmin: { kind: 'duckdb-only', instead: 'min_by' },
  first: { kind: 'duckdb-only', instead: 'min_by / max_by or row_number()' },
  last: { kind: 'duckdb-only', instead: 'min_by / max_by or row_number()' },
  median: { kind: 'duckdb-only', instead: 'no exact portable median; compute in the caller' },
  quantile: { kind: 'duckdb-only', instead: 'no portable quantile' },
  quantile_cont: { kind: 'duckdb-only', instead: 'no portable quantile' },
  quantile_disc: { kind: 'duckdb-only', instead: 'no portable quantile' },
  approx_quantile: { kind: 'duckdb-only', instead: 'no portable quantile' },
  approx_count_distinct: { kind: 'duckdb-only', instead: 'count(DISTINCT …)' },
  ifnull: { kind: 'duckdb-only', instead: 'COALESCE' },
  iif: { kind: 'duckdb-only', instead: 'CASE' },
  instr: { kind: 'duckdb-only', instead: 'strpos' },
  printf: { kind: 'duckdb-only', instead: 'concatenation with ||' },
  generate_series: { kind: 'duckdb-only', instead: 'a calendar table' },
  range: { kind: 'duckdb-only', instead: 'a calendar table' },
  read_parquet: { kind: 'duckdb-only', instead: 'a {{table}} slot' },
  read_csv: { kind: 'duckdb-only', instead: 'a {{table}} slot' },
  read_csv_auto: { kind: 'duckdb-only', instead: 'a {{table}} slot' },
  read_json: { kind: 'duckdb-only', instead: 'a {{table}} slot' },
  // Trino only
  date_format: { kind: 'trino-only', instead: 'CAST to VARCHAR/DATE, or format in the caller' },
  date_parse: { kind: 'trino-only', instead: 'CAST(\'…\' AS TIMESTAMP)' },
  format_datetime: { kind: 'trino-only', instead: 'format in the caller' },
  parse_datetime: { kind: 'trino-only', instead: 'CAST(\'…\' AS TIMESTAMP)' },
  from_iso8601_timestamp: { kind: 'trino-only', instead: 'CAST(\'…\' AS TIMESTAMP WITH TIME ZONE)' },
  from_iso8601_date: { kind: 'trino-only', instead: 'CAST(\'…\' AS DATE)' },
  to_iso8601: { kind: 'trino-only', instead: 'return the timestamp; format in the caller' },
  from_unixtime: { kind: 'trino-only', instead: 'keep timestamps as timestamps' },
  to_unixtime: { kind: 'trino-only', instead: 'keep timestamps as timestamps' },
  at_timezone: { kind: 'trino-only', instead: 'ts AT TIME ZONE \'Europe/London\'' },
  with_timezone: { kind: 'trino-only', instead: 'ts AT TIME ZONE \'…\'' },
  current_timezone: { kind: 'trino-only', instead: 'name the zone explicitly' },
  day_of_week: { kind: 'trino-only', instead: 'EXTRACT(DOW FROM ts) — check both engines\' numbering' },
  dow: { kind: 'trino-only', instead: 'EXTRACT(DOW FROM ts)' },
  day_of_year: { kind: 'trino-only', instead: 'EXTRACT(DOY FROM ts)' },
  doy: { kind: 'trino-only', instead: 'EXTRACT(DOY FROM ts)' },
  week_of_year: { kind: 'trino-only', instead: 'EXTRACT(WEEK FROM ts)' },
  last_day_of_month: { kind: 'trino-only', instead: 'date_trunc(\'month\', d) + INTERVAL \'1\' MONTH - INTERVAL \'1\' DAY' },
  date_add: { kind: 'differs', instead: 'ts + INTERVAL \'n\' UNIT' },
  approx_distinct: { kind: 'trino-only', instead: 'count(DISTINCT …)' },
  approx_percentile: { kind: 'trino-only', instead: 'no portable quantile' },
  regexp_like: { kind: 'trino-only', instead: 'LIKE' },
  regexp_extract_all: { kind: 'trino-only', instead: 'avoid regular expressions in portable SQL' },
  listagg: { kind: 'trino-only', instead: 'aggregate in the caller' },
  split: { kind: 'trino-only', instead: 'split_part' },
  sequence: { kind: 'trino-only', instead: 'a calendar table' },
  element_at: { kind: 'trino-only', instead: 'avoid arrays and maps in portable SQL' },
  cardinality: { kind: 'trino-only', instead: 'avoid arrays and maps in portable SQL' },
  transform: { kind: 'trino-only', instead: 'avoid lambdas in portable SQL' },
  filter: { kind: 'trino-only', instead: 'WHERE / CASE (FILTER (WHERE …) clauses are fine)' },
  reduce: { kind: 'trino-only', instead: 'avoid lambdas in portable SQL' },
  try: { kind: 'trino-only', instead: 'TRY_CAST or CASE' },
  if: { kind: 'trino-only', instead: 'CASE' },
  json_extract: { kind: 'trino-only', instead: 'flatten JSON at ingest' },
  json_extract_scalar: { kind: 'trino-only', instead: 'flatten JSON at ingest' },
  json_format: { kind: 'trino-only', instead: 'flatten JSON at ingest' },
  json_parse: { kind: 'trino-only', instead: 'flatten JSON at ingest' },
  // Both have them, with different meaning or signature
  date_diff: { kind: 'differs', instead: 'timestamp arithmetic; DuckDB counts unit boundaries crossed, Trino whole units elapsed' },
  contains: { kind: 'differs', instead: 'strpos(s, x) > 0 or IN (…); DuckDB: substring test, Trino: array membership' },
  format: { kind: 'differs', instead: 'concatenation with ||; DuckDB uses fmt {} syntax, Trino Java printf' },
  any_value: { kind: 'differs', instead: 'min / max; not in older Trino versions' },
  array_length: { kind: 'differs', instead: 'avoid arrays in portable SQL' },
  week: { kind: 'differs', instead: 'EXTRACT(WEEK FROM ts)' },
};

/** Syntax one engine accepts and the other does not. */
const NON_PORTABLE_SYNTAX: readonly { readonly pattern: RegExp; readonly rule: string; readonly message: string }[] = [
  { pattern: /::/g, rule: 'duckdb-cast', message: '`::` casts are DuckDB only; write CAST(x AS type)' },
  { pattern: /\bI?LIKE\s+(ANY|ALL)\b|\bILIKE\b/gi, rule: 'ilike', message: 'ILIKE / LIKE ANY are DuckDB only; write lower(x) LIKE …' },
  { pattern: /\bQUALIFY\b/gi, rule: 'qualify', message: 'QUALIFY is DuckDB only; filter a row_number() in an outer query' },
  { pattern: /\bGROUP\s+BY\s+ALL\b|\bORDER\s+BY\s+ALL\b/gi, rule: 'by-all', message: 'GROUP/ORDER BY ALL are DuckDB only; list the columns' },
  { pattern: /\bEXCLUDE\s*\(|\bCOLUMNS\s*\(/gi, rule: 'star-modifiers', message: 'SELECT * EXCLUDE/COLUMNS() are DuckDB only; list the columns' },
  { pattern: /\bINTERVAL\s+\d/gi, rule: 'interval-literal', message: "unquoted INTERVAL numbers are DuckDB only; write INTERVAL '30' MINUTE" },
  { pattern: /^\s*FROM\b/gi, rule: 'from-first', message: 'FROM-first queries are DuckDB only; start with SELECT or WITH' },
];

/** An interval string with a unit inside (`INTERVAL '30 minutes'`) is DuckDB/Postgres only. */
const INTERVAL_WITH_UNIT_INSIDE = /\bINTERVAL\s*$/i;

export interface SqlLintProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly message: string;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Problems that would stop `text` from running unchanged on both DuckDB and Athena. */
export function lintSql(text: string, file = '<sql>'): SqlLintProblem[] {
  const problems: SqlLintProblem[] = [];
  const report = (offset: number, rule: string, message: string): void => {
    problems.push({ file, ...position(text, offset), rule, message });
  };
  let offset = 0;
  let previousText = '';
  for (const token of tokenizeSql(text)) {
    if (token.kind === 'text') {
      for (const match of token.text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
        const before = token.text.slice(0, match.index).trimEnd();
        // Not calls: a qualified name (t.col (…)) or a clause after a call (count(*) FILTER (WHERE …)).
        if (before.endsWith('.') || before.endsWith(')')) continue;
        const gap = NON_PORTABLE_FUNCTIONS[match[1].toLowerCase()];
        if (gap) report(offset + match.index, `function:${match[1].toLowerCase()}`, `${match[1]}() is ${gap.kind === 'differs' ? 'different in DuckDB and Athena' : gap.kind === 'duckdb-only' ? 'DuckDB only' : 'Athena/Trino only'}; use ${gap.instead}`);
      }
      for (const rule of NON_PORTABLE_SYNTAX) {
        for (const match of token.text.matchAll(rule.pattern)) {
          if (rule.rule === 'from-first' && offset + match.index !== firstCodeOffset(text)) continue;
          report(offset + match.index, rule.rule, rule.message);
        }
      }
    }
    if (token.kind === 'string' && INTERVAL_WITH_UNIT_INSIDE.test(previousText) && /[A-Za-z]/.test(token.text)) {
      report(offset, 'interval-literal', `INTERVAL ${token.text} is DuckDB only; write INTERVAL '30' MINUTE (number quoted, unit outside)`);
    }
    if (token.kind !== 'comment') previousText = token.kind === 'text' ? token.text : '';
    offset += token.text.length;
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Offset of the first character that is not whitespace or a comment. */
function firstCodeOffset(text: string): number {
  let offset = 0;
  for (const token of tokenizeSql(text)) {
    if (token.kind === 'comment') {
      offset += token.text.length;
      continue;
    }
    const lead = token.text.length - token.text.trimStart().length;
    if (token.kind !== 'text' || token.text.trim()) return offset + lead;
    offset += token.text.length;
  }
  return offset;
}
