/**
 * Monthly energy settlement over the benchmark lake, next to its floor measured in the same run.
 *
 * Lake (bench/daily-lake.ts at 35,000 meters, built once): meter_readings = 35,000 meters × 48
 * half-hours × 60 days (2024-01-01 … 2024-02-29) = 100.8 M readings, one sorted file per day; its
 * snapshot is tagged daily-2024-03-01 (the drop in readings_history is not merged: settlement reads
 * meter_readings). February 2024 = 29 days × 35,000 × 48 = 48.72 M readings, partner `bench` settled in
 * Europe/London.
 *
 * - ours: `settleMonth` — pin and tag every input, the three energy reports (per period, per meter,
 *   missing intervals) through the QueryEngine on the pinned snapshot, CSV + Parquet, SQL copies,
 *   calendar and manifest into audit/, a settlement_runs row.
 * - floor: the same aggregation as ONE DuckDB query over the same snapshot's files of the month (the
 *   per-half-hour kWh by quality and reporting meters, and per-meter totals, as GROUPING SETS over one
 *   scan, exact DECIMAL sums), result rows read back; no files written.
 * - verify: `audit verify` of the run just made (re-runs it from the stored SQL and compares bytes).
 * Each in a fresh child process under /usr/bin/time -v (peak RSS); the order alternates per repetition.
 *
 * Usage: npx tsx bench/settlement.ts [--reps 2] [--threads 2] [--memory 1GB] [--dir <lake folder>] [--rebuild]
 *   The lake lives in --dir (default: <os tmpdir>/meterlake-bench-settlement; ~0.5 GB).
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sqlString } from '../src/engine/duckdb-session';
import { planFiles } from '../src/iceberg/scan';
import { openLocalLake } from '../src/local/local-lake';
import { tableFor } from '../src/pipeline/lake-tables';
import { tagRefOptions } from '../src/pipeline/maintenance/tag-policy';
import { monthWindowUtc } from '../src/pipeline/settlement/calendar';
import { openAuditRun, verifyRun } from '../src/pipeline/settlement/audit';
import { settleMonth } from '../src/pipeline/settlement/settle';
import { METER_READINGS } from '../src/pipeline/tables';
import { argValue, median, printTable, runChild } from './bench-util';
import { buildDailyBenchLake, FULL_SCALE_METERS } from './daily-lake';

const HERE = fileURLToPath(import.meta.url);
const DIR = argValue('--dir') ?? path.join(tmpdir(), 'meterlake-bench-settlement');
const threads = Number(argValue('--threads') ?? 2);
const memory = argValue('--memory') ?? '1GB';
const MONTH = '2024-02';
const TAG = 'daily-2024-03-01';
const PARTNERS = { bench: 'Europe/London' };
const MARKER = path.join(DIR, 'BUILD.json');

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const open = () => openLocalLake(DIR, { threads, memoryLimit: memory });

async function build(): Promise<void> {
  await rm(DIR, { recursive: true, force: true });
  const lake = await open();
  try {
    const built = await buildDailyBenchLake(lake, FULL_SCALE_METERS);
    const readings = await tableFor(lake, METER_READINGS);
    await readings.setRef(TAG, tagRefOptions(TAG));
    await writeFile(MARKER, JSON.stringify(built, null, 2));
  } finally {
    lake.close();
  }
}

async function childOurs(): Promise<void> {
  const lake = await open();
  const t0 = performance.now();
  const run = await settleMonth(lake, { month: MONTH, asOf: TAG, sourceRevision: 'bench', partners: PARTNERS });
  const wall = seconds(t0);
  lake.close();
  console.log(JSON.stringify({ seconds: wall, runId: run.runId, rows: Object.fromEntries(run.manifest.outputs.filter((o) => o.file.endsWith('.csv')).map((o) => [o.file, o.rows])) }));
}

async function childVerify(runId: string): Promise<void> {
  const lake = await open();
  const t0 = performance.now();
  const result = await verifyRun(lake, await openAuditRun(lake, runId));
  const wall = seconds(t0);
  lake.close();
  console.log(JSON.stringify({ seconds: wall, identical: result.identical }));
}

async function childFloor(): Promise<void> {
  const lake = await open();
  const t0 = performance.now();
  const readings = await tableFor(lake, METER_READINGS);
  const { startMs, endMs } = monthWindowUtc(MONTH, PARTNERS.bench);
  const tasks = await planFiles(readings.io, await readings.metadata(), {
    snapshot: { ref: TAG },
    filter: { op: 'and', args: [{ op: 'gte', field: 'interval_start', value: new Date(startMs) }, { op: 'lt', field: 'interval_start', value: new Date(endMs) }] },
  });
  const files = tasks.map((t) => sqlString(fileURLToPath(t.dataFile.file_path))).join(', ');
  const rows = await lake.session.all(`SELECT half_hour, meter_id,
      sum(CASE WHEN quality = 'actual' THEN CAST(kwh AS DECIMAL(38, 9)) ELSE 0 END) AS kwh_actual,
      sum(CASE WHEN quality = 'estimated' THEN CAST(kwh AS DECIMAL(38, 9)) ELSE 0 END) AS kwh_estimated,
      sum(CASE WHEN quality = 'substituted' THEN CAST(kwh AS DECIMAL(38, 9)) ELSE 0 END) AS kwh_substituted,
      count(DISTINCT meter_id) AS meters, count(*) AS readings
    FROM (SELECT meter_id, kwh, quality, time_bucket(INTERVAL 30 MINUTE, interval_start) AS half_hour FROM read_parquet([${files}])
          WHERE interval_start >= to_timestamp(${startMs / 1000}) AND interval_start < to_timestamp(${endMs / 1000}))
    GROUP BY GROUPING SETS ((half_hour), (meter_id))
    ORDER BY half_hour, meter_id`);
  const wall = seconds(t0);
  lake.close();
  console.log(JSON.stringify({ seconds: wall, rows: rows.length, files: tasks.length }));
}

async function main(): Promise<void> {
  const child = argValue('--child');
  if (child === 'ours') return childOurs();
  if (child === 'floor') return childFloor();
  if (child === 'verify') return childVerify(argValue('--run')!);
  if (process.argv.includes('--rebuild') || !existsSync(MARKER)) {
    console.error(`building the bench lake in ${DIR} …`);
    await build();
  }
  const reps = Number(argValue('--reps') ?? 2);
  const passArgs = ['--dir', DIR, '--threads', String(threads), '--memory', memory];
  const results: { ours: number[]; floor: number[]; verify: number[]; oursRss: number[]; floorRss: number[]; verifyRss: number[] } = { ours: [], floor: [], verify: [], oursRss: [], floorRss: [], verifyRss: [] };
  const load = [loadavg()[0]];
  for (let rep = 0; rep < reps; rep++) {
    const floorFirst = rep % 2 === 0;
    const runFloor = async () => {
      const r = await runChild(HERE, ['--child', 'floor', ...passArgs]);
      results.floor.push(r.wallMs / 1000);
      results.floorRss.push(r.peakRssMb);
      console.error(`floor: ${(r.wallMs / 1000).toFixed(1)} s, ${r.peakRssMb.toFixed(0)} MB, ${JSON.stringify(r.result)}`);
    };
    if (floorFirst) await runFloor();
    const ours = await runChild(HERE, ['--child', 'ours', ...passArgs]);
    results.ours.push(ours.wallMs / 1000);
    results.oursRss.push(ours.peakRssMb);
    console.error(`ours: ${(ours.wallMs / 1000).toFixed(1)} s, ${ours.peakRssMb.toFixed(0)} MB, ${JSON.stringify(ours.result)}`);
    const verify = await runChild(HERE, ['--child', 'verify', '--run', String(ours.result.runId), ...passArgs]);
    results.verify.push(verify.wallMs / 1000);
    results.verifyRss.push(verify.peakRssMb);
    console.error(`verify: ${(verify.wallMs / 1000).toFixed(1)} s, ${verify.peakRssMb.toFixed(0)} MB, ${JSON.stringify(verify.result)}`);
    if (!floorFirst) await runFloor();
    load.push(loadavg()[0]);
  }
  const m = (xs: number[]) => median(xs);
  printTable(['path', 'wall s (median)', 'each', 'peak RSS MB', 'floor ÷ path'], [
    ['floor: one DuckDB query', m(results.floor).toFixed(2), results.floor.map((x) => x.toFixed(2)).join(' / '), m(results.floorRss).toFixed(0), '1.00'],
    ['meterlake settle (3 energy reports, files, manifest)', m(results.ours).toFixed(2), results.ours.map((x) => x.toFixed(2)).join(' / '), m(results.oursRss).toFixed(0), (m(results.floor) / m(results.ours)).toFixed(2)],
    ['meterlake audit verify', m(results.verify).toFixed(2), results.verify.map((x) => x.toFixed(2)).join(' / '), m(results.verifyRss).toFixed(0), (m(results.floor) / m(results.verify)).toFixed(2)],
  ]);
  console.log(`verify ÷ settle wall: ${(m(results.verify) / m(results.ours)).toFixed(2)}; 1-min load average during the runs: ${load.map((l) => l.toFixed(1)).join(' → ')} (2 cores, shared)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
