/**
 * Forecast issue for all groups on the benchmark lake, next to the floor measured in the same run
 * on the same files: the feature aggregation as ONE DuckDB query — the latest version per reading
 * among those received by T (QUALIFY row_number) over readings_history's files, joined to the
 * meterpoints, summed per region and UTC hour. Ours does that and more: features for the fleet,
 * every region and product with the local calendar, written to features_hourly, then the model
 * and its backtest-error intervals for every group, appended to demand_forecast.
 *
 * Lake: bench/daily-lake.ts (meters × 48 half-hours × 60 days, 2024-01-01 … 2024-02-29, plus the
 * drop received 2024-03-03) and a meterpoint drop putting meter m in one of five regions (m mod 5).
 * Built once in bench/data/forecast/; each run starts from the pristine copy, in a fresh child
 * process under /usr/bin/time -v; ours and the floor alternate order.
 *
 * Usage: npx tsx bench/forecast.ts [--meters 2000] [--reps 3] [--rebuild]
 *        npx tsx bench/forecast.ts --backtest <lake dir> [--origins 8]   # accuracy table of a lake (e.g. the demo's)
 *        npx tsx bench/forecast.ts --demo-history [--meters 500] [--origins 8] [--rebuild]
 *          the demo's 60 days written straight into readings_history from the demo generator (same
 *          meters, regions, joins, load shape and noise as `npm start`, each reading's first version,
 *          received the day after, a joining meter's back-history with its join day), then its backtest:
 *          the accuracy of the demo history without ingesting ~600 files.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sqlString } from '../src/engine/duckdb-session';
import { QUALITIES, meterDayReadings } from '../src/demo/load-shape';
import { planDemo } from '../src/demo/meter-plan';
import { resolveDemoOptions } from '../src/demo/options';
import { READINGS_HISTORY } from '../src/pipeline/tables';
import { openLocalLake } from '../src/local/local-lake';
import { runBacktest } from '../src/pipeline/forecast/backtest';
import { issueDemandForecast } from '../src/pipeline/forecast/demand-forecast';
import { tableFor } from '../src/pipeline/lake-tables';
import { METERPOINT, RECEIVED_AT_PROPERTY } from '../src/pipeline/reference';
import { writeRowsAsDataFiles } from '../src/pipeline/table-files';
import { argValue, median, printTable, runChild } from './bench-util';
import { buildDailyBenchLake, copyLake } from './daily-lake';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, 'data', 'forecast');
const BASE = path.join(ROOT, 'base-lake');
const PRISTINE = path.join(ROOT, 'base-lake-pristine');
/** What the forecast knows: everything received, the drop included. */
const KNOWN_AT = '2024-03-03T04:00:00Z';
const REGIONS = ['North', 'South', 'East', 'West', 'London'];

async function buildBase(meters: number): Promise<void> {
  await rm(BASE, { recursive: true, force: true });
  const lake = await openLocalLake(BASE);
  try {
    const built = await buildDailyBenchLake(lake, meters);
    const table = await tableFor(lake, METERPOINT);
    const regions = `[${REGIONS.map(sqlString).join(', ')}]`;
    const files = await writeRowsAsDataFiles(lake.session, lake.store, await table.metadata(), {
      sourceSql: `SELECT 'm' || lpad(CAST(m AS VARCHAR), 6, '0') AS meterpoint_id, ${regions}[m % 5 + 1] AS region FROM range(${meters}) t(m)`,
    });
    await table.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true, summary: { [RECEIVED_AT_PROPERTY]: '2024-01-01T00:00:00.000Z' } });
    await writeFile(path.join(BASE, 'BUILD.json'), JSON.stringify({ ...built, meters }, null, 2));
  } finally {
    lake.close();
  }
  await copyLake(BASE, PRISTINE);
}

async function parquetFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).map((f) => path.join(dir, f)).sort();
}

/** The floor: one DuckDB query over the same files. */
async function floorChild(lakeDir: string): Promise<Record<string, unknown>> {
  const lake = await openLocalLake(lakeDir);
  try {
    const history = await parquetFiles(path.join(lakeDir, 'warehouse', 'readings_history', 'data'));
    const meterpoints = await parquetFiles(path.join(lakeDir, 'warehouse', 'meterpoint', 'data'));
    const list = (files: string[]) => `[${files.map(sqlString).join(', ')}]`;
    const rows = await lake.session.scalar<bigint>(`SELECT count(*) FROM (
      SELECT mp.region, date_trunc('hour', r.interval_start) AS hour, sum(r.kwh) AS load_kwh, count(DISTINCT r.meter_id) AS meters
      FROM (SELECT * FROM read_parquet(${list(history)}) WHERE received_at <= TIMESTAMPTZ '${KNOWN_AT}'
            QUALIFY row_number() OVER (PARTITION BY meter_id, interval_start ORDER BY received_at DESC, source_file DESC, source_row DESC) = 1) r
      LEFT JOIN read_parquet(${list(meterpoints)}) mp ON mp.meterpoint_id = r.meter_id
      GROUP BY ALL)`);
    return { rows: Number(rows) };
  } finally {
    lake.close();
  }
}

/** Ours: issue the forecast as known at KNOWN_AT. */
async function oursChild(lakeDir: string): Promise<Record<string, unknown>> {
  const lake = await openLocalLake(lakeDir);
  try {
    const result = await issueDemandForecast(lake, { knownAtMs: Date.parse(KNOWN_AT) });
    if (result.outcome !== 'rebuilt') throw new Error(`expected a new issue, got ${result.outcome}`);
    return { rows: result.issue!.rows.length, groups: new Set(result.issue!.rows.map((r) => `${r.groupKind}:${r.groupValue}`)).size };
  } finally {
    lake.close();
  }
}

/** Print the backtest of a lake as Markdown: regions and the fleet, per horizon day and overall. */
async function backtestTable(lakeDir: string, origins: number): Promise<void> {
  const lake = await openLocalLake(lakeDir);
  try {
    const started = performance.now();
    const result = await runBacktest(lake, { origins, horizonHours: 168, onOrigin: (d, t) => console.error(`origin ${d}/${t}`) });
    console.error(`backtest of ${origins} origins in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
    const rows = result.scores.filter((s) => s.groupKind !== 'product').map((s) => [
      `${s.groupKind} ${s.groupValue}`, s.horizonDay ?? 'all', s.hours, s.mae.toFixed(3), s.rmse.toFixed(3), pct(s.mape), s.naiveMae.toFixed(3), s.mase === null ? '—' : s.mase.toFixed(3), pct(s.coverage80),
    ]);
    printTable(['group', 'horizon day', 'hours', 'MAE kWh', 'RMSE kWh', 'MAPE', 'naive MAE kWh', 'MASE', 'in 80% interval'], rows);
  } finally {
    lake.close();
  }
}

/** The demo generator's readings (first versions) and meterpoints, written straight into a new lake. */
async function buildDemoHistoryLake(dir: string, meters: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const options = resolveDemoOptions({ meters });
  const plan = planDemo(options);
  const lake = await openLocalLake(dir);
  try {
    const csv = path.join(lake.tempDir, 'demo-history.csv');
    const lines: string[] = ['meter_id,interval_start,interval_minutes,kwh,quality,received_at'];
    for (const meter of plan.meters) {
      for (let day = meter.historyStartDay; day < options.days; day++) {
        const readings = meterDayReadings(options, meter, day);
        const received = new Date(options.windowStartMs + (Math.max(day, meter.joinDay) + 1) * 86_400_000 + 2 * 3_600_000).toISOString();
        for (let i = 0; i < readings.wh.length; i++) {
          const start = new Date(readings.dayStartMs + i * meter.minutes * 60_000).toISOString();
          lines.push(`${meter.meterId},${start},${meter.minutes},${readings.wh[i] / 1000},${QUALITIES[readings.quality[i]]},${received}`);
        }
      }
    }
    await writeFile(csv, `${lines.join('\n')}\n`);
    const history = await tableFor(lake, READINGS_HISTORY);
    const files = await writeRowsAsDataFiles(lake.session, lake.store, await history.metadata(), {
      sourceSql: `SELECT meter_id, interval_start, interval_minutes, kwh, quality, 'demo' AS source, 'demo-history.csv' AS source_file,
        CAST(row_number() OVER () AS BIGINT) AS source_row, 'demo-history' AS batch_id, received_at
        FROM read_csv(${sqlString(csv)}, header = true, columns = {'meter_id': 'VARCHAR', 'interval_start': 'TIMESTAMPTZ', 'interval_minutes': 'INTEGER', 'kwh': 'DOUBLE', 'quality': 'VARCHAR', 'received_at': 'TIMESTAMPTZ'})`,
    });
    await history.append(files, { 'meterlake.bench': 'demo history' });
    const meterpoint = await tableFor(lake, METERPOINT);
    const values = plan.meters.map((m) => `(${sqlString(m.meterId)}, ${sqlString(m.region)})`).join(', ');
    const mpFiles = await writeRowsAsDataFiles(lake.session, lake.store, await meterpoint.metadata(), { sourceSql: `SELECT * FROM (VALUES ${values}) t(meterpoint_id, region)` });
    await meterpoint.commit({ operation: 'overwrite', addDataFiles: mpFiles, removeWhere: () => true, summary: { [RECEIVED_AT_PROPERTY]: new Date(options.windowStartMs).toISOString() } });
    console.error(`demo history: ${lines.length - 1} readings of ${plan.meters.length} meters over ${options.days} days`);
  } finally {
    lake.close();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--demo-history')) {
    const dir = path.join(ROOT, 'demo-history-lake');
    if (process.argv.includes('--rebuild') || !existsSync(dir)) await buildDemoHistoryLake(dir, Number(argValue('--meters') ?? 500));
    await backtestTable(dir, Number(argValue('--origins') ?? 8));
    return;
  }
  const child = argValue('--child');
  if (child) {
    const lakeDir = process.argv.at(-1)!;
    console.log(JSON.stringify(child === 'floor' ? await floorChild(lakeDir) : await oursChild(lakeDir)));
    return;
  }
  const backtestLake = argValue('--backtest');
  if (backtestLake) {
    await backtestTable(backtestLake, Number(argValue('--origins') ?? 8));
    return;
  }
  const meters = Number(argValue('--meters') ?? 2000);
  const reps = Number(argValue('--reps') ?? 3);
  if (process.argv.includes('--rebuild') || !existsSync(PRISTINE)) await buildBase(meters);
  const script = fileURLToPath(import.meta.url);
  const results: Record<'floor' | 'ours', { wall: number[]; rss: number[] }> = { floor: { wall: [], rss: [] }, ours: { wall: [], rss: [] } };
  const loads: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const which of (rep % 2 ? ['ours', 'floor'] : ['floor', 'ours']) as ('floor' | 'ours')[]) {
      await copyLake(PRISTINE, BASE);
      loads.push(loadavg()[0]);
      const run = await runChild(script, ['--child', which, BASE]);
      console.error(`${which}: ${(run.wallMs / 1000).toFixed(2)} s, ${run.peakRssMb.toFixed(0)} MB, ${JSON.stringify(run.result)}`);
      results[which].wall.push(run.wallMs);
      results[which].rss.push(run.peakRssMb);
    }
  }
  const floorWall = median(results.floor.wall);
  const floorRss = median(results.floor.rss);
  console.log(`\n${meters} meters × 48 × 60 days (+ drop); ${reps} reps, medians; 1-minute load average during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  printTable(['path', 'wall s', '× floor', 'peak RSS MB', '× floor'], (['floor', 'ours'] as const).map((w) => [
    w === 'floor' ? 'floor: one DuckDB query (latest version by T, join meterpoint, group by region × hour)' : 'ours: issueDemandForecast (features_hourly for fleet/regions/products written, model + intervals, demand_forecast appended)',
    (median(results[w].wall) / 1000).toFixed(2), (median(results[w].wall) / floorWall).toFixed(2), median(results[w].rss).toFixed(0), (median(results[w].rss) / floorRss).toFixed(2),
  ]));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
