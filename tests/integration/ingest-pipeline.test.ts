import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectedBadRows, expectedReadingVersions, generateDemo } from '../../src/demo';
import type { DemoContentOptions, Drop } from '../../src/demo/types';
import { emptyTotals, ingestAndCommit, localLandingEvent } from '../../src/local/landing';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { registerLakeTables } from '../../src/local/tables-view';

const DEMO: DemoContentOptions = { seed: 7, meters: 12, days: 3, recentDays: 1, octopusMetersPerFile: 1000 };

async function newLake(): Promise<LocalLake> {
  return openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-ingest-')));
}

async function historyRows(lake: LocalLake): Promise<string[]> {
  await registerLakeTables(lake);
  const rows = await lake.session.all<{ k: string }>(
    `SELECT concat_ws('|', meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M:%SZ'), interval_minutes, round(kwh, 6), quality, source, source_file, source_row, strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ')) AS k FROM readings_history`,
  );
  return rows.map((r) => r.k).sort();
}

async function deliver(lake: LocalLake, drops: Drop[]) {
  const events = [];
  for (const d of drops) events.push(await localLandingEvent(lake, d.key, d.arrivalTime));
  return ingestAndCommit(lake, events, emptyTotals());
}

describe('ingest of a generated data set', () => {
  let lake: LocalLake;
  let drops: Drop[];
  beforeAll(async () => {
    lake = await newLake();
    drops = (await generateDemo({ ...DEMO, lakeDir: lake.dir })).drops.filter((d) => d.kind === 'readings');
    for (let i = 0; i < drops.length; i += 25) await deliver(lake, drops.slice(i, i + 25));
  });
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('every generated reading version is in readings_history exactly once', async () => {
    const expected = [...expectedReadingVersions(DEMO)].map((r) =>
      [r.meter_id, r.interval_start, r.interval_minutes, Number(r.kwh.toFixed(6)), r.quality, r.source, r.source_file, r.source_row, r.received_at.replace(/\.\d+Z$/, '.000Z')].join('|'),
    ).sort();
    expect(await historyRows(lake)).toEqual(expected);
  });

  test('every planted bad row is in rejected_readings with its file and row', async () => {
    const expected = [...expectedBadRows(DEMO)].map((r) => `${r.source_file}|${r.source_row}`).sort();
    const rows = await lake.session.all<{ k: string }>(`SELECT source_file || '|' || source_row AS k FROM rejected_readings`);
    expect(rows.map((r) => r.k).sort()).toEqual(expected);
  });

  test('every planted bad file is quarantined with a reason file beside it', async () => {
    const bad = drops.filter((d) => d.badFile);
    const logged = await lake.session.all<{ object_key: string }>(`SELECT object_key FROM ingest_log WHERE status = 'quarantined'`);
    expect(logged.map((r) => r.object_key).sort()).toEqual(bad.map((d) => d.key).sort());
    for (const d of bad) expect(await lake.store.head(`quarantine/${d.key.replace(/^landing\//, '')}.reason.json`)).toBeDefined();
  });

  test('for every file, rows in = rows accepted + rows rejected', async () => {
    const rows = await lake.session.all(`SELECT object_key FROM ingest_log WHERE rows_in <> rows_accepted + rows_rejected`);
    expect(rows).toEqual([]);
  });
});

describe('redelivery and ordering', () => {
  test('delivering the same objects three times and in shuffled order leaves identical history', async () => {
    const inOrder = await newLake();
    const shuffled = await newLake();
    try {
      const drops = (await generateDemo({ ...DEMO, days: 2, lakeDir: inOrder.dir })).drops.filter((d) => d.kind === 'readings');
      await generateDemo({ ...DEMO, days: 2, lakeDir: shuffled.dir });
      await deliver(inOrder, drops);

      const reversed = [...drops].reverse();
      const half = Math.floor(reversed.length / 2);
      await deliver(shuffled, reversed.slice(0, half));
      await deliver(shuffled, drops);
      const again = await deliver(shuffled, reversed);
      expect(again.committed).toEqual([]);

      expect(await historyRows(shuffled)).toEqual(await historyRows(inOrder));
    } finally {
      for (const l of [inOrder, shuffled]) {
        l.close();
        await rm(l.dir, { recursive: true, force: true });
      }
    }
  });
});
