import * as path from 'node:path';
import { lintSql, NON_PORTABLE_FUNCTIONS } from '../../src/engine/sql-functions';
import { SQL_ROOT } from '../../src/engine/sql-template';
import { readdirSync, readFileSync } from 'node:fs';

/** Every .sql file under sql/, in any sub-folder. */
function allSqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return allSqlFiles(full);
    return entry.name.endsWith('.sql') ? [full] : [];
  });
}

/**
 * sql/api is the dashboard's read path, which runs on DuckDB in both places (locally, and in AWS over
 * row groups fetched by range reads — README "Dashboard"); its files say "DuckDB only" and the API
 * tests execute them. Everything else under sql/ is written once for DuckDB and Athena.
 */
const DUCKDB_ONLY_FOLDERS = ['api'];

describe('lintSql', () => {
  const files = allSqlFiles(SQL_ROOT).filter((file) => !DUCKDB_ONLY_FOLDERS.includes(path.relative(SQL_ROOT, file).split(path.sep)[0]));

  it('finds the SQL files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [path.relative(SQL_ROOT, file), file]))('%s uses only what DuckDB and Athena share', (_name, file) => {
    expect(lintSql(readFileSync(file, 'utf8'), file)).toEqual([]);
  });

  it('reports a DuckDB-only function with file, line, column and what to use instead', () => {
    const problems = lintSql("SELECT meter_id,\n  strftime(interval_start, '%Y') FROM {{t}}", 'sql/views/bad.sql');

    expect(problems).toEqual([{
      file: 'sql/views/bad.sql', line: 2, column: 3, rule: 'function:strftime',
      message: expect.stringMatching(/strftime\(\) is DuckDB only; use /),
    }]);
  });

  it('reports a Trino-only function', () => {
    expect(lintSql('SELECT from_iso8601_timestamp(x) FROM {{t}}').map((p) => p.rule)).toEqual(['function:from_iso8601_timestamp']);
  });

  it('reports a function both engines have with different meaning', () => {
    expect(lintSql("SELECT date_diff('day', a, b) FROM {{t}}").map((p) => p.rule)).toEqual(['function:date_diff']);
  });

  it('reports DuckDB-only syntax: :: casts, QUALIFY and unit-inside interval strings', () => {
    const problems = lintSql("SELECT x::DATE, ts + INTERVAL '30 minutes' FROM {{t}} QUALIFY row_number() OVER () = 1");

    expect(problems.map((p) => p.rule)).toEqual(['duckdb-cast', 'interval-literal', 'qualify']);
  });

  it('ignores names inside strings and comments, qualified names and FILTER clauses', () => {
    const text = "-- strftime(x) is banned\nSELECT 'strftime(x)', count(*) FILTER (WHERE t.first IS NULL), INTERVAL '30' MINUTE FROM {{t}} t";

    expect(lintSql(text)).toEqual([]);
  });

  it('keeps one list with a replacement for every entry', () => {
    expect(Object.values(NON_PORTABLE_FUNCTIONS).every((gap) => gap.instead.length > 0)).toBe(true);
  });
});
