/**
 * The daily-run benchmarks' lake, built over any LakePorts: meter_readings = meters × 48
 * half-hours × 60 days (2024-01-01 … 2024-02-29), one file per day sorted by (meter_id,
 * interval_start); readings_history holds the same rows (received the next day 02:00) and
 * meter_readings' snapshot records the history snapshot consumed, so a run sees only the drop.
 * The drop (received 2024-03-03), 3 appends, scaled with the meter count (the figures at 35,000
 * meters): 3.36M new readings (2024-03-01 and -02, all meters), 0.99M corrections of 2024-02-29
 * (59.5% of the meters × 48) and 640k corrections over the 50 days 2024-01-10 … 2024-02-28
 * (0.76% of each day's keys) — 53 interval days touched.
 */
import { copyFile, link, mkdir, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { scratchName } from '../src/engine/duckdb-session';
import type { DataFile } from '../src/iceberg/types';
import { tableFor } from '../src/pipeline/lake-tables';
import type { LakePorts } from '../src/pipeline/ports';
import { DEFAULT_TARGET_FILE_SIZE_BYTES, HISTORY_SNAPSHOT_PROPERTY } from '../src/pipeline/snapshot';
import { writeRowsAsDataFiles } from '../src/pipeline/table-files';
import { METER_READINGS, READINGS_HISTORY } from '../src/pipeline/tables';

export const FULL_SCALE_METERS = 35_000;
export const SLOTS = 48;
export const DAYS = 60;
/** The run date whose daily run merges the drop. */
export const DROP_RUN_DATE = '2024-03-03';
const EPOCH = "TIMESTAMPTZ '2024-01-01 00:00:00+00'";
const DROP_RECEIVED = "TIMESTAMPTZ '2024-03-03 04:00:00+00'";

const meterId = (m: string) => `'m' || lpad(CAST(${m} AS VARCHAR), 6, '0')`;
const kwh = (m: string, s: string, d: string, salt: number) => `round(CAST(hash(${m}, ${s}, ${d}, ${salt}) % 800 AS DOUBLE) / 1000, 3)`;
const intervalStart = (d: string, s: string) => `${EPOCH} + to_minutes(CAST((${d} * ${SLOTS} + ${s}) * 30 AS BIGINT))`;

/** One full base day as readings_history rows (received the next day at 02:00). */
function baseDaySql(meters: number, day: number): string {
  return `SELECT ${meterId('m')} AS meter_id, ${intervalStart(String(day), 's')} AS interval_start, 30 AS interval_minutes,
      ${kwh('m', 's', String(day), 0)} AS kwh, 'actual' AS quality, 'bench' AS source,
      'landing/bench/readings/day-${day}.csv' AS source_file, CAST(m * ${SLOTS} + s + 1 AS BIGINT) AS source_row,
      'base-${day}' AS batch_id, ${EPOCH} + to_days(${day + 1}) + to_hours(2) AS received_at
    FROM range(${meters}) a(m), range(${SLOTS}) b(s)`;
}

/** The drop's three batches (all received 2024-03-03 04:00 + k minutes). */
export function dropSql(meters: number): { label: string; sql: string }[] {
  const perDay = meters * SLOTS;
  const day59Meters = Math.round((meters * 20_833) / FULL_SCALE_METERS);
  // 12,800 of 1,680,000 keys a day at full scale; 7919 is prime to any meter count used, so the keys are distinct.
  const keysPerDay = Math.round((perDay * 12_800) / (FULL_SCALE_METERS * SLOTS));
  const cols = (m: string, s: string, d: string, quality: string, k: number, row: string) =>
    `${meterId(m)} AS meter_id, ${intervalStart(d, s)} AS interval_start, 30 AS interval_minutes,
     ${kwh(m, s, d, k + 1)} AS kwh, '${quality}' AS quality, 'bench' AS source,
     'landing/bench/readings/drop-${k}.csv' AS source_file, CAST(${row} + 1 AS BIGINT) AS source_row,
     'drop-${k}' AS batch_id, ${DROP_RECEIVED} + to_minutes(${k}) AS received_at`;
  return [
    { label: 'new: days 60-61, all meters', sql: `SELECT ${cols('m', 's', 'd', 'actual', 0, `(d - 60) * ${perDay} + m * 48 + s`)} FROM range(60, 62) c(d), range(${meters}) a(m), range(${SLOTS}) b(s)` },
    { label: `corrections: day 59, ${day59Meters} meters`, sql: `SELECT ${cols('m', 's', '59', 'substituted', 1, 'm * 48 + s')} FROM range(${day59Meters}) a(m), range(${SLOTS}) b(s)` },
    { label: `corrections: days 9-58, ${keysPerDay} keys/day`, sql: `SELECT ${cols(`(k * 7919 + d * 131) % ${meters}`, 'k % 48', 'd', 'substituted', 2, `(d - 9) * ${keysPerDay} + k`)} FROM range(9, 59) c(d), range(${keysPerDay}) a(k)` },
  ];
}

/** What a build made (written beside the lake as BUILD.json by the benches). */
export interface DailyBenchLake {
  shape: string;
  baseRows: number;
  meterReadingsFiles: number;
  historyFiles: number;
  dropRows: number[];
  dropTotal: number;
  buildSeconds: number;
}

/** Build the base state and the drop into an empty lake's tables. */
export async function buildDailyBenchLake(lake: LakePorts, meters: number, log: (line: string) => void = console.error): Promise<DailyBenchLake> {
  const t0 = performance.now();
  const history = await tableFor(lake, READINGS_HISTORY);
  const readings = await tableFor(lake, METER_READINGS);
  const hMeta = await history.metadata();
  const mMeta = await readings.metadata();
  const historyFiles: DataFile[] = [];
  const readingFiles: DataFile[] = [];
  for (let day = 0; day < DAYS; day++) {
    const scratch = scratchName('base_day');
    await lake.session.run(`CREATE TEMP TABLE ${scratch} AS ${baseDaySql(meters, day)}`);
    historyFiles.push(...(await writeRowsAsDataFiles(lake.session, lake.store, hMeta, { sourceSql: scratch })));
    readingFiles.push(...(await writeRowsAsDataFiles(lake.session, lake.store, mMeta, {
      sourceSql: `SELECT *, 1 AS version_count, received_at AS first_received_at FROM ${scratch}`,
      sortBy: ['meter_id', 'interval_start'], targetFileSizeBytes: DEFAULT_TARGET_FILE_SIZE_BYTES,
    })));
    await lake.session.run(`DROP TABLE ${scratch}`);
    if (day % 10 === 9) log(`base: ${day + 1}/${DAYS} days written, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const h0 = await history.append(historyFiles, { 'meterlake.bench': 'base' });
  await readings.append(readingFiles, { [HISTORY_SNAPSHOT_PROPERTY]: String(h0.snapshot['snapshot-id']), 'meterlake.bench': 'base' });
  const dropRows: number[] = [];
  for (const part of dropSql(meters)) {
    const files = await writeRowsAsDataFiles(lake.session, lake.store, hMeta, { sourceSql: part.sql });
    await history.append(files, { 'meterlake.bench': `drop: ${part.label}` });
    dropRows.push(files.reduce((n, f) => n + f.record_count, 0));
  }
  const built: DailyBenchLake = {
    shape: `${meters} meters × ${SLOTS} half-hours × ${DAYS} days`,
    baseRows: readingFiles.reduce((n, f) => n + f.record_count, 0),
    meterReadingsFiles: readingFiles.length,
    historyFiles: historyFiles.length,
    dropRows,
    dropTotal: dropRows.reduce((a, b) => a + b, 0),
    buildSeconds: (performance.now() - t0) / 1000,
  };
  log(`lake built in ${built.buildSeconds.toFixed(0)} s: ${built.baseRows.toLocaleString()} rows, drop ${dropRows.join(' + ')}`);
  return built;
}

/**
 * Copy a local lake folder: immutable data files hard-linked, everything else (metadata, hints)
 * copied. The copy must land at the path the lake was built at (manifests hold absolute URIs).
 */
export async function copyLake(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    const src = path.join(entry.parentPath, entry.name);
    const rel = path.relative(from, src);
    if (rel.startsWith('.tmp')) continue;
    const dst = path.join(to, rel);
    if (entry.isDirectory()) {
      await mkdir(dst, { recursive: true });
    } else if (entry.isFile()) {
      await mkdir(path.dirname(dst), { recursive: true });
      if (src.endsWith('.parquet') && rel.split(path.sep).includes('data')) await link(src, dst);
      else await copyFile(src, dst);
    }
  }
}
