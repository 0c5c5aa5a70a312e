/**
 * Where the time of the CSV parse goes: captures the exact SQL that parseUtilityCsv/validate.ts run
 * for a canonical CSV, then re-times the dominant "checked" statement with one ingredient removed
 * at a time (same session, same data), next to a single-pass typed read of the same file.
 *
 * Usage: npx tsx bench/validate-breakdown.ts <csv> [--threads 2]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';
import { dropParseResult, loadSourceProfiles, parseReadingsFile } from '../src/formats';
import { argValue, printTable } from './bench-util';

const csv = process.argv[2];
const threads = Number(argValue('--threads') ?? 2);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-bench-validate-'));
  const session = await DuckDbSession.create({ threads, tempDirectory: path.join(dir, 'tmp') });
  const profile = loadSourceProfiles().get('default')!;

  // 1. Capture every statement of a real parse (and its time).
  const captured: { sql: string; ms: number }[] = [];
  const run = session.run.bind(session);
  session.run = async (sql, params) => {
    const t0 = performance.now();
    await run(sql, params);
    captured.push({ sql, ms: performance.now() - t0 });
  };
  const t0 = performance.now();
  const parsed = await parseReadingsFile(session, csv, profile, {
    source: 'default', sourceFile: 'landing/default/readings/bench.csv', batchId: 'b', receivedAt: new Date('2024-01-04T06:00:00Z'),
  });
  const parseMs = performance.now() - t0;
  await dropParseResult(session, parsed);
  session.run = run;

  const rawSql = captured.find((s) => /CREATE TEMP TABLE \S*csv_raw/.test(s.sql))!.sql;
  const viewSql = captured.find((s) => /CREATE TEMP VIEW/.test(s.sql))!.sql;
  const checkedSql = captured.find((s) => /CREATE TEMP TABLE \S*checked/.test(s.sql))!.sql;
  const checkedName = /CREATE TEMP TABLE (\S+)/.exec(checkedSql)![1];

  // 2. Recreate raw once, then time variants of (staged view, checked statement).
  await session.run(rawSql);
  await session.run('SET preserve_insertion_order = false');
  const viewName = /CREATE TEMP VIEW (\S+)/.exec(viewSql)![1];
  const noRaw = (sql: string) => sql.replace(/concat_ws\([\s\S]*?\) AS raw/, 'CAST(NULL AS VARCHAR) AS raw');
  const noRegexp = (sql: string) => sql.replace(`regexp_matches(meter_id, '[[:cntrl:]]')`, 'false');
  const variants: [string, string, string][] = [
    ['as written (staged view + validate.ts checkedRowsSql)', viewSql, checkedSql],
    ['without the raw text (concat_ws of all columns in the staged view)', noRaw(viewSql), checkedSql],
    ["without regexp_matches(meter_id, '[[:cntrl:]]')", viewSql, noRegexp(checkedSql)],
    ['without both', noRaw(viewSql), noRegexp(checkedSql)],
  ];
  const rows: (string | number)[][] = [];
  for (const [label, view, checked] of variants) {
    if (label !== variants[0][0] && view === viewSql && checked === checkedSql) {
      rows.push([label, 'n/a (pattern not found)']);
      continue;
    }
    await session.run(view);
    const t = performance.now();
    await session.run(checked);
    rows.push([label, ((performance.now() - t) / 1000).toFixed(2)]);
    await session.run(`DROP TABLE ${checkedName}; DROP VIEW ${viewName}`);
  }
  // 3. The reference: one typed read_csv straight into a table (what the floor does before writing).
  const t = performance.now();
  await session.run(`CREATE TEMP TABLE typed_ref AS SELECT * FROM read_csv(${sqlString(csv)}, header = true, auto_detect = false,
    columns = {'meter_id': 'VARCHAR', 'interval_start': 'TIMESTAMPTZ', 'interval_minutes': 'INTEGER', 'kwh': 'DOUBLE', 'quality': 'VARCHAR'})`);
  rows.push(['reference: typed read_csv into a table (no validation)', ((performance.now() - t) / 1000).toFixed(2)]);

  console.log(`parse of ${path.basename(csv)}: ${(parseMs / 1000).toFixed(1)} s; its statements >= 0.2 s:\n`);
  printTable(['s', 'statement'], captured.filter((s) => s.ms >= 200).map((s) => [(s.ms / 1000).toFixed(2), `\`${s.sql.replace(/\s+/g, ' ').slice(0, 80)}\``]));
  console.log('\nthe checked statement with one ingredient removed (raw table already loaded):\n');
  printTable(['variant', 's'], rows);
  session.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
