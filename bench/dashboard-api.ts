/**
 * The dashboard API's series route on the ≥ 100 M-row bench lake (bench/daily-lake.ts at 35,000
 * meters: 100.8 M rows of meter_readings over 60 days, plus a 5 M-version drop committed to
 * readings_history after the snapshot — so "live" reads the snapshot AND the pending versions),
 * against the floor measured in the same run: the same hourly sums run directly on DuckDB over a
 * bare read_parquet of the same planned files.
 *
 *   1. one meter, 365 days (covers the whole table), hourly: warm p50/p95 through the API (the app
 *      function: parameters, ETag, planning, views, SQL, JSON) — as_of the snapshot and live;
 *   2. the same, cold: each sample a fresh child process, a new DuckDB and reader, timing its first
 *      request (server time; the process start and module import are not counted; OS file cache warm);
 *   3. 10 meters, one month, 15 minutes: warm p50 (as_of the snapshot).
 * Warm samples alternate ours / floor per meter. Meters are drawn with a fixed seed.
 *
 * Usage: npx tsx bench/dashboard-api.ts [--lake DIR] [--meters 20] [--cold 5] [--threads 2]
 *   --lake: built there on first use (~8 min, 3 GB) and reused; default bench/data/dashboard-api/lake.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createDashboardApi } from '../src/api/dashboard-app';
import { LakeDashboardReader } from '../src/api/lake-dashboard-reader';
import { sqlString, type DuckDbSession } from '../src/engine/duckdb-session';
import { planFiles } from '../src/iceberg/scan';
import { currentSnapshot } from '../src/iceberg/table-metadata';
import { openLocalLake, type LocalLake } from '../src/local/local-lake';
import { tableFor } from '../src/pipeline/lake-tables';
import { METER_READINGS } from '../src/pipeline/tables';
import { argValue, printTable, runChild } from './bench-util';
import { buildDailyBenchLake, DAYS, FULL_SCALE_METERS } from './daily-lake';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const lakeDir = path.resolve(argValue('--lake') ?? path.join(HERE, 'data', 'dashboard-api', 'lake'));
const meterCount = Number(argValue('--meters') ?? 20);
const coldReps = Number(argValue('--cold') ?? 5);
const threads = Number(argValue('--threads') ?? 2);
const DAY = 86_400_000;
const EPOCH = Date.parse('2024-01-01T00:00:00Z');
/** The year ending the day after the table's last day: it covers all 60 days. */
const YEAR = { from: new Date(EPOCH + DAYS * DAY - 365 * DAY).toISOString(), to: new Date(EPOCH + DAYS * DAY).toISOString() };
const MONTH = { from: '2024-01-15T00:00:00.000Z', to: '2024-02-15T00:00:00.000Z' };

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Meter ids of the bench lake, drawn with a fixed seed. */
function meters(count: number, seed: number): string[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return `m${String(x % FULL_SCALE_METERS).padStart(6, '0')}`;
  });
}

async function openBenchLake(): Promise<LocalLake> {
  const marker = path.join(lakeDir, 'BUILD.json');
  if (!existsSync(marker)) {
    const building = await openLocalLake(lakeDir, { threads, memoryLimit: '6GB' });
    await writeFile(marker, JSON.stringify(await buildDailyBenchLake(building, FULL_SCALE_METERS), null, 2));
    building.close();
  }
  return openLocalLake(lakeDir, { threads });
}

/** The floor: the same hourly sums on DuckDB over a bare read_parquet of the files planned for the meters and range. */
async function floorQuery(lake: LocalLake, session: DuckDbSession, ids: string[], range: { from: string; to: string }, bucket: string): Promise<number> {
  const table = await tableFor(lake, METER_READINGS);
  const tasks = await planFiles(table.io, await table.metadata(), {
    filter: { op: 'and', args: [{ op: 'in', field: 'meter_id', values: ids }, { op: 'gte', field: 'interval_start', value: new Date(range.from) }, { op: 'lt', field: 'interval_start', value: new Date(range.to) }] },
  });
  const files = tasks.map((t) => sqlString(fileURLToPath(t.dataFile.file_path))).join(', ');
  const t0 = performance.now();
  for (const id of ids) {
    await session.all(`SELECT time_bucket(INTERVAL '${bucket}', interval_start) AS b, CAST(sum(CAST(kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh FROM read_parquet([${files}])
      WHERE meter_id = $1 AND interval_start >= CAST($2 AS TIMESTAMPTZ) AND interval_start < CAST($3 AS TIMESTAMPTZ) GROUP BY 1 ORDER BY 1`, [id, range.from, range.to]);
  }
  return performance.now() - t0;
}

type Api = ReturnType<typeof createDashboardApi>;
async function timeSeries(api: Api, query: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const r = await api({ method: 'GET', path: '/api/series', query: new URLSearchParams(query), headers: {} });
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`series answered ${r.status}: ${r.body}`);
  return ms;
}

/** Child: the first request of a fresh process (cold DuckDB, no metadata or Parquet footer cache). */
async function childCold(meter: string, mode: string): Promise<void> {
  const lake = await openLocalLake(lakeDir, { threads });
  const snapshotId = currentSnapshot(await (await tableFor(lake, METER_READINGS)).metadata())!['snapshot-id'].toString();
  const api = createDashboardApi(new LakeDashboardReader(lake), (e) => { throw e; });
  const query: Record<string, string> = { meters: meter, ...YEAR, resolution: '1h', ...(mode === 'as_of' ? { as_of: snapshotId } : {}) };
  const ours = mode === 'floor' ? 0 : await timeSeries(api, query);
  const floor = mode === 'floor' ? await floorQuery(lake, lake.session, [meter], YEAR, '1 hour') : 0;
  lake.close();
  console.log(JSON.stringify({ ms: mode === 'floor' ? floor : ours }));
}

async function main(): Promise<void> {
  const lake = await openBenchLake();
  const snapshotId = currentSnapshot(await (await tableFor(lake, METER_READINGS)).metadata())!['snapshot-id'].toString();
  const api = createDashboardApi(new LakeDashboardReader(lake), (e) => { throw e; });
  const floorSession = lake.session;
  const warm = { asOf: [] as number[], live: [] as number[], floor: [] as number[], tenAsOf: [] as number[], tenFloor: [] as number[] };
  const ids = meters(meterCount + 3, 42);
  for (const [i, id] of ids.entries()) {
    const year = { meters: id, ...YEAR, resolution: '1h' };
    const samples = [
      await timeSeries(api, { ...year, as_of: snapshotId }),
      await timeSeries(api, year),
      await floorQuery(lake, floorSession, [id], YEAR, '1 hour'),
    ];
    if (i < 3) continue; // warm-up
    warm.asOf.push(samples[0]);
    warm.live.push(samples[1]);
    warm.floor.push(samples[2]);
  }
  for (let i = 0; i < Math.max(5, Math.floor(meterCount / 2)); i++) {
    const ten = meters(10, 1000 + i);
    warm.tenAsOf.push(await timeSeries(api, { meters: ten.join(','), ...MONTH, resolution: '15m', as_of: snapshotId }));
    warm.tenFloor.push(await floorQuery(lake, floorSession, ten, MONTH, '15 minutes'));
  }
  lake.close();

  const cold = { asOf: [] as number[], live: [] as number[], floor: [] as number[] };
  for (const [i, id] of meters(coldReps, 7).entries()) {
    // Alternate which path goes first, so neither always meets the other's page cache.
    const order = i % 2 ? (['floor', 'as_of', 'live'] as const) : (['as_of', 'live', 'floor'] as const);
    for (const mode of order) {
      const { result } = await runChild(fileURLToPath(import.meta.url), ['--child', id, mode, '--lake', lakeDir, '--threads', String(threads)]);
      cold[mode === 'as_of' ? 'asOf' : mode].push(result.ms as number);
    }
  }

  const f = (xs: number[], p: number) => percentile(xs, p).toFixed(1);
  const ratio = (xs: number[], floor: number[]) => (percentile(xs, 50) / percentile(floor, 50)).toFixed(2);
  console.log(`\nbench lake ${lakeDir}: ${FULL_SCALE_METERS.toLocaleString()} meters × 48 half-hours × ${DAYS} days (100.8 M rows) + a 5 M-version drop pending; threads=${threads}; load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  printTable(['request', 'n', 'p50 ms', 'p95 ms', '× floor p50'], [
    ['one meter, 365 days, 1h — API as_of snapshot, warm', warm.asOf.length, f(warm.asOf, 50), f(warm.asOf, 95), ratio(warm.asOf, warm.floor)],
    ['one meter, 365 days, 1h — API live (snapshot + pending drop), warm', warm.live.length, f(warm.live, 50), f(warm.live, 95), ratio(warm.live, warm.floor)],
    ['one meter, 365 days, 1h — floor: bare read_parquet, warm', warm.floor.length, f(warm.floor, 50), f(warm.floor, 95), '1.00'],
    ['one meter, 365 days, 1h — API as_of snapshot, cold process', cold.asOf.length, f(cold.asOf, 50), f(cold.asOf, 95), ratio(cold.asOf, cold.floor)],
    ['one meter, 365 days, 1h — API live, cold process', cold.live.length, f(cold.live, 50), f(cold.live, 95), ratio(cold.live, cold.floor)],
    ['one meter, 365 days, 1h — floor, cold process', cold.floor.length, f(cold.floor, 50), f(cold.floor, 95), '1.00'],
    ['10 meters, 1 month, 15m — API as_of snapshot, warm', warm.tenAsOf.length, f(warm.tenAsOf, 50), f(warm.tenAsOf, 95), ratio(warm.tenAsOf, warm.tenFloor)],
    ['10 meters, 1 month, 15m — floor, warm', warm.tenFloor.length, f(warm.tenFloor, 50), f(warm.tenFloor, 95), '1.00'],
  ]);
  console.log(JSON.stringify({ warmAsOfP50: percentile(warm.asOf, 50), warmLiveP50: percentile(warm.live, 50), warmFloorP50: percentile(warm.floor, 50), tenP50: percentile(warm.tenAsOf, 50) }));
}

const childAt = process.argv.indexOf('--child');
(childAt >= 0 ? childCold(process.argv[childAt + 1], process.argv[childAt + 2]) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
