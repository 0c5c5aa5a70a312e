import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openTable } from '../../src/catalog/open-table';
import { describeRun } from '../../src/local/commands/snapshot';
import { runDemoIngest } from '../../src/local/demo-run';
import { dailyHooks } from '../../src/pipeline/daily-hooks';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { tableFor } from '../../src/pipeline/lake-tables';
import { PRODUCT } from '../../src/pipeline/reference';
import { nothingDone, runDailySnapshot } from '../../src/pipeline/snapshot';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';

// A daily run with nothing new must cost next to nothing: these tests count what it commits
// (metadata pointers and snapshots of every table), never how long it takes.
describe('daily run with nothing new', () => {
  let lake: LocalLake;
  const days: string[] = [];
  const lastDay = () => days.at(-1)!;

  /** Per table: its metadata file (moves with any commit, refs included) and its snapshot count. */
  async function lakeState(): Promise<Record<string, { metadata: string; snapshots: number; refs: Record<string, bigint> }>> {
    const state: Record<string, { metadata: string; snapshots: number; refs: Record<string, bigint> }> = {};
    for (const name of (await lake.catalog.listTables()).sort()) {
      const { metadata, metadataLocation } = await openTable(lake.catalog, name, lake.io).load();
      state[name] = {
        metadata: metadataLocation, snapshots: metadata.snapshots.length,
        refs: Object.fromEntries(Object.entries(metadata.refs).map(([k, r]) => [k, r['snapshot-id']])),
      };
    }
    return state;
  }

  const run = (runDate: string) => runDailySnapshot(lake, { runDate, hooks: dailyHooks() });

  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-idle-')));
    await runDemoIngest(lake, { meters: 8, days: 2, seed: 5, afterDay: async (day) => { days.push(day); await run(day); } });
    expect(days.length).toBeGreaterThan(1);
  }, 120_000);

  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('re-running the same date commits nothing to any table and says so', async () => {
    const before = await lakeState();

    const result = await run(lastDay());

    expect(nothingDone(result)).toBe(true);
    expect(await lakeState()).toEqual(before);
    expect(describeRun(result)).toMatch(/^nothing new since readings_history snapshot \d+; nothing done/);
  });

  test('re-running a past date, whose tag names an older snapshot, moves no tag of any table', async () => {
    const before = await lakeState();

    const result = await run(days[0]);

    expect(nothingDone(result)).toBe(true);
    expect(result.hooks).toEqual([]);
    expect(await lakeState()).toEqual(before);
  });

  test('a new date tags the existing meter_readings, data_quality and gold snapshots, and rebuilds nothing', async () => {
    const before = await lakeState();
    const gold = Object.keys(before).filter((t) => t.startsWith('gold_'));

    const result = await run('2030-01-01');

    const after = await lakeState();
    expect(result.committed).toBe(false);
    expect(result.hooks).toEqual([{ name: 'data_quality', outcome: 'tagged' }, { name: 'gold_tables', outcome: 'tagged' }, { name: 'device_energy_repair', outcome: 'unchanged' }, { name: 'demand_forecast', outcome: 'tagged' }]);
    for (const name of ['meter_readings', 'data_quality', ...gold]) expect(after[name].snapshots).toBe(before[name].snapshots);
    expect(gold).toHaveLength(4);
    for (const name of ['meter_readings', 'data_quality', 'snapshot_log', ...gold]) {
      const current = (await openTable(lake.catalog, name, lake.io).metadata())['current-snapshot-id'];
      expect(after[name].refs['daily-2030-01-01']).toBe(current);
    }
    expect(after.snapshot_log.snapshots).toBe(before.snapshot_log.snapshots + 1);
  });

  test('new reference data rebuilds the gold tables although no reading is new', async () => {
    // A reference drop: the product table replaced by a new snapshot (same rows).
    const product = await tableFor(lake, PRODUCT);
    await registerTableView(lake.session, lake.store, product, 'product_now');
    const files = await writeRowsAsDataFiles(lake.session, lake.store, await product.metadata(), { sourceSql: 'product_now' });
    await product.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true });
    const before = await lakeState();

    const result = await run('2030-01-01');

    expect(result.committed).toBe(false);
    expect(result.hooks.find((h) => h.name === 'gold_tables')?.outcome).toBe('rebuilt');
    expect((await lakeState()).gold_halfhour_consumption.snapshots).toBe(before.gold_halfhour_consumption.snapshots + 1);
  });
});
