import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ingestAndCommit, emptyTotals, landLocalFile } from '../../src/local/landing';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { goldTablesHook } from '../../src/pipeline/gold';
import { tableFor } from '../../src/pipeline/lake-tables';
import { REFERENCE_TABLES } from '../../src/pipeline/reference';
import { runDailySnapshot } from '../../src/pipeline/snapshot';

/** A deployed lake creates the reference tables empty (the views name them) before any reference drop. */
describe('gold tables before the first reference drop', () => {
  let lake: LocalLake;
  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-gold-empty-')));
    for (const definition of Object.values(REFERENCE_TABLES)) await tableFor(lake, definition);
    const csv = path.join(lake.dir, 'readings.csv');
    await writeFile(csv, 'meter_id,interval_start,interval_minutes,kwh,quality\nMTR-1,2021-03-01T00:00:00Z,30,1.5,actual\n');
    await ingestAndCommit(lake, [await landLocalFile(lake, csv, 'landing/default/readings')], emptyTotals());
  });
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('the gold hook builds nothing and says unchanged while the reference tables are empty', async () => {
    const run = await runDailySnapshot(lake, { runDate: '2021-03-02', hooks: [goldTablesHook()] });
    expect(run.hooks).toEqual([{ name: 'gold_tables', outcome: 'unchanged' }]);
    expect((await lake.catalog.listTables()).filter((t) => t.startsWith('gold_'))).toEqual([]);
  });
});
