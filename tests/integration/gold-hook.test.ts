import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openTable } from '../../src/catalog/open-table';
import { runDemoIngest } from '../../src/local/demo-run';
import { dailyHooks } from '../../src/pipeline/daily-hooks';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { registerLakeTables } from '../../src/local/tables-view';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { registerTableView } from '../../src/pipeline/table-files';

describe('gold tables built by the daily run', () => {
  let lake: LocalLake;
  const tags: string[] = [];
  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-gold-')));
    await runDemoIngest(lake, {
      meters: 15, days: 3, seed: 3,
      afterDay: async (day) => { tags.push((await runDailySnapshot(lake, { runDate: day, hooks: dailyHooks() })).tag); },
    });
  });
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('each gold table carries the daily tag of the snapshot it was built from', async () => {
    const gold = (await lake.catalog.listTables()).filter((t) => t.startsWith('gold_'));
    expect(gold.sort()).toEqual(['gold_active_agreements', 'gold_halfhour_consumption', 'gold_halfhour_product_average', 'gold_product_daily_consumption']);
    for (const name of gold) expect(Object.keys((await openTable(lake.catalog, name, lake.io).metadata()).refs)).toContain(tags.at(-1));
  });

  test('half-hour consumption at a daily tag adds up to meter_readings at the same tag', async () => {
    const tag = tags.at(-1)!;
    await registerTableView(lake.session, lake.store, openTable(lake.catalog, 'meter_readings', lake.io), 'mr_at_tag', { snapshot: { ref: tag } });
    await registerTableView(lake.session, lake.store, openTable(lake.catalog, 'gold_halfhour_consumption', lake.io), 'hh_at_tag', { snapshot: { ref: tag } });
    const [a] = await lake.session.all<{ s: number }>('SELECT round(sum(kwh), 6) s FROM mr_at_tag');
    const [b] = await lake.session.all<{ s: number }>('SELECT round(sum(kwh_total), 6) s FROM hh_at_tag');
    expect(b.s).toBeCloseTo(a.s, 6);
  });

  test('the analysts\' views are queryable beside the tables', async () => {
    await registerLakeTables(lake);
    const [row] = await lake.session.all<{ n: bigint }>('SELECT count(*) n FROM readings_enriched WHERE region IS NOT NULL');
    expect(Number(row.n)).toBeGreaterThan(0);
  });
});
