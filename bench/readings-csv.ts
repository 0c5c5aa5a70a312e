/** The canonical meter-reading CSV the ingest benchmarks read, generated once by DuckDB into bench/data/. */
import { existsSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';

const METERS = 35_000;

/**
 * Write `readings-<rows>[-quoted].csv` into `dataDir` unless it exists: meter_id, interval_start,
 * interval_minutes, kwh, quality; 35,000 meters, 15-minute intervals, ISO timestamps with `Z`,
 * ≈2% of the rows corrections of earlier rows; with `quoted` every field quoted (as spreadsheet
 * exports write CSV). Returns its path.
 */
export async function generateReadingsCsv(dataDir: string, rows: number, opts: { quoted?: boolean } = {}): Promise<string> {
  const file = path.join(dataDir, `readings-${rows}${opts.quoted ? '-quoted' : ''}.csv`);
  if (existsSync(file)) return file;
  const base = Math.round(rows / 1.02);
  const corrections = rows - base;
  const session = await DuckDbSession.create({ tempDirectory: path.join(dataDir, 'duckdb-tmp') });
  const t0 = performance.now();
  const reading = (i: string, kwh: string, quality: string) =>
    `SELECT 'MTR-' || lpad(CAST(1200000000000 + ${i} % ${METERS} AS VARCHAR), 13, '0') AS meter_id,
            strftime(TIMESTAMP '2021-01-01 00:00:00' + to_minutes(CAST(15 * (${i} // ${METERS}) AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS interval_start,
            15 AS interval_minutes, printf('%.4f', ${kwh}) AS kwh, ${quality} AS quality`;
  await session.run(
    `COPY (${reading('i', '(hash(i) % 20000) / 10000.0', `CASE WHEN i % 97 = 0 THEN 'estimated' ELSE 'actual' END`)} FROM range(${base}) r(i)
           UNION ALL
           ${reading('k', '(hash(k + 1) % 20000) / 10000.0', `'substituted'`)} FROM (SELECT (j * 48271) % ${base} AS k FROM range(${corrections}) c(j)))
     TO ${sqlString(`${file}.part`)} (FORMAT csv, HEADER true${opts.quoted ? ', FORCE_QUOTE *' : ''})`,
  );
  session.close();
  await rename(`${file}.part`, file);
  console.error(`generated ${file} (${((await stat(file)).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}
