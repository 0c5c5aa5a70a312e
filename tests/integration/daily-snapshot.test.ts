import fc from 'fast-check';
import { sqlString, scratchName } from '../../src/engine/duckdb-session';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { tableFor } from '../../src/pipeline/lake-tables';
import { registerKnownAtView } from '../../src/pipeline/known-at';
import { registerLiveView } from '../../src/pipeline/live';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { METER_READINGS, READINGS_HISTORY } from '../../src/pipeline/tables';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

interface Version { meter: number; slot: number; kwh: number }
interface Batch { file: string; receivedAt: number; versions: Version[] }

const BASE = Date.parse('2021-03-01T00:00:00Z');
const SLOT_MS = 30 * 60_000;

/** Write a batch straight into readings_history (what ingest + commit do for one landing object). */
async function commitBatch(lake: LocalLake, b: Batch): Promise<void> {
  const history = await tableFor(lake, READINGS_HISTORY);
  const values = b.versions.map((v, i) =>
    `('m${v.meter}', to_timestamp(${(BASE + v.slot * SLOT_MS) / 1000}), 30, ${v.kwh}, 'actual', 'test', ${sqlString(b.file)}, ${i + 1}, ${sqlString(b.file)}, to_timestamp(${b.receivedAt / 1000}))`);
  const scratch = scratchName('batch');
  await lake.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT * FROM (VALUES ${values.join(',')}) t(meter_id, interval_start, interval_minutes, kwh, quality, source, source_file, source_row, batch_id, received_at)`);
  const files = await writeRowsAsDataFiles(lake.session, lake.store, await history.metadata(), { sourceSql: scratch });
  await lake.session.run(`DROP TABLE ${scratch}`);
  await history.append(files, { 'meterlake.batch-ids': b.file });
}

/** The reference: latest version per key by (received_at, source_file, source_row), in plain TypeScript. */
function expectedSnapshot(batches: Batch[]): string[] {
  const best = new Map<string, { order: [number, string, number]; kwh: number; count: number; first: number }>();
  for (const b of batches) {
    b.versions.forEach((v, i) => {
      const key = `m${v.meter}|${new Date(BASE + v.slot * SLOT_MS).toISOString()}`;
      const order: [number, string, number] = [b.receivedAt, b.file, i + 1];
      const cur = best.get(key);
      const newer = !cur || order[0] > cur.order[0] || (order[0] === cur.order[0] && (order[1] > cur.order[1] || (order[1] === cur.order[1] && order[2] > cur.order[2])));
      best.set(key, {
        order: newer ? order : cur!.order, kwh: newer ? v.kwh : cur!.kwh,
        count: (cur?.count ?? 0) + 1, first: Math.min(cur?.first ?? Infinity, b.receivedAt),
      });
    });
  }
  return [...best.entries()].map(([k, v]) => `${k}|${Math.round(v.kwh * 10)}|${v.order[1]}|${v.order[2]}|${v.count}|${new Date(v.first).toISOString()}`).sort();
}

async function actualSnapshot(lake: LocalLake, selector?: { ref: string }, knownAtMs?: number): Promise<string[]> {
  const table = await tableFor(lake, METER_READINGS);
  if (knownAtMs === undefined) await registerTableView(lake.session, lake.store, table, 'mr', { snapshot: selector });
  else await registerKnownAtView(lake, 'mr', knownAtMs);
  const rows = await lake.session.all<{ k: string }>(`SELECT concat_ws('|', meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M:%S.000Z'), CAST(round(kwh * 10) AS BIGINT), source_file, source_row, version_count, strftime(first_received_at, '%Y-%m-%dT%H:%M:%S.%gZ')) k FROM mr`);
  return rows.map((r) => r.k).sort();
}

async function withLake<T>(fn: (lake: LocalLake) => Promise<T>): Promise<T> {
  const lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-daily-')));
  try {
    return await fn(lake);
  } finally {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  }
}

const versionArb = fc.record({ meter: fc.integer({ min: 0, max: 3 }), slot: fc.integer({ min: 0, max: 3 * 48 - 1 }), kwh: fc.integer({ min: 0, max: 999 }).map((n) => n / 10) });
const batchArb = fc.record({ receivedAt: fc.integer({ min: 0, max: 20 }).map((h) => BASE + 3 * 86_400_000 + h * 3_600_000), versions: fc.array(versionArb, { minLength: 1, maxLength: 12 }) });
const scenarioArb = fc.record({
  batches: fc.array(batchArb, { minLength: 1, maxLength: 8 }),
  // after which committed batch a run happens, and the order batches are committed in
  runAfter: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
});

describe('daily snapshot: latest version per reading', () => {
  test('random streams of new readings, corrections, duplicates and late commits match a reference after every run', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, async (s) => withLake(async (lake) => {
      const batches: Batch[] = s.batches.map((b, i) => ({ ...b, file: `landing/test/readings/f${String(i).padStart(2, '0')}.csv` }));
      // Shuffle commit order: a batch may commit after one that arrived later (a late commit).
      const order = batches.map((b, i) => ({ b, k: s.order[i] })).sort((x, y) => x.k - y.k).map((x) => x.b);
      const committed: Batch[] = [];
      for (const [i, b] of order.entries()) {
        await commitBatch(lake, b);
        committed.push(b);
        if (s.runAfter[i] || i === order.length - 1) {
          await runDailySnapshot(lake, { runDate: `2021-03-${String(10 + i).padStart(2, '0')}` });
          expect(await actualSnapshot(lake)).toEqual(expectedSnapshot(committed));
        }
      }
      // A second run with nothing new changes nothing.
      await runDailySnapshot(lake, { runDate: '2021-03-30' });
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot(committed));
    })), { numRuns: 12, seed: 20261122 });
  });

  test('a batch committed after a run was planned is picked up by the next run, once', async () => {
    await withLake(async (lake) => {
      const first: Batch = { file: 'landing/test/readings/a.csv', receivedAt: BASE + 86_400_000, versions: [{ meter: 1, slot: 1, kwh: 1 }] };
      const late: Batch = { file: 'landing/test/readings/b.csv', receivedAt: BASE + 86_400_000 + 1000, versions: [{ meter: 1, slot: 1, kwh: 2 }, { meter: 2, slot: 5, kwh: 3 }] };
      await commitBatch(lake, first);
      const run1 = await runDailySnapshot(lake, { runDate: '2021-03-02', afterPlan: () => commitBatch(lake, late) });
      expect(run1.newVersions).toBe(1);
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot([first]));
      const run2 = await runDailySnapshot(lake, { runDate: '2021-03-03' });
      expect(run2.newVersions).toBe(2);
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot([first, late]));
      const run3 = await runDailySnapshot(lake, { runDate: '2021-03-04' });
      expect(run3.newVersions).toBe(0);
    });
  });

  test('time travel to each daily tag returns exactly that day\'s snapshot', async () => {
    await withLake(async (lake) => {
      const batches: Batch[] = [1, 2, 3].map((d) => ({ file: `landing/test/readings/d${d}.csv`, receivedAt: BASE + d * 86_400_000, versions: [{ meter: 0, slot: 2, kwh: d }, { meter: d, slot: d, kwh: d }] }));
      const expected: string[][] = [];
      for (const [i, b] of batches.entries()) {
        await commitBatch(lake, b);
        await runDailySnapshot(lake, { runDate: `2021-03-0${i + 2}` });
        expected.push(expectedSnapshot(batches.slice(0, i + 1)));
      }
      for (const [i] of batches.entries()) expect(await actualSnapshot(lake, { ref: `daily-2021-03-0${i + 2}` })).toEqual(expected[i]);
    });
  });

  test('as known at T, rebuilt from history alone, equals the daily tag that consumed exactly that history', async () => {
    await withLake(async (lake) => {
      const batches: Batch[] = [1, 2, 3].map((d) => ({ file: `landing/test/readings/k${d}.csv`, receivedAt: BASE + d * 86_400_000, versions: [{ meter: 0, slot: 2, kwh: d }, { meter: d, slot: 7, kwh: d * 2 }] }));
      for (const [i, b] of batches.entries()) {
        await commitBatch(lake, b);
        await runDailySnapshot(lake, { runDate: `2021-03-0${i + 2}` });
      }
      for (const [i, b] of batches.entries()) {
        expect(await actualSnapshot(lake, undefined, b.receivedAt)).toEqual(await actualSnapshot(lake, { ref: `daily-2021-03-0${i + 2}` }));
      }
    });
  });

  test('meter_readings_live shows history committed after the last run, as the next run will', async () => {
    await withLake(async (lake) => {
      const first: Batch = { file: 'landing/test/readings/l1.csv', receivedAt: BASE + 86_400_000, versions: [{ meter: 1, slot: 3, kwh: 1 }, { meter: 2, slot: 4, kwh: 2 }] };
      const after: Batch = { file: 'landing/test/readings/l2.csv', receivedAt: BASE + 2 * 86_400_000, versions: [{ meter: 1, slot: 3, kwh: 5 }, { meter: 3, slot: 9, kwh: 7 }] };
      await commitBatch(lake, first);
      await runDailySnapshot(lake, { runDate: '2021-03-02' });
      await commitBatch(lake, after);
      const live = await registerLiveView(lake, 'live');
      expect(live.pendingFiles).toBe(1);
      const rows = await lake.session.all<{ k: string }>(`SELECT concat_ws('|', meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M:%S.000Z'), CAST(round(kwh * 10) AS BIGINT), source_file, source_row, version_count, strftime(first_received_at, '%Y-%m-%dT%H:%M:%S.%gZ')) k FROM live`);
      expect(rows.map((r) => r.k).sort()).toEqual(expectedSnapshot([first, after]));
    });
  });
});
