import fc from 'fast-check';
import { sqlString, scratchName } from '../../src/engine/duckdb-session';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { tableFor } from '../../src/pipeline/lake-tables';
import { registerKnownAtView } from '../../src/pipeline/known-at';
import { registerLiveView } from '../../src/pipeline/live';
import { maintainTables } from '../../src/pipeline/maintenance';
import type { DayMode } from '../../src/pipeline/merge-on-read';
import { runDailySnapshot, type DailyRunOptions } from '../../src/pipeline/snapshot';
import { InvalidTimeError } from '../../src/pipeline/strict-time';
import { METER_READINGS, READINGS_HISTORY } from '../../src/pipeline/tables';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { CommitConflictError } from '../../src/iceberg/errors';
import { liveFiles, planFiles } from '../../src/iceberg/scan';
import { currentSnapshot } from '../../src/iceberg/table-metadata';
import { FileContent } from '../../src/iceberg/types';
import { assertValidTable } from '../../src/iceberg/validator';
import { icebirdRows } from '../helpers/icebird';
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

// Few keys (4 meters × 6 slots on each of 3 days), so corrections and repeated touches of a day are common.
const slotArb = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 5 })).map(([day, i]) => day * 48 + i * 9);
const versionArb = fc.record({ meter: fc.integer({ min: 0, max: 3 }), slot: slotArb, kwh: fc.integer({ min: 0, max: 999 }).map((n) => n / 10) });
const batchArb = fc.record({ receivedAt: fc.integer({ min: 0, max: 20 }).map((h) => BASE + 3 * 86_400_000 + h * 3_600_000), versions: fc.array(versionArb, { minLength: 1, maxLength: 12 }) });
const scenarioArb = fc.record({
  batches: fc.array(batchArb, { minLength: 1, maxLength: 8 }),
  // after which committed batch a run happens, and the order batches are committed in
  runAfter: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
});

/** Each behaviour holds with the default thresholds and with merge-on-read forced (copy-on-write folding a day after 2 delete files). */
const MODES: [string, DailyRunOptions['mergeOnRead'], DayMode[]][] = [
  ['default thresholds', undefined, ['copy-on-write']],
  ['merge-on-read forced', { maxNewKeyFraction: 1000, maxDeleteFiles: 2 }, ['copy-on-write', 'merge-on-read']],
];

describe.each(MODES)('daily snapshot: latest version per reading (%s)', (_mode, mergeOnRead, modesExercised) => {
  const modesSeen = new Set<DayMode>();
  const run = async (lake: LocalLake, opts: DailyRunOptions) => {
    const result = await runDailySnapshot(lake, { ...opts, mergeOnRead });
    for (const d of result.days) modesSeen.add(d.mode);
    return result;
  };

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
          await run(lake, { runDate: `2021-03-${String(10 + i).padStart(2, '0')}` });
          expect(await actualSnapshot(lake)).toEqual(expectedSnapshot(committed));
        }
      }
      // A second run with nothing new changes nothing.
      await run(lake, { runDate: '2021-03-30' });
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot(committed));
    })), { numRuns: 10, seed: 20261122 });
    expect([...modesSeen]).toEqual(expect.arrayContaining(modesExercised));
  });

  test('a batch committed after a run was planned is picked up by the next run, once', async () => {
    await withLake(async (lake) => {
      const first: Batch = { file: 'landing/test/readings/a.csv', receivedAt: BASE + 86_400_000, versions: [{ meter: 1, slot: 1, kwh: 1 }] };
      const late: Batch = { file: 'landing/test/readings/b.csv', receivedAt: BASE + 86_400_000 + 1000, versions: [{ meter: 1, slot: 1, kwh: 2 }, { meter: 2, slot: 5, kwh: 3 }] };
      await commitBatch(lake, first);
      const run1 = await run(lake, { runDate: '2021-03-02', afterPlan: () => commitBatch(lake, late) });
      expect(run1.newVersions).toBe(1);
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot([first]));
      const run2 = await run(lake, { runDate: '2021-03-03' });
      expect(run2.newVersions).toBe(2);
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot([first, late]));
      const run3 = await run(lake, { runDate: '2021-03-04' });
      expect(run3.newVersions).toBe(0);
    });
  });

  test('time travel to each daily tag returns exactly that day\'s snapshot', async () => {
    await withLake(async (lake) => {
      const batches: Batch[] = [1, 2, 3].map((d) => ({ file: `landing/test/readings/d${d}.csv`, receivedAt: BASE + d * 86_400_000, versions: [{ meter: 0, slot: 2, kwh: d }, { meter: d, slot: d, kwh: d }] }));
      const expected: string[][] = [];
      for (const [i, b] of batches.entries()) {
        await commitBatch(lake, b);
        await run(lake, { runDate: `2021-03-0${i + 2}` });
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
        await run(lake, { runDate: `2021-03-0${i + 2}` });
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
      await run(lake, { runDate: '2021-03-02' });
      await commitBatch(lake, after);
      const live = await registerLiveView(lake, 'live');
      expect(live.pendingFiles).toBe(1);
      const rows = await lake.session.all<{ k: string }>(`SELECT concat_ws('|', meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M:%S.000Z'), CAST(round(kwh * 10) AS BIGINT), source_file, source_row, version_count, strftime(first_received_at, '%Y-%m-%dT%H:%M:%S.%gZ')) k FROM live`);
      expect(rows.map((r) => r.k).sort()).toEqual(expectedSnapshot([first, after]));
    });
  });

  test('meter_readings_live still shows history committed after the last run once compaction rewrote its files', async () => {
    await withLake(async (lake) => {
      // Prepare: two pending batches received the same day, so compaction folds their files into one.
      const first: Batch = { file: 'landing/test/readings/c1.csv', receivedAt: BASE + 86_400_000, versions: [{ meter: 1, slot: 3, kwh: 1 }] };
      const pending: Batch[] = [2, 3].map((n) => ({
        file: `landing/test/readings/c${n}.csv`, receivedAt: BASE + 2 * 86_400_000 + n * 60_000, versions: [{ meter: 1, slot: 3, kwh: n }, { meter: n, slot: 9, kwh: n }],
      }));
      await commitBatch(lake, first);
      await run(lake, { runDate: '2021-03-02' });
      for (const b of pending) await commitBatch(lake, b);
      const compaction = await maintainTables(lake, { tables: [READINGS_HISTORY.name], steps: ['compact'] });

      // Act
      const live = await registerLiveView(lake, 'live');

      // Assert
      expect(compaction.tables[0].compact!.removedFiles).toHaveLength(2);
      expect(live.pendingFiles).toBe(2);
      const rows = await lake.session.all<{ k: string }>(`SELECT concat_ws('|', meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M:%S.000Z'), CAST(round(kwh * 10) AS BIGINT), source_file, source_row, version_count, strftime(first_received_at, '%Y-%m-%dT%H:%M:%S.%gZ')) k FROM live`);
      expect(rows.map((r) => r.k).sort()).toEqual(expectedSnapshot([first, ...pending]));
    });
  });
});

describe('daily snapshot: merge-on-read of lightly touched days', () => {
  const DAY0 = Math.floor(BASE / 86_400_000);
  /** A full first day: 4 meters × 48 slots. */
  const fullDay: Batch = {
    file: 'landing/test/readings/full.csv', receivedAt: BASE + 86_400_000,
    versions: [0, 1, 2, 3].flatMap((meter) => Array.from({ length: 48 }, (_, slot) => ({ meter, slot, kwh: meter + slot / 10 }))),
  };
  const correction = (n: number, versions: Version[]): Batch => ({ file: `landing/test/readings/c${n}.csv`, receivedAt: BASE + (1 + n) * 86_400_000, versions });

  async function dayFiles(lake: LocalLake) {
    const table = await tableFor(lake, METER_READINGS);
    const m = await table.metadata();
    const entries = (await liveFiles(table.io, m, currentSnapshot(m)!)).filter((e) => e.data_file.partition.interval_start_day === DAY0);
    return {
      data: entries.filter((e) => e.data_file.content === FileContent.DATA).map((e) => e.data_file.file_path).sort(),
      deletes: entries.filter((e) => e.data_file.content === FileContent.POSITION_DELETES).map((e) => e.data_file),
      tasks: (await planFiles(table.io, m)).filter((t) => t.dataFile.partition.interval_start_day === DAY0),
      summary: currentSnapshot(m)!.summary,
    };
  }

  test('a lightly touched day gets one new data file and one position delete file; its old files stay', async () => {
    await withLake(async (lake) => {
      // Prepare
      await commitBatch(lake, fullDay);
      await runDailySnapshot(lake, { runDate: '2021-03-02' });
      const before = await dayFiles(lake);
      const fix = correction(1, [{ meter: 1, slot: 3, kwh: 50 }, { meter: 2, slot: 40, kwh: 60 }, { meter: 2, slot: 40, kwh: 61 }]);
      await commitBatch(lake, fix);

      // Act
      const result = await runDailySnapshot(lake, { runDate: '2021-03-03' });

      // Assert
      const after = await dayFiles(lake);
      expect(result.days.map((d) => [d.mode, d.added.length, d.addedDeletes.length, d.removed.length, d.deletedRows, d.rows])).toEqual([['merge-on-read', 1, 1, 0, 2, 2]]);
      expect(after.data).toEqual([...before.data, result.days[0].added[0].file_path].sort());
      const [deleteFile] = after.deletes;
      expect(after.deletes).toHaveLength(1);
      expect(deleteFile).toMatchObject({ content: FileContent.POSITION_DELETES, record_count: 2, referenced_data_file: before.data[0], partition: { interval_start_day: DAY0 } });
      expect(deleteFile.lower_bounds?.find((b) => b.key === 2147483546)?.value.toString()).toBe(before.data[0]);
      expect(after.tasks.find((t) => t.dataFile.file_path === before.data[0])?.deletes.map((d) => d.file.file_path)).toEqual([deleteFile.file_path]);
      expect(after.summary).toMatchObject({ 'meterlake.days-merge-on-read': '1', 'meterlake.days-copy-on-write': '0', 'added-position-deletes': '2', 'total-delete-files': '1', 'total-position-deletes': '2' });
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot([fullDay, fix]));
    });
  });

  test('after enough light touches the day is rewritten copy-on-write and its delete files leave the snapshot', async () => {
    await withLake(async (lake) => {
      // Prepare: two merge-on-read runs, the second touching a row the first already replaced
      const batches = [fullDay, correction(1, [{ meter: 0, slot: 1, kwh: 7 }]), correction(2, [{ meter: 0, slot: 1, kwh: 8 }, { meter: 3, slot: 9, kwh: 9 }]), correction(3, [{ meter: 2, slot: 2, kwh: 2 }])];
      const modes: string[] = [];
      for (const [i, b] of batches.slice(0, 3).entries()) {
        await commitBatch(lake, b);
        modes.push(...(await runDailySnapshot(lake, { runDate: `2021-03-0${i + 2}`, mergeOnRead: { maxDeleteFiles: 2 } })).days.map((d) => d.mode));
      }
      const folded = await dayFiles(lake);
      const original = folded.tasks.find((t) => t.dataFile.record_count === 192)?.dataFile.file_path;
      await commitBatch(lake, batches[3]);

      // Act
      const result = await runDailySnapshot(lake, { runDate: '2021-03-05', mergeOnRead: { maxDeleteFiles: 2 } });

      // Assert
      expect(modes).toEqual(['copy-on-write', 'merge-on-read', 'merge-on-read']);
      // The second delete file names the first run's winner of (m0, slot 1), not its already deleted original again.
      expect(folded.deletes.map((d) => [d.record_count, d.referenced_data_file ?? null]).sort()).toEqual([[1, original], [2, null]]);
      expect(result.days.map((d) => d.mode)).toEqual(['copy-on-write']);
      const after = await dayFiles(lake);
      expect(after.deletes).toEqual([]);
      expect(after.data).toEqual(result.days[0].added.map((f) => f.file_path));
      expect(after.tasks.flatMap((t) => t.deletes)).toEqual([]);
      expect(after.summary).toMatchObject({
        'removed-delete-files': '2', 'removed-position-delete-files': '2', 'removed-position-deletes': '3',
        'deleted-data-files': '3', 'total-delete-files': '0', 'total-position-deletes': '0', 'total-data-files': '1', 'total-records': '192',
      });
      expect(await actualSnapshot(lake)).toEqual(expectedSnapshot(batches));
    });
  });

  test('a merge-on-read commit conflicts when a data file its delete file names left the table after planning', async () => {
    await withLake(async (lake) => {
      // Prepare
      await commitBatch(lake, fullDay);
      await runDailySnapshot(lake, { runDate: '2021-03-02' });
      const [original] = (await dayFiles(lake)).data;
      await commitBatch(lake, correction(1, [{ meter: 1, slot: 3, kwh: 50 }]));
      const table = await tableFor(lake, METER_READINGS);
      const removeOriginal = async () => { await table.commit({ operation: 'delete', removePaths: [original] }); };

      // Act
      const run = runDailySnapshot(lake, { runDate: '2021-03-03', afterPlan: removeOriginal });

      // Assert
      await expect(run).rejects.toThrow(CommitConflictError);
      await expect(run).rejects.toThrow(/the change refers to are no longer in the table/);
    });
  });

  test('an independent reader (icebird) reads the same rows as our scan after merge-on-read runs', async () => {
    await withLake(async (lake) => {
      // Prepare
      const batches = [fullDay, correction(1, [{ meter: 0, slot: 1, kwh: 7 }, { meter: 1, slot: 47, kwh: 3 }]), correction(2, [{ meter: 0, slot: 1, kwh: 8 }])];
      for (const [i, b] of batches.entries()) {
        await commitBatch(lake, b);
        await runDailySnapshot(lake, { runDate: `2021-03-0${i + 2}` });
      }
      const table = await tableFor(lake, METER_READINGS);
      const loaded = await table.load();

      // Act
      const rows = await icebirdRows(loaded.metadata.location, loaded.metadataLocation.split('/').pop()!);

      // Assert
      expect((await dayFiles(lake)).deletes).toHaveLength(2);
      const key = (r: Record<string, unknown>) => `m${String(r.meter_id).slice(1)}|${toIso(r.interval_start)}|${Math.round(Number(r.kwh) * 10)}|${r.version_count}`;
      const ours = (await actualSnapshot(lake)).map((k) => k.split('|')).map(([m, t, kwh, , , count]) => `${m}|${t}|${kwh}|${count}`).sort();
      expect(rows.map(key).sort()).toEqual(ours);
    });
  });

  test('the table stays valid Iceberg after merge-on-read and copy-on-write runs', async () => {
    await withLake(async (lake) => {
      // Prepare
      const batches = [fullDay, correction(1, [{ meter: 0, slot: 1, kwh: 7 }]), correction(2, [{ meter: 3, slot: 5, kwh: 8 }]), correction(3, [{ meter: 2, slot: 9, kwh: 1 }])];

      // Act
      for (const [i, b] of batches.entries()) {
        await commitBatch(lake, b);
        await runDailySnapshot(lake, { runDate: `2021-03-0${i + 2}`, mergeOnRead: { maxDeleteFiles: 2 } });
      }

      // Assert
      const { metadataLocation } = await (await tableFor(lake, METER_READINGS)).load();
      await expect(assertValidTable(lake.io, metadataLocation, { duckdb: lake.session })).resolves.toBeUndefined();
    });
  });
});

function toIso(v: unknown): string {
  const ms = v instanceof Date ? v.getTime() : Number(BigInt(v as bigint) / 1000n);
  return new Date(ms).toISOString();
}

describe('daily snapshot: run date', () => {
  it('refuses a date that is not a real day before any work, never tagging another day', () => withLake(async (lake) => {
    await expect(runDailySnapshot(lake, { runDate: '2021-02-30' })).rejects.toThrow(InvalidTimeError);
    expect(await lake.catalog.listTables()).toEqual([]);
  }));
});
