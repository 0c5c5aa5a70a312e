/**
 * Data-file write throughput: N generated meter rows (a DuckDB TEMP table in the readings_history
 * shape) written through our path — writeRowsAsDataFiles into a readings_history-like table
 * partitioned by day(received_at): casts, field ids, the one-partition pre-pass (PARTITION_BY when
 * rows span several days), RETURN_STATS and the Parquet footer metrics of every file — against the
 * floor, a plain
 * `COPY (SELECT * FROM t) TO 'x.parquet' (FORMAT parquet, COMPRESSION zstd)` of the same rows in
 * the same session. The two alternate, `reps` times each; medians are reported.
 *
 * Usage: npx tsx bench/write-throughput.ts [--rows 5000000] [--reps 3] [--days 1] [--threads 2]
 *   --days: how many received_at days (= partitions) the rows span (an ingested file has one).
 *   --breakdown: also time the steps between the two (same alternation), to show where the gap is:
 *     floor + FIELD_IDS + RETURN_STATS; floor + PARTITION_BY a day helper column; writeDataFiles
 *     (our COPY without the footer metrics); and the metrics pass alone. With --days 2 or more, our
 *     path takes PARTITION_BY (the pre-pass finds several partitions).
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FileCatalog } from '../src/catalog/file-catalog';
import { ensureTable } from '../src/catalog/open-table';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';
import { dataFileMetrics } from '../src/engine/parquet-metrics';
import { writeDataFiles } from '../src/engine/parquet-writer';
import { fieldIdsClause } from '../src/engine/iceberg-duckdb-types';
import { currentSchema, defaultSpec } from '../src/iceberg/table-metadata';
import type { TableMetadata } from '../src/iceberg/types';
import { writeRowsAsDataFiles } from '../src/pipeline/table-files';
import { READINGS_HISTORY } from '../src/pipeline/tables';
import { fileIOFor } from '../src/storage/file-io';
import { LocalStore } from '../src/storage/local-store';
import { argValue, median, printTable } from './bench-util';

const rows = Number(argValue('--rows') ?? 5_000_000);
const reps = Number(argValue('--reps') ?? 3);
const days = Number(argValue('--days') ?? 1);
const threads = Number(argValue('--threads') ?? 2);
const breakdown = process.argv.includes('--breakdown');

/** Sum of the sizes of every file below a folder. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-bench-write-'));
  const session = await DuckDbSession.create({ threads, tempDirectory: path.join(dir, 'duckdb-tmp') });
  const store = new LocalStore(dir);
  const io = fileIOFor(store);
  const catalog = new FileCatalog({ io, warehouse: `${store.url}/warehouse` });
  const table = await ensureTable(catalog, 'readings_history', io, READINGS_HISTORY.definition);
  const metadata = await table.metadata();
  const dataDir = path.join(fileURLToPath(metadata.location), 'data');

  // 35,000 meters × 15-minute intervals, ~2% corrections flagged 'estimated'; received_at over `days` days.
  let t0 = performance.now();
  await session.run(`CREATE TEMP TABLE t AS
    SELECT 'm' || lpad(CAST(i % 35000 AS VARCHAR), 6, '0') AS meter_id,
           TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(CAST(15 * (i // 35000) AS BIGINT)) AS interval_start,
           15 AS interval_minutes,
           round(random() * 0.8, 3) AS kwh,
           CASE WHEN i % 50 = 0 THEN 'estimated' ELSE 'actual' END AS quality,
           'default' AS source,
           'landing/default/readings/bench.csv' AS source_file,
           CAST(i + 1 AS BIGINT) AS source_row,
           'bench-batch-0001' AS batch_id,
           TIMESTAMPTZ '2024-01-04 06:00:00+00' + to_days(CAST((i * ${days}) // ${rows} AS INTEGER)) AS received_at
    FROM range(${rows}) r(i)`);
  console.error(`generated ${rows.toLocaleString()} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const floorS: number[] = [];
  const oursS: number[] = [];
  let floorBytes = 0;
  let oursBytes = 0;
  let oursFiles = 0;
  for (let rep = 0; rep < reps; rep++) {
    const floorFile = path.join(dir, `floor-${rep}.parquet`);
    t0 = performance.now();
    await session.run(`COPY (SELECT * FROM t) TO ${sqlString(floorFile)} (FORMAT parquet, COMPRESSION zstd)`);
    floorS.push((performance.now() - t0) / 1000);
    floorBytes = (await stat(floorFile)).size;
    await rm(floorFile);

    t0 = performance.now();
    const files = await writeRowsAsDataFiles(session, store, metadata, { sourceSql: 't' });
    oursS.push((performance.now() - t0) / 1000);
    oursFiles = files.length;
    oursBytes = await folderBytes(dataDir);
    await rm(dataDir, { recursive: true, force: true });
    console.error(`rep ${rep + 1}: floor ${floorS.at(-1)!.toFixed(2)} s, ours ${oursS.at(-1)!.toFixed(2)} s`);
  }

  const floor = median(floorS);
  const ours = median(oursS);
  const mrows = (s: number) => (rows / s / 1e6).toFixed(2);
  printTable(['path', 'median s', 'rows/s (M)', 'x floor', 'files', 'MB written', 'runs (s)'], [
    ['floor: COPY (SELECT * FROM t) TO parquet zstd', floor.toFixed(2), mrows(floor), '1.00', 1, (floorBytes / 1e6).toFixed(1), floorS.map((s) => s.toFixed(2)).join(' / ')],
    ['ours: writeRowsAsDataFiles (partitioned table, field ids, metrics)', ours.toFixed(2), mrows(ours), (floor / ours).toFixed(2), oursFiles, (oursBytes / 1e6).toFixed(1), oursS.map((s) => s.toFixed(2)).join(' / ')],
  ]);
  console.log(`\n${rows.toLocaleString()} rows, ${days} received_at day(s), threads=${threads}; throughput ratio ours/floor = ${(floor / ours).toFixed(2)} (target >= 0.9)`);
  if (breakdown) await runBreakdown(session, dir, metadata, floor);
  session.close();
  await rm(dir, { recursive: true, force: true });
}

/** Time the intermediate steps between the floor and our path, alternating, `reps` times each. */
async function runBreakdown(session: DuckDbSession, dir: string, metadata: TableMetadata, floor: number): Promise<void> {
  const schema = currentSchema(metadata);
  const spec = defaultSpec(metadata);
  const out = path.join(dir, 'breakdown');
  const day = `CAST((epoch_us(received_at) - (((epoch_us(received_at) % 86400000000) + 86400000000) % 86400000000)) // 86400000000 AS INTEGER)`;
  const steps: [string, () => Promise<unknown>][] = [
    ['floor + FIELD_IDS + RETURN_STATS', () => session.all(`COPY (SELECT * FROM t) TO ${sqlString(path.join(out, 'a.parquet'))} (FORMAT parquet, COMPRESSION zstd, ${fieldIdsClause(schema)}, RETURN_STATS true)`)],
    ['floor + PARTITION_BY day helper', () => session.run(`COPY (SELECT *, ${day} AS p FROM t) TO ${sqlString(path.join(out, 'b'))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (p))`)],
    ['floor + PARTITION_BY, preserve_insertion_order=false', async () => {
      await session.run('SET preserve_insertion_order = false');
      try {
        await session.run(`COPY (SELECT *, ${day} AS p FROM t) TO ${sqlString(path.join(out, 'c'))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (p))`);
      } finally {
        await session.run('SET preserve_insertion_order = true');
      }
    }],
    ['alternative: min/max(day) pre-pass, then unpartitioned COPY with FIELD_IDS (one partition)', async () => {
      await session.all(`SELECT min(${day}) AS lo, max(${day}) AS hi FROM t`);
      await session.all(`COPY (SELECT * FROM t) TO ${sqlString(path.join(out, 'f.parquet'))} (FORMAT parquet, COMPRESSION zstd, ${fieldIdsClause(schema)}, RETURN_STATS true)`);
    }],
    ['writeDataFiles (our COPY, no metrics)', () => writeDataFiles(session, { sourceSql: 't', schema, spec, outputDir: path.join(out, 'd') })],
  ];
  const times = new Map<string, number[]>();
  let metricsMs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    await mkdir(out, { recursive: true });
    for (const [label, step] of steps) {
      const t0 = performance.now();
      await step();
      times.set(label, [...(times.get(label) ?? []), (performance.now() - t0) / 1000]);
    }
    const files = await writeDataFiles(session, { sourceSql: 't', schema, spec, outputDir: path.join(out, 'e') });
    const t0 = performance.now();
    for (const f of files) await dataFileMetrics(session, f.localPath, schema);
    metricsMs = [...metricsMs, performance.now() - t0];
    await rm(out, { recursive: true, force: true });
  }
  console.log('\nbreakdown (same session, medians):\n');
  printTable(['step', 'median s', 'x floor'], [
    ...[...times].map(([label, ts]) => [label, median(ts).toFixed(2), (floor / median(ts)).toFixed(2)]),
    ['metrics from the Parquet footer (per write)', (median(metricsMs) / 1000).toFixed(3), '-'],
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
