/**
 * The AWS read path decision: what a one-meter, whole-table (60 days) series costs when the Parquet
 * files are read with byte-range requests (hyparquet: footer, then only the column chunks of the row
 * groups whose meter_id min/max include the meter) instead of downloading each planned file whole
 * (what DuckDB without httpfs would need). Measured on the local files of the bench lake through an
 * asyncBuffer that counts requests and bytes; the rows read are checked against DuckDB's answer.
 * S3 time is not measured here (no S3 on this machine): the request count is what drives it.
 *
 * Usage: npx tsx bench/dashboard-range-read.ts --lake DIR [--meters 10]
 */
import { open } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { AsyncBuffer } from 'hyparquet';
import { sqlString } from '../src/engine/duckdb-session';
import { planFiles } from '../src/iceberg/scan';
import { openLocalLake } from '../src/local/local-lake';
import { tableFor } from '../src/pipeline/lake-tables';
import { METER_READINGS } from '../src/pipeline/tables';
import { argValue, median, printTable } from './bench-util';

const lakeDir = argValue('--lake');
const meterCount = Number(argValue('--meters') ?? 10);
const COLUMNS = ['meter_id', 'interval_start', 'interval_minutes', 'kwh', 'quality'];

interface Counter { requests: number; bytes: number }

/** A file read by byte ranges, counting them (an S3 GET with Range per call). */
async function countingBuffer(path: string, counter: Counter): Promise<AsyncBuffer & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const to = end ?? size;
      counter.requests++;
      counter.bytes += to - start;
      const buffer = Buffer.alloc(to - start);
      await handle.read(buffer, 0, to - start, start);
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
    },
    close: () => handle.close(),
  };
}

async function main(): Promise<void> {
  // ES modules only (their exports offer no require condition).
  const { parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  if (!lakeDir) throw new Error('--lake <dir> is required (bench/dashboard-api.ts builds one)');
  const lake = await openLocalLake(lakeDir, { threads: 2 });
  const table = await tableFor(lake, METER_READINGS);
  const metadata = await table.metadata();
  const rows: (string | number)[][] = [];
  const results: { requests: number; bytes: number; wholeBytes: number; files: number; groups: number; ms: number }[] = [];
  for (let i = 0; i < meterCount; i++) {
    const meter = `m${String((i * 3_517 + 11) % 35_000).padStart(6, '0')}`;
    const tasks = await planFiles(table.io, metadata, { filter: { op: 'eq', field: 'meter_id', value: meter } });
    if (tasks.some((t) => t.deletes.length)) throw new Error('the bench lake has delete files: this measurement reads data files only');
    const counter: Counter = { requests: 0, bytes: 0 };
    let groups = 0;
    let kwh = 0;
    let count = 0;
    const t0 = performance.now();
    await Promise.all(tasks.map(async (task) => {
      const file = await countingBuffer(fileURLToPath(task.dataFile.file_path), counter);
      try {
        const footer = await parquetMetadataAsync(file);
        let rowStart = 0;
        for (const group of footer.row_groups) {
          const rowEnd = rowStart + Number(group.num_rows);
          const stats = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === 'meter_id')?.meta_data?.statistics;
          const min = stats?.min_value ?? stats?.min;
          const max = stats?.max_value ?? stats?.max;
          if (min === undefined || max === undefined || (String(min) <= meter && meter <= String(max))) {
            groups++;
            const read = await parquetReadObjects({ file, metadata: footer, columns: COLUMNS, rowStart, rowEnd, compressors });
            for (const r of read) {
              if (r.meter_id !== meter) continue;
              kwh += r.kwh as number;
              count++;
            }
          }
          rowStart = rowEnd;
        }
      } finally {
        await file.close();
      }
    }));
    const ms = performance.now() - t0;
    const files = tasks.map((t) => sqlString(fileURLToPath(t.dataFile.file_path))).join(', ');
    const expected = (await lake.session.all<{ n: bigint; kwh: number }>(`SELECT count(*) AS n, sum(kwh) AS kwh FROM read_parquet([${files}]) WHERE meter_id = $1`, [meter]))[0];
    if (Number(expected.n) !== count || Math.abs(expected.kwh - kwh) > 1e-6) throw new Error(`${meter}: range reads found ${count} rows / ${kwh} kWh, DuckDB ${expected.n} / ${expected.kwh}`);
    results.push({ requests: counter.requests, bytes: counter.bytes, wholeBytes: tasks.reduce((n, t) => n + Number(t.dataFile.file_size_in_bytes), 0), files: tasks.length, groups, ms });
  }
  lake.close();
  const m = (f: (r: (typeof results)[number]) => number) => median(results.map(f));
  rows.push(
    ['files planned', m((r) => r.files)],
    ['row groups read (meter_id bounds include the meter)', m((r) => r.groups)],
    ['range requests (footers + column chunks)', m((r) => r.requests)],
    ['bytes read by range', `${(m((r) => r.bytes) / 1e6).toFixed(2)} MB`],
    ['bytes of the planned files whole (download path)', `${(m((r) => r.wholeBytes) / 1e6).toFixed(0)} MB`],
    ['local time, hyparquet decode included (ms)', m((r) => r.ms).toFixed(0)],
  );
  console.log(`\none meter × the whole table (60 days), ${results.length} meters, medians; rows checked against DuckDB; load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  printTable(['measure', 'median'], rows);
  console.log(JSON.stringify({ requests: m((r) => r.requests), bytes: m((r) => r.bytes), wholeBytes: m((r) => r.wholeBytes), ms: m((r) => r.ms) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
