/**
 * Dashboard-shaped query on meter_readings (current snapshot) through our read path: one meter,
 * 365 days, hourly sums. Per query: load the table metadata and plan with a filter on meter_id and
 * the time range (partition values and min/max prune files), register the scan view over the
 * planned files (createScanView), run the hourly-sum query. Warm process; p50/p95 over N random
 * meters, with the time split into plan / view / query, the planned files, and the row groups whose
 * meter_id min/max include the meter (from parquet_metadata of the planned files).
 * Reference in the same process: the same SQL on a bare read_parquet of the same planned files.
 *
 * Needs the lake of bench/daily-snapshot.ts (run that first).
 * Usage: npx tsx bench/dashboard-query.ts [--lake bench/data/daily-snapshot/base-lake] [--meters 30] [--threads 2] [--layout-experiment]
 *   --layout-experiment: on the first 10 day files only, the same SQL (bare read_parquet) over
 *   (a) those files as they are, (b) the same rows rewritten with 16,384-row row groups, (c) the same
 *   rows as ONE file sorted by (meter_id, interval_start) — to show what files and row-group size cost.
 *   --metadata-cache: `SET parquet_metadata_cache = true` first (DuckDB keeps Parquet footers across queries).
 */
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sqlString, type DuckDbSession } from '../src/engine/duckdb-session';
import { createScanView } from '../src/engine/snapshot-view';
import type { Predicate } from '../src/iceberg/expressions';
import { planFiles } from '../src/iceberg/scan';
import { currentSchema } from '../src/iceberg/table-metadata';
import { openLocalLake } from '../src/local/local-lake';
import { tableFor } from '../src/pipeline/lake-tables';
import { DAY_MS } from '../src/pipeline/snapshot';
import { localPathResolver } from '../src/pipeline/table-files';
import { METER_READINGS } from '../src/pipeline/tables';
import { argValue, printTable } from './bench-util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const lakeDir = argValue('--lake') ?? path.join(HERE, 'data', 'daily-snapshot', 'base-lake');
const meterCount = Number(argValue('--meters') ?? 30);
const threads = Number(argValue('--threads') ?? 2);
const WARMUP = 3;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** A deterministic pseudo-random sequence (so reruns query the same meters). */
function* lcg(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x;
  }
}

interface LayoutResult { label: string; files: number; rowGroups: number; ms: number[] }

/** Query the same rows in three layouts (see the usage note). */
async function layoutExperiment(
  session: DuckDbSession, scratchDir: string, paths: string[], meters: string[], sql: (from: string) => string,
): Promise<LayoutResult[]> {
  const dir = path.join(scratchDir, 'layout-experiment');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const list = (ps: string[]) => `[${ps.map(sqlString).join(', ')}]`;
  const small: string[] = [];
  for (const [i, p] of paths.entries()) {
    const out = path.join(dir, `rg16k-${i}.parquet`);
    await session.run(`COPY (SELECT * FROM read_parquet(${sqlString(p)})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)`);
    small.push(out);
  }
  const one = path.join(dir, 'one-file.parquet');
  await session.run(`COPY (SELECT * FROM read_parquet(${list(paths)}) ORDER BY meter_id, interval_start) TO ${sqlString(one)} (FORMAT parquet, COMPRESSION zstd)`);
  const layouts: [string, string[]][] = [
    ['10 day files as written (default 122,880-row row groups)', paths],
    ['10 day files, 16,384-row row groups', small],
    ['1 file for the 10 days, sorted by (meter_id, interval_start)', [one]],
  ];
  const results: LayoutResult[] = [];
  for (const [label, ps] of layouts) {
    const rowGroups = Number(await session.scalar<bigint>(`SELECT count(*) FROM parquet_metadata(${list(ps)}) WHERE path_in_schema = 'meter_id'`));
    const ms: number[] = [];
    for (const [i, meter] of meters.entries()) {
      const t0 = performance.now();
      await session.all(sql(`read_parquet(${list(ps)})`), [meter, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z']);
      if (i > 0) ms.push(performance.now() - t0);
    }
    results.push({ label, files: ps.length, rowGroups, ms });
  }
  await rm(dir, { recursive: true, force: true });
  return results;
}

async function main(): Promise<void> {
  const lake = await openLocalLake(lakeDir, { threads });
  const table = await tableFor(lake, METER_READINGS);
  const session = lake.session;
  const resolve = localPathResolver(lake.store, lake.tempDir);
  if (process.argv.includes('--metadata-cache')) await session.run('SET parquet_metadata_cache = true');

  // The table's span: the range ends at the day after the last interval and starts 365 days before.
  const all = await table.planFiles();
  const dayValues = all.map((t) => Number(t.dataFile.partition.interval_start_day));
  const lastDay = Math.max(...dayValues);
  const firstDay = Math.min(...dayValues);
  const end = new Date((lastDay + 1) * DAY_MS);
  const start = new Date(end.getTime() - 365 * DAY_MS);
  const allPaths = all.map((t) => fileURLToPath(t.dataFile.file_path));
  const totalRows = all.reduce((n, t) => n + t.dataFile.record_count, 0);
  await session.run(`CREATE TEMP TABLE rg AS SELECT file_name, row_group_id, row_group_num_rows, stats_min_value, stats_max_value
    FROM parquet_metadata([${allPaths.map(sqlString).join(', ')}]) WHERE path_in_schema = 'meter_id'`);
  const rowGroupsTotal = Number(await session.scalar<bigint>('SELECT count(*) FROM rg'));

  const rnd = lcg(42);
  const meters = Array.from({ length: WARMUP + meterCount }, () => `m${String(rnd.next().value! % 35_000).padStart(6, '0')}`);
  const sql = (from: string) => `SELECT date_trunc('hour', interval_start) AS h, sum(kwh) AS kwh FROM ${from}
    WHERE meter_id = $1 AND interval_start >= CAST($2 AS TIMESTAMPTZ) AND interval_start < CAST($3 AS TIMESTAMPTZ) GROUP BY 1 ORDER BY 1`;
  const samples: { plan: number; view: number; query: number; total: number; bare: number; files: number; rowGroups: number; hours: number }[] = [];
  for (const [i, meter] of meters.entries()) {
    const filter: Predicate = {
      op: 'and',
      args: [
        { op: 'eq', field: 'meter_id', value: meter },
        { op: 'gte', field: 'interval_start', value: start },
        { op: 'lt', field: 'interval_start', value: end },
      ],
    };
    const params = [meter, start.toISOString(), end.toISOString()];
    const t0 = performance.now();
    const metadata = await table.metadata();
    const tasks = await planFiles(table.io, metadata, { filter });
    const t1 = performance.now();
    await createScanView(session, 'dashboard_v', currentSchema(metadata), tasks, resolve);
    const t2 = performance.now();
    const rows = await session.all(sql('dashboard_v'), params);
    const t3 = performance.now();
    const paths = tasks.map((t) => fileURLToPath(t.dataFile.file_path));
    const t4 = performance.now();
    await session.all(sql(`read_parquet([${paths.map(sqlString).join(', ')}])`), params);
    const bare = performance.now() - t4;
    const rowGroups = Number(await session.scalar<bigint>(
      `SELECT count(*) FROM rg WHERE file_name IN (SELECT unnest($2::VARCHAR[])) AND stats_min_value <= $1 AND stats_max_value >= $1`,
      [meter, `[${paths.map((p) => `"${p}"`).join(',')}]`],
    ));
    if (i >= WARMUP) {
      samples.push({ plan: t1 - t0, view: t2 - t1, query: t3 - t2, total: t3 - t0, bare, files: tasks.length, rowGroups, hours: rows.length });
    }
  }
  const experiment = process.argv.includes('--layout-experiment') ? await layoutExperiment(lake.session, lake.tempDir, allPaths.sort().slice(0, 10), meters.slice(WARMUP), sql) : undefined;
  lake.close();

  const col = (f: (s: (typeof samples)[number]) => number) => samples.map(f);
  const fmt = (xs: number[]) => [percentile(xs, 50).toFixed(1), percentile(xs, 95).toFixed(1)];
  console.log(`\nmeter_readings: ${totalRows.toLocaleString()} rows, ${all.length} files, ${rowGroupsTotal} row groups, days ${new Date(firstDay * DAY_MS).toISOString().slice(0, 10)} … ${new Date(lastDay * DAY_MS).toISOString().slice(0, 10)} (${lastDay - firstDay + 1} days: the 365-day range [${start.toISOString().slice(0, 10)}, ${end.toISOString().slice(0, 10)}) covers the whole table)`);
  console.log(`${samples.length} meters (after ${WARMUP} warm-up queries), threads=${threads}, parquet_metadata_cache=${process.argv.includes('--metadata-cache')}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  printTable(['step', 'p50 ms', 'p95 ms'], [
    ['plan (load metadata + planFiles with filter)', ...fmt(col((s) => s.plan))],
    ['register scan view (createScanView)', ...fmt(col((s) => s.view))],
    ['query (hourly sums)', ...fmt(col((s) => s.query))],
    ['**total**', ...fmt(col((s) => s.total))],
    ['reference: same SQL on bare read_parquet of the planned files', ...fmt(col((s) => s.bare))],
  ]);
  console.log(`\nfiles planned per query: ${[...new Set(col((s) => s.files))].join(', ')} of ${all.length}; row groups whose meter_id min/max include the meter: median ${percentile(col((s) => s.rowGroups), 50)}, max ${Math.max(...col((s) => s.rowGroups))} of ${rowGroupsTotal}; hours returned: ${[...new Set(col((s) => s.hours))].join(', ')}`);
  if (experiment) {
    console.log('\nlayout experiment: 10 days (16.8M rows), same SQL on bare read_parquet, same meters:\n');
    printTable(['layout', 'files', 'row groups', 'p50 ms', 'p95 ms'], experiment.map((e) => [e.label, e.files, e.rowGroups, ...fmt(e.ms)]));
  }
  console.log(JSON.stringify({ p50: percentile(col((s) => s.total), 50), p95: percentile(col((s) => s.total), 95) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
