/**
 * One measured run of bench/stream-deltas.ts in its own fresh process (peak RSS is this run's).
 * Prints one JSON line: { mode, measurements, seconds, deltas }.
 *
 *   floor <measurements.parquet> <outDir>   one DuckDB query: the deltas by a window over time per device, to Parquet
 *   ours  <messages.jsonl> <lakeDir> <recordsPerBatch>
 *                                           the stream handler path with the local state store: MSK-shaped
 *                                           batches through handleMskEvent (decode, state, deltas, staged
 *                                           Parquet for the four tables) and each batch committed
 * Both run on one core: DuckDB with one thread; Node's own work is single-threaded.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';
import { openLocalLake } from '../src/local/local-lake';
import { streamLines } from '../src/local/commands/stream';

const [mode, input, workDir, batchArg] = process.argv.slice(2);

async function floor(): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const session = await DuckDbSession.create({ threads: 1 });
  const started = performance.now();
  const [row] = await session.all<{ Count: bigint }>(`COPY (
      SELECT device_id, device_name, time,
        CAST((epoch_ms(time) - epoch_ms(lag(time) OVER w)) / 60000.0 AS FLOAT) AS duration,
        CAST(CASE WHEN cumulative_energy < lag(cumulative_energy) OVER w THEN cumulative_energy
                  ELSE cumulative_energy - lag(cumulative_energy) OVER w END AS FLOAT) AS delta_energy
      FROM read_parquet(${sqlString(input)}) WINDOW w AS (PARTITION BY device_id ORDER BY time)
    ) TO ${sqlString(path.join(workDir, 'deltas.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
  const seconds = (performance.now() - started) / 1000;
  session.close();
  console.log(JSON.stringify({ mode, measurements: Number(row.Count), seconds, deltas: Number(row.Count) }));
}

async function ours(): Promise<void> {
  const lake = await openLocalLake(workDir, { threads: 1 });
  const started = performance.now();
  const result = await streamLines(lake, createInterface({ input: createReadStream(input), crlfDelay: Infinity }), {
    topic: 'sensors', partition: 0, batchSize: Number(batchArg),
  });
  const seconds = (performance.now() - started) / 1000;
  lake.close();
  if (result.failures.length) throw new Error(String(result.failures[0].error));
  console.log(JSON.stringify({ mode, measurements: result.measurements, seconds, deltas: result.deltas, rejected: result.rejected }));
}

void (mode === 'floor' ? floor() : ours()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
