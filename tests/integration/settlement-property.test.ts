/**
 * Property: for random months of readings — several partners in different settlement zones, DST
 * days, 15/30/60-minute meters, corrections, missing intervals, several demand-response events —
 * the reports the settlement SQL produces (through the real history → daily snapshot path) equal
 * an independent plain-TypeScript implementation of the same rules (tests/helpers/settlement-reference.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/demo/prng';
import { sqlString } from '../../src/engine/duckdb-session';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { tableFor } from '../../src/pipeline/lake-tables';
import { settleMonth } from '../../src/pipeline/settlement/settle';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { READINGS_HISTORY } from '../../src/pipeline/tables';
import { writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { referenceReports, type RefEvent, type RefVersion } from '../helpers/settlement-reference';
import { writeDrTables } from '../helpers/settlement-lake';

const PARTNERS = { alpha: 'Europe/London', beta: 'America/New_York' };
const QUALITIES = ['actual', 'actual', 'actual', 'estimated', 'substituted'] as const;
const DAY = 86_400_000;

/** A random case: months chosen to hold DST days of one or both zones. */
function randomCase(seed: number) {
  const rng = new Rng(seed);
  const month = rng.pick(['2021-03', '2021-10', '2021-11']);
  const monthStart = Date.parse(`${month}-01T00:00:00Z`);
  const events: RefEvent[] = [];
  for (let i = 0; i < rng.int(2, 3); i++) {
    let day: string;
    do day = new Date(monthStart + rng.int(2, 25) * DAY).toISOString().slice(0, 10);
    while ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()));
    const start = rng.int(10, 19);
    events.push({ event_id: `EV${i + 1}`, program: rng.pick(['P', 'Q']), partner: rng.pick(Object.keys(PARTNERS)), event_day: day, start_hour: start,
      end_hour: start + rng.int(1, 3), price_nano: BigInt(rng.int(1, 900)) * 1_000_000n, floor_at_zero: rng.next() < 0.5 });
  }
  const versions: RefVersion[] = [];
  const corrections: RefVersion[] = [];
  const enrollments: { program: string; meter_id: string }[] = [];
  const from = monthStart - 50 * DAY;
  const to = monthStart + 33 * DAY;
  let row = 0;
  for (const partner of Object.keys(PARTNERS)) {
    for (let m = 0; m < 3; m++) {
      const meter = `${partner}-${m}`;
      const minutes = rng.pick([15, 30, 60]);
      if (rng.next() < 0.7) enrollments.push({ program: rng.pick(['P', 'Q']), meter_id: meter });
      const gapFrom = from + rng.int(0, 80) * DAY + rng.int(0, 47) * 1_800_000;
      const gapTo = gapFrom + rng.int(0, 20) * 1_800_000;
      for (let t = from; t < to; t += minutes * 60_000) {
        if ((t >= gapFrom && t < gapTo) || rng.next() < 0.003) continue;
        const v: RefVersion = { meter_id: meter, source: partner, interval_start: t, interval_minutes: minutes, kwh: rng.int(0, 3000) / 1000,
          quality: rng.pick(QUALITIES), received_at: Date.parse('2021-12-01T00:00:00Z'), source_file: 'first.csv', source_row: ++row };
        versions.push(v);
        if (rng.next() < 0.03) corrections.push({ ...v, kwh: rng.int(0, 3000) / 1000, quality: rng.pick(QUALITIES), received_at: Date.parse('2021-12-02T00:00:00Z'), source_file: 'second.csv', source_row: ++row });
      }
    }
  }
  return { month, events, versions, corrections, enrollments };
}

async function appendHistory(lake: LocalLake, versions: RefVersion[]): Promise<void> {
  const table = await tableFor(lake, READINGS_HISTORY);
  const values = versions.map((v) => `(${sqlString(v.meter_id)}, to_timestamp(${v.interval_start / 1000}), ${v.interval_minutes}, ${v.kwh}, ${sqlString(v.quality)}, ${sqlString(v.source)}, ` +
    `${sqlString(v.source_file)}, ${v.source_row}, 'b', to_timestamp(${v.received_at / 1000}))`).join(',\n');
  await lake.session.run(`CREATE OR REPLACE TEMP TABLE versions AS SELECT meter_id, interval_start, CAST(interval_minutes AS INTEGER) AS interval_minutes, CAST(kwh AS DOUBLE) AS kwh,
    quality, source, source_file, CAST(source_row AS BIGINT) AS source_row, batch_id, received_at
    FROM (VALUES ${values}) AS v(meter_id, interval_start, interval_minutes, kwh, quality, source, source_file, source_row, batch_id, received_at)`);
  const files = await writeRowsAsDataFiles(lake.session, lake.store, await table.metadata(), { sourceSql: 'versions' });
  await table.append(files);
}

let lake: LocalLake;
beforeEach(async () => {
  lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-settle-prop-')));
});
afterEach(async () => {
  lake.close();
  await rm(lake.dir, { recursive: true, force: true });
});

test.each([1, 2, 3])('seed %i: the SQL reports equal the plain-TypeScript reference', async (seed) => {
  // Prepare: reference tables, then the originals and their corrections through the daily snapshot.
  const c = randomCase(seed);
  await writeDrTables(lake, c.events.map((e) => ({ ...e, price_per_kwh: (Number(e.price_nano) / 1e9).toFixed(9) })), c.enrollments);
  await appendHistory(lake, c.versions);
  await appendHistory(lake, c.corrections);
  await runDailySnapshot(lake, { runDate: '2021-12-03' });

  // Act
  const { runId } = await settleMonth(lake, { month: c.month, sourceRevision: 'test', partners: PARTNERS });

  // Assert
  const expected = referenceReports([...c.versions, ...c.corrections], PARTNERS, c.month, c.events, c.enrollments);
  for (const report of ['energy_periods', 'energy_meters', 'energy_missing', 'dr_settlement']) {
    const lines = (await lake.store.get(`audit/${runId}/${report}.csv`)).toString('utf8').trim().split('\n').slice(1);
    expect({ report, lines }).toEqual({ report, lines: expected[report] });
  }
  expect(c.corrections.length).toBeGreaterThan(0);
}, 120_000);
