/**
 * Daily run throughput: runDailySnapshot on a 100.8M-reading meter_readings plus a 5M-row drop in
 * readings_history, next to the floor measured in the same run on the same input files — ONE DuckDB
 * query computing latest-per-key (QUALIFY row_number) over the union of the affected days'
 * existing meter_readings files and the drop's files, written as one Parquet file.
 *
 * Shape (bench/daily-lake.ts at 35,000 meters; built once, cached in bench/data/daily-snapshot/base-lake):
 *   meter_readings = 35,000 meters × 48 half-hours × 60 days (2024-01-01 … 2024-02-29) = 100.8M rows,
 *   one file per day, sorted by (meter_id, interval_start); readings_history holds the same rows
 *   (received the next day 02:00) and meter_readings' snapshot records the history snapshot consumed.
 *   The drop (received 2024-03-03), 3 appends: 3.36M new readings (2024-03-01 and -02, all meters),
 *   0.99M corrections of 2024-02-29 (20,833 meters × 48) and 640k corrections over the 50 days
 *   2024-01-10 … 2024-02-28 (12,800 keys a day) = 4,999,984 rows touching 53 interval days.
 *
 * Every measured run starts from the same state: the lake folder is restored from a pristine copy
 * (data files hard-linked, metadata copied; the lake never moves, since manifests hold absolute
 * URIs), then the run happens in a fresh child process under /usr/bin/time -v (peak RSS). Ours and
 * the floor alternate; ours runs last, so the lake is left in its after-run state for the dashboard.
 *
 * Usage: npx tsx bench/daily-snapshot.ts [--reps 1] [--threads 2] [--memory 6GB] [--variants] [--rebuild]
 *   --variants: also run, once, a stronger one-query reference (incremental anti-join method,
 *   sorted output), for comparison. (Per-step timings of our run: snapshot_log.duration_ms and a
 *   CPU profile of the 'ours' child, rather than a hand-kept replica of runDailySnapshot.)
 * Leaves bench/data/daily-snapshot/base-lake after our daily run, for bench/dashboard-query.ts.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { sqlString } from '../src/engine/duckdb-session';
import { openLocalLake, type LocalLake } from '../src/local/local-lake';
import { tableFor } from '../src/pipeline/lake-tables';
import { DAY_MS, planDailySnapshot, runDailySnapshot } from '../src/pipeline/snapshot';
import { latestVersionSql } from '../src/pipeline/latest-version-sql';
import { METER_READINGS, READINGS_HISTORY, READING_FIELDS } from '../src/pipeline/tables';
import { argValue, median, printTable, runChild } from './bench-util';
import { buildDailyBenchLake, copyLake, DROP_RUN_DATE, FULL_SCALE_METERS } from './daily-lake';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, 'data', 'daily-snapshot');
/** The lake runs happen in (manifests hold absolute URIs, so it never moves). */
const BASE = path.join(ROOT, 'base-lake');
/** Its state before any run (data files hard-linked): restored into BASE before each run. */
const PRISTINE = path.join(ROOT, 'base-lake-pristine');
const MARKER = path.join(BASE, 'BUILD.json');
const PRISTINE_MARKER = path.join(PRISTINE, 'BUILD.json');
const threads = Number(argValue('--threads') ?? 2);
const memory = argValue('--memory') ?? '6GB';

async function buildBase(): Promise<void> {
  await rm(BASE, { recursive: true, force: true });
  const lake = await openLocalLake(BASE, { threads, memoryLimit: memory });
  try {
    await writeFile(MARKER, JSON.stringify(await buildDailyBenchLake(lake, FULL_SCALE_METERS), null, 2));
  } finally {
    lake.close();
  }
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Child: the daily run through our path. */
async function childOurs(dir: string): Promise<void> {
  const lake = await openLocalLake(dir, { threads, memoryLimit: memory });
  const t0 = performance.now();
  const r = await runDailySnapshot(lake, { runDate: DROP_RUN_DATE });
  const wall = seconds(t0);
  lake.close();
  console.log(JSON.stringify({
    seconds: wall, newVersions: r.newVersions, rowsWritten: r.rowsWritten, days: r.days.length,
    filesAdded: r.days.reduce((n, d) => n + d.added.length, 0), filesRemoved: r.days.reduce((n, d) => n + d.removed.length, 0),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
}

/** The input files of the run: the drop's history files and the affected days' meter_readings files. */
async function runInputs(lake: LocalLake): Promise<{ dropPaths: string[]; existingPaths: string[]; days: number[]; newVersions: number }> {
  const history = await tableFor(lake, READINGS_HISTORY);
  const readings = await tableFor(lake, METER_READINGS);
  const plan = await planDailySnapshot(history, readings);
  const dropPaths = plan.newFiles.map((f) => fileURLToPath(f.file_path));
  const days = (await lake.session.all<{ day: number }>(
    `SELECT DISTINCT CAST(floor(epoch_us(interval_start) / ${DAY_MS * 1000}) AS INTEGER) AS day FROM read_parquet([${dropPaths.map(sqlString).join(', ')}])`,
  )).map((r) => Number(r.day));
  const daySet = new Set(days);
  const existingPaths = (await readings.planFiles())
    .filter((t) => daySet.has(t.dataFile.partition.interval_start_day as number))
    .map((t) => fileURLToPath(t.dataFile.file_path));
  return { dropPaths, existingPaths, days, newVersions: plan.newFiles.reduce((n, f) => n + f.record_count, 0) };
}

/** Child: the floor — one DuckDB query, latest per key over the same input files, written as Parquet. */
async function childFloor(dir: string): Promise<void> {
  const lake = await openLocalLake(dir, { threads, memoryLimit: memory });
  const { dropPaths, existingPaths, days } = await runInputs(lake);
  const cols = READING_FIELDS.join(', ');
  const list = (paths: string[]) => `[${paths.map(sqlString).join(', ')}]`;
  const out = path.join(dir, 'floor-out.parquet');
  const t0 = performance.now();
  const rows = await lake.session.all<{ Count: bigint }>(`COPY (
    SELECT * FROM (
      SELECT ${cols}, version_count, first_received_at FROM read_parquet(${list(existingPaths)})
      UNION ALL
      SELECT ${cols}, 1 AS version_count, received_at AS first_received_at FROM read_parquet(${list(dropPaths)})
    ) QUALIFY row_number() OVER (PARTITION BY meter_id, interval_start ORDER BY received_at DESC, source_file DESC, source_row DESC) = 1
  ) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
  const wall = seconds(t0);
  const newVersions = Number(await lake.session.scalar<bigint>(`SELECT count(*) FROM read_parquet(${list(dropPaths)})`));
  const outBytes = (await stat(out)).size;
  lake.close();
  console.log(JSON.stringify({
    seconds: wall, newVersions, rowsWritten: Number(rows[0]?.Count ?? 0), days: days.length, inputFiles: existingPaths.length + dropPaths.length,
    outMb: outBytes / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
}

/**
 * Child: a stronger one-query reference — the incremental method of PERFORMANCE.md (existing rows
 * ANTI JOIN the drop's keys, plus the latest of the drop and the rows it replaces), output sorted
 * by (meter_id, interval_start), written as one Parquet file. Same input files as the floor.
 */
async function childIncremental(dir: string): Promise<void> {
  const lake = await openLocalLake(dir, { threads, memoryLimit: memory });
  const { dropPaths, existingPaths, days, newVersions } = await runInputs(lake);
  const list = (paths: string[]) => `[${paths.map(sqlString).join(', ')}]`;
  await lake.session.run(`CREATE VIEW existing AS SELECT * FROM read_parquet(${list(existingPaths)})`);
  const out = path.join(dir, 'incremental-out.parquet');
  const t0 = performance.now();
  const rows = await lake.session.all<{ Count: bigint }>(
    `COPY (${latestVersionSql('existing', `read_parquet(${list(dropPaths)})`)} ORDER BY meter_id, interval_start) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const wall = seconds(t0);
  lake.close();
  console.log(JSON.stringify({
    seconds: wall, newVersions, rowsWritten: Number(rows[0]?.Count ?? 0), days: days.length,
    inputFiles: existingPaths.length + dropPaths.length, outMb: (await stat(out)).size / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
}

/** One measured child run: its in-process time, process wall time, peak RSS and what it did. */
interface Measured { seconds: number; wallMs: number; peakRssMb: number; newVersions: number; rowsWritten: number; days: number; extra: Record<string, unknown> }

async function measure(kind: 'ours' | 'floor' | 'incremental'): Promise<Measured> {
  await copyLake(PRISTINE, BASE);
  const load = loadavg()[0];
  const child = await runChild(fileURLToPath(import.meta.url), ['--child', kind, '--lake', BASE, '--threads', String(threads), '--memory', memory]);
  const r = child.result;
  console.error(`${kind}: ${Number(r.seconds).toFixed(1)} s in-process, ${(child.wallMs / 1000).toFixed(1)} s wall, ${child.peakRssMb.toFixed(0)} MB peak RSS (load ${load.toFixed(2)})`);
  return {
    seconds: Number(r.seconds), wallMs: child.wallMs, peakRssMb: child.peakRssMb,
    newVersions: Number(r.newVersions ?? 0), rowsWritten: Number(r.rowsWritten), days: Number(r.days), extra: { ...r, loadAtStart: load },
  };
}

const variantRow = (v: Measured, floorS: number, oursS: number) => [
  v.seconds.toFixed(1), (v.rowsWritten / v.seconds / 1e6).toFixed(2), (floorS / v.seconds).toFixed(2), (oursS / v.seconds).toFixed(2), v.peakRssMb.toFixed(0),
];

async function main(): Promise<void> {
  const child = argValue('--child');
  if (child) {
    const dir = argValue('--lake')!;
    if (child === 'ours') return childOurs(dir);
    if (child === 'floor') return childFloor(dir);
    if (child === 'incremental') return childIncremental(dir);
    throw new Error(`unknown --child ${child}`);
  }
  const reps = Number(argValue('--reps') ?? 1);
  const exists = (file: string) => stat(file).then(() => true, () => false);
  if (process.argv.includes('--rebuild') || !(await exists(PRISTINE_MARKER))) {
    await rm(PRISTINE, { recursive: true, force: true });
    // A lake built but never copied is still pristine: a run only starts after the copy exists.
    if (process.argv.includes('--rebuild') || !(await exists(MARKER))) await buildBase();
    await copyLake(BASE, PRISTINE);
  }
  const build = JSON.parse(await readFile(PRISTINE_MARKER, 'utf8')) as Record<string, unknown>;
  console.error(`base lake: ${JSON.stringify(build)}`);
  const variants = process.argv.includes('--variants') ? [await measure('incremental')] : [];
  const loadBefore = loadavg();
  const ours: Measured[] = [];
  const floor: Measured[] = [];
  for (let rep = 0; rep < reps; rep++) {
    floor.push(await measure('floor'));
    ours.push(await measure('ours'));
  }
  const loadAfter = loadavg();
  const med = (xs: Measured[], f: (m: Measured) => number) => median(xs.map(f));
  const fS = med(floor, (m) => m.seconds);
  const oS = med(ours, (m) => m.seconds);
  const row = (label: string, xs: Measured[], s: number, ratio: string) => [
    label, s.toFixed(1), (med(xs, (m) => m.wallMs) / 1000).toFixed(1), (xs[0].newVersions / s / 1e6).toFixed(3),
    (xs[0].rowsWritten / s / 1e6).toFixed(2), ratio, med(xs, (m) => m.peakRssMb).toFixed(0), xs.map((m) => m.seconds.toFixed(1)).join(' / '),
  ];
  console.log(`\n${build.shape} = ${Number(build.baseRows).toLocaleString()} rows; drop ${Number(build.dropTotal).toLocaleString()} rows over ${ours[0].days} days; threads=${threads}, memory_limit=${memory}; load avg before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`);
  printTable(['path', 'median s (in-process)', 'process wall s', 'new versions/s (M)', 'rows written/s (M)', 'x floor', 'peak RSS MB', 'runs (s)'], [
    row('floor: one QUALIFY row_number query → Parquet', floor, fS, '1.00'),
    row('ours: runDailySnapshot', ours, oS, (fS / oS).toFixed(2)),
  ]);
  if (variants.length) {
    console.log('\nreferences (one run each, same input files):\n');
    printTable(['path', 's', 'rows written/s (M)', 'x floor', 'x ours', 'peak RSS MB'], [
      ['incremental one-query: anti-join + latest of touched keys, ORDER BY, one Parquet file', ...variantRow(variants[0], fS, oS)],
    ]);
  }
  console.log(`\nours: ${ours[0].days} days, ${ours[0].rowsWritten.toLocaleString()} rows written, files +${String(ours[0].extra.filesAdded)} −${String(ours[0].extra.filesRemoved)}; floor: ${floor[0].rowsWritten.toLocaleString()} rows, ${Number(floor[0].extra.outMb).toFixed(0)} MB, ${String(floor[0].extra.inputFiles)} input files`);
  console.log(`throughput ratio ours/floor = ${(fS / oS).toFixed(2)} (target >= 0.5)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
