import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureTable } from '../../src/catalog/open-table';
import { sqlString, scratchName } from '../../src/engine/duckdb-session';
import { currentSchema } from '../../src/iceberg/table-metadata';
import { assertValidTable } from '../../src/iceberg/validator';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { dataQualityHook } from '../../src/pipeline/data-quality';
import { tableFor } from '../../src/pipeline/lake-tables';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { DATA_QUALITY, READINGS_HISTORY } from '../../src/pipeline/tables';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';

type Row = [meter: string, intervalStart: string, kwh: number];

/** Commit one landing file's rows to readings_history, as ingest and commit do. */
async function commitFile(lake: LocalLake, file: string, rows: Row[]): Promise<void> {
  const history = await tableFor(lake, READINGS_HISTORY);
  const values = rows.map(([meter, start, kwh], i) =>
    `(${sqlString(meter)}, TIMESTAMPTZ ${sqlString(start)}, 30, ${kwh}, 'actual', 'default', ${sqlString(file)}, ${i + 1}, ${sqlString(file)}, TIMESTAMPTZ '2021-03-05 00:00:00+00')`);
  const scratch = scratchName('file');
  await lake.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT * FROM (VALUES ${values.join(',')}) t(meter_id, interval_start, interval_minutes, kwh, quality, source, source_file, source_row, batch_id, received_at)`);
  await history.append(await writeRowsAsDataFiles(lake.session, lake.store, await history.metadata(), { sourceSql: scratch }));
  await lake.session.run(`DROP TABLE ${scratch}`);
}

async function dataQuality(lake: LocalLake): Promise<{ day: string; duplicate_rows: bigint | null; corrections: bigint }[]> {
  await registerTableView(lake.session, lake.store, await tableFor(lake, DATA_QUALITY), 'dq');
  return lake.session.all('SELECT CAST(day AS VARCHAR) AS day, duplicate_rows, corrections FROM dq ORDER BY day');
}

describe('data quality: duplicate rows', () => {
  let lake: LocalLake;
  beforeEach(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-dq-')));
  });
  afterEach(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('rows of one file identical to an earlier row of the same file are counted per source and day', async () => {
    await commitFile(lake, 'landing/default/readings/a.csv', [
      ['m1', '2021-03-01 00:00:00+00', 1.5], ['m1', '2021-03-01 00:00:00+00', 1.5], ['m1', '2021-03-01 00:00:00+00', 1.5], // two duplicates
      ['m2', '2021-03-01 00:30:00+00', 2.0], ['m2', '2021-03-01 00:30:00+00', 2.5], // a correction within the file, not a duplicate
      ['m1', '2021-03-02 00:00:00+00', 0.7], ['m1', '2021-03-02 00:00:00+00', 0.7], // one duplicate on the next day
    ]);
    // The same reading again in another file is a redelivery (a version), not a duplicate row.
    await commitFile(lake, 'landing/default/readings/b.csv', [['m2', '2021-03-01 00:30:00+00', 2.0]]);

    await runDailySnapshot(lake, { runDate: '2021-03-05', hooks: [dataQualityHook] });

    expect(await dataQuality(lake)).toEqual([
      { day: '2021-03-01', duplicate_rows: 2n, corrections: 4n },
      { day: '2021-03-02', duplicate_rows: 1n, corrections: 1n },
    ]);
  });

  test('duplicates of files consumed by later runs add to the day\'s count; files already counted are not read again', async () => {
    await commitFile(lake, 'landing/default/readings/a.csv', [['m1', '2021-03-01 00:00:00+00', 1.5], ['m1', '2021-03-01 00:00:00+00', 1.5]]);
    await runDailySnapshot(lake, { runDate: '2021-03-05', hooks: [dataQualityHook] });
    await commitFile(lake, 'landing/default/readings/c.csv', [['m3', '2021-03-01 01:00:00+00', 0.2], ['m3', '2021-03-01 01:00:00+00', 0.2], ['m3', '2021-03-01 01:00:00+00', 0.2]]);

    await runDailySnapshot(lake, { runDate: '2021-03-06', hooks: [dataQualityHook] });

    expect((await dataQuality(lake)).map((r) => r.duplicate_rows)).toEqual([3n]);
  });

  test('a data_quality table made before the column existed gains it; rows written earlier read null', async () => {
    const old = await ensureTable(lake.catalog, DATA_QUALITY.name, lake.io, {
      ...DATA_QUALITY.definition, fields: DATA_QUALITY.definition.fields.filter((f) => f.name !== 'duplicate_rows'),
    });
    await lake.session.run(`CREATE TEMP TABLE old_row AS SELECT 'default' AS source, DATE '2021-02-01' AS day, 1 AS meters, 48::BIGINT AS expected_intervals,
      48::BIGINT AS received_intervals, 0::BIGINT AS missing_intervals, 0.0::DOUBLE AS estimated_share, 0::BIGINT AS corrections, 'daily-2021-02-02' AS tag`);
    await old.append(await writeRowsAsDataFiles(lake.session, lake.store, await old.metadata(), { sourceSql: 'old_row' }));
    await commitFile(lake, 'landing/default/readings/a.csv', [['m1', '2021-03-01 00:00:00+00', 1.5], ['m1', '2021-03-01 00:00:00+00', 1.5]]);

    await runDailySnapshot(lake, { runDate: '2021-03-05', hooks: [dataQualityHook] });

    const { metadata, metadataLocation } = await (await tableFor(lake, DATA_QUALITY)).load();
    expect(currentSchema(metadata).fields.find((f) => f.name === 'duplicate_rows')?.id).toBe(10);
    expect(metadata.schemas).toHaveLength(2);
    await assertValidTable(lake.io, metadataLocation);
    expect(await dataQuality(lake)).toEqual([
      { day: '2021-02-01', duplicate_rows: null, corrections: 0n },
      { day: '2021-03-01', duplicate_rows: 1n, corrections: 1n },
    ]);
  });
});
