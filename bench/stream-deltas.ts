/**
 * Delta computation throughput per core: the stream handler path with the local state store vs the
 * floor, one DuckDB window query over the same measurements in Parquet, both measured in the same
 * run, each in a fresh process under /usr/bin/time -v (peak RSS).
 *
 *   npx tsx bench/stream-deltas.ts [--measurements 10000000] [--devices 1000] [--per-message 10] [--batch 10000] [--reps 1]
 *
 * Inputs (generated once by DuckDB into bench/data/): the measurements as Parquet (the floor's input)
 * and the same measurements as Kafka message values, one JSON per line, --per-message readings of
 * one time step each, in time order as a fleet sends them. --batch is records (messages) per MSK event.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';
import { argValue, median, printTable, runChild } from './bench-util';

const measurements = Number(argValue('--measurements') ?? 10_000_000);
const devices = Number(argValue('--devices') ?? 1000);
const perMessage = Number(argValue('--per-message') ?? 10);
const batch = Number(argValue('--batch') ?? 10_000);
const reps = Number(argValue('--reps') ?? 1);
const DATA = path.join(__dirname, 'data');
const CHILD = path.join(__dirname, 'stream-deltas-child.ts');

async function generate(parquet: string, jsonl: string): Promise<void> {
  if (existsSync(parquet) && existsSync(jsonl)) return;
  const session = await DuckDbSession.create({ threads: 2 });
  const steps = Math.ceil(measurements / devices);
  // Counter per device: monotonic, a device-specific rate with some jitter per step; 5-minute steps from 2022-07-11.
  await session.run(`CREATE TEMP TABLE m AS
    SELECT CAST(d AS INTEGER) AS device_id, 'Sensor ' || d AS device_name,
      TIMESTAMPTZ '2022-07-11 00:00:00+00' + to_minutes(CAST(5 * s AS BIGINT)) AS time,
      round(100 + d * 0.5 + s * (0.02 + (d % 7) * 0.004) + ((hash(d, s) % 1000) / 1e6), 6) AS cumulative_energy,
      s, d
    FROM range(${steps}) t(s), range(${devices}) u(d)
    LIMIT ${measurements}`);
  await session.run(`COPY (SELECT device_id, device_name, time, cumulative_energy FROM m) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  await session.run(`COPY (
      SELECT list({device_id: device_id, device_name: device_name, time: strftime(time AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'), cumulative_energy: cumulative_energy} ORDER BY d) AS measurements
      FROM m GROUP BY s, d // ${perMessage} ORDER BY s, d // ${perMessage}
    ) TO ${sqlString(jsonl)} (FORMAT json)`);
  session.close();
}

async function main(): Promise<void> {
  const parquet = path.join(DATA, `stream-measurements-${measurements}-${devices}.parquet`);
  const jsonl = path.join(DATA, `stream-messages-${measurements}-${devices}-${perMessage}.jsonl`);
  await mkdir(DATA, { recursive: true });
  await generate(parquet, jsonl);

  const runs: { mode: string; seconds: number; rss: number; n: number }[] = [];
  for (let rep = 0; rep < reps; rep++) {
    // Alternating order, so neither path always runs on a warmer page cache.
    for (const mode of rep % 2 === 0 ? ['floor', 'ours'] : ['ours', 'floor']) {
      const work = path.join(DATA, `stream-bench-${mode}`);
      await rm(work, { recursive: true, force: true });
      const child = await runChild(CHILD, mode === 'floor' ? [mode, parquet, work] : [mode, jsonl, work, String(batch)]);
      runs.push({ mode, seconds: Number(child.result.seconds), rss: child.peakRssMb, n: Number(child.result.measurements) });
      await rm(work, { recursive: true, force: true });
    }
  }
  const floorSeconds = median(runs.filter((r) => r.mode === 'floor').map((r) => r.seconds));
  const rows = ['floor', 'ours'].map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    const seconds = median(mine.map((r) => r.seconds));
    const n = mine[0].n;
    return [mode === 'floor' ? 'DuckDB window query, Parquet → Parquet, 1 thread (floor)' : `handler path, local state store, ${batch} records/event`,
      n, seconds.toFixed(1), Math.round(n / seconds).toLocaleString('en'), (floorSeconds / seconds).toFixed(3), Math.round(Math.max(...mine.map((r) => r.rss)))];
  });
  printTable(['path', 'measurements', 's', 'measurements/s/core', '× floor', 'peak RSS MB'], rows);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
