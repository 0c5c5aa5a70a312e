import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTable } from '../../src/catalog/open-table';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { buildGoldTables } from '../../src/pipeline/gold';
import { tableFor } from '../../src/pipeline/lake-tables';
import { AGREEMENT, METERPOINT, PRODUCT } from '../../src/pipeline/reference';
import type { AfterCommitContext } from '../../src/pipeline/snapshot';
import { METER_READINGS, type TableDefinition } from '../../src/pipeline/tables';
import { writeRowsAsDataFiles } from '../../src/pipeline/table-files';

// Gold tables are rebuilt from the same snapshot by every run that needs them (and by auditors
// re-running a day): the same input must give the same bytes, also when DuckDB adds in parallel.
describe('gold tables rebuilt from the same data', () => {
  let lake: LocalLake;
  let ctx: AfterCommitContext;

  async function appendRows(table: TableDefinition, sql: string) {
    const t = await tableFor(lake, table);
    const files = await writeRowsAsDataFiles(lake.session, lake.store, await t.metadata(), { sourceSql: `(${sql})` });
    return t.append(files);
  }

  /** SHA-256 of the data files of each gold table's current snapshot, in file order. */
  async function goldFileHashes(): Promise<Record<string, string[]>> {
    const hashes: Record<string, string[]> = {};
    for (const name of (await lake.catalog.listTables()).filter((t) => t.startsWith('gold_')).sort()) {
      const tasks = await openTable(lake.catalog, name, lake.io).planFiles();
      hashes[name] = await Promise.all(tasks.map(async (t) => createHash('sha256').update(await readFile(fileURLToPath(t.dataFile.file_path))).digest('hex')));
    }
    return hashes;
  }

  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-gold-bytes-')), { threads: 4 });
    // 300 meters × 48 half hours × 30 days of random kWh (four of DuckDB's row groups), so its threads
    // each add up a part of every half hour and the order of their partial sums varies.
    await lake.session.run(`CREATE TEMP TABLE readings AS SELECT
        'MP' || lpad(CAST(m AS VARCHAR), 4, '0') AS meter_id,
        TIMESTAMPTZ '2021-01-01 00:00:00+00' + to_minutes(CAST(30 * s AS BIGINT)) AS interval_start,
        30 AS interval_minutes, round(random() * 2, 3) + random() / 1000 AS kwh, 'actual' AS quality, 'octopus' AS source,
        'f.json' AS source_file, CAST(s AS BIGINT) AS source_row, 'b' AS batch_id,
        TIMESTAMPTZ '2021-02-01 00:00:00+00' AS received_at, 1 AS version_count, TIMESTAMPTZ '2021-02-01 00:00:00+00' AS first_received_at
      FROM range(300) a(m), range(48 * 30) b(s)`);
    const commit = await appendRows(METER_READINGS, 'SELECT * FROM readings');
    await appendRows(PRODUCT, `SELECT 1::BIGINT AS id, 'P1' AS product_id, 'Flat' AS display_name, false AS is_variable
      UNION ALL SELECT 2, 'P2', 'Agile', true`);
    await appendRows(AGREEMENT, `SELECT m::BIGINT AS agreement_id, DATE '2020-06-01' AS agreement_valid_from, NULL::DATE AS agreement_valid_to,
      CASE WHEN m % 2 = 0 THEN 'P1' ELSE 'P2' END AS product_id, 'MP' || lpad(CAST(m AS VARCHAR), 4, '0') AS meterpoint_id, 'A' AS account_id FROM range(300) a(m)`);
    await appendRows(METERPOINT, `SELECT 'MP' || lpad(CAST(m AS VARCHAR), 4, '0') AS meterpoint_id, '_A' AS region FROM range(300) a(m)`);
    const meterReadings = await tableFor(lake, METER_READINGS);
    ctx = {
      ports: lake, tag: 'daily-2021-02-01', runDate: '2021-02-01', meterReadings, snapshot: commit.snapshot, days: [],
      plan: { historySnapshotId: null, previousHistorySnapshotId: null, meterReadingsSnapshotId: null, newFiles: [] },
    };
  }, 120_000);

  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('every gold data file has the same bytes on each of three rebuilds', async () => {
    await buildGoldTables(ctx);
    const first = await goldFileHashes();
    for (let i = 0; i < 2; i++) {
      await buildGoldTables(ctx);
      expect(await goldFileHashes()).toEqual(first);
    }
    expect(Object.keys(first)).toHaveLength(4);
  }, 120_000);

  test('kWh totals are the exact sum of the readings, printed without binary noise', async () => {
    await buildGoldTables(ctx);
    await lake.session.run(`CREATE OR REPLACE TEMP VIEW daily AS SELECT * FROM read_parquet([${(await openTable(lake.catalog, 'gold_product_daily_consumption', lake.io).planFiles())
      .map((t) => `'${fileURLToPath(t.dataFile.file_path)}'`).join(',')}])`);
    const [row] = await lake.session.all<{ gold: number; exact: string }>(`SELECT
      (SELECT kwh_total FROM daily WHERE product_display_name = 'Flat' AND "date" = DATE '2021-01-05') AS gold,
      (SELECT CAST(sum(CAST(kwh AS DECIMAL(18, 9))) AS VARCHAR) FROM readings r
        WHERE CAST(r.interval_start AS DATE) = DATE '2021-01-05' AND CAST(substr(r.meter_id, 3) AS INTEGER) % 2 = 0) AS exact`);
    expect(row.gold).toBe(Number(row.exact));
  }, 120_000);
});
