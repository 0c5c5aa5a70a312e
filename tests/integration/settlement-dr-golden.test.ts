/**
 * The CAISO 10-in-10 baseline on a small hand-made case, every number worked out below.
 *
 * Partner `default` settles in Europe/London (BST in June/July 2021). Program P (floors reductions at
 * 0) enrols E1 and E2; N1 is not enrolled. Two events of P, both 17:00-19:00 local (event hours 17 and
 * 18; day-of adjustment hours 13, 14, 15 — the three hours ending one hour before the start):
 *   EV1 Thu 2021-07-08, EV2 Thu 2021-07-15, 0.25 per kWh.
 * Hourly readings from 2021-05-24 (45 days before EV1) to 2021-07-31, every meter:
 *   business days: hours 13-15 1.0 kWh, hour 17 2.0, hour 18 3.0 (4.0 on Tue 2021-06-29), other hours 0.5;
 *   weekends and the holiday: hours 17 and 18 100 kWh (a baseline that used them would show it);
 *   event days: hours 17-18 0.2 kWh (EV1, both meters); EV2: E1 1.0 each, E2 5.0 each; EV2's hours 13-15: 1.5 each.
 *
 * EV2's baseline days: the 10 most recent business days before 15 July within 45 days, skipping
 * Mon 5 July (Independence Day, a Sunday in 2021, observed on the Monday: a NERC holiday) and Thu 8 July
 * (an event day of P): 14, 13, 12, 9, 7, 6, 2, 1 July, 30 and 29 June.
 *   hour 17: 10 × 2.0 / 10 = 2.0; hour 18: (9 × 3.0 + 4.0) / 10 = 3.1; unadjusted baseline 5.1 kWh.
 *   adjustment: actual 3 × 1.5 = 4.5 over baseline 3 × 1.0 = 3.0 → 1.5, capped at 1.2.
 *   baseline 5.1 × 1.2 = 6.12 kWh.
 *   E1: actual 2.0, reduction 4.12, payment 4.12 × 0.25 = 1.03.
 *   E2: actual 10.0, reduction −3.88 → floored at 0, payment 0.
 * EV1's baseline days: 7, 6, 2, 1 July, 30, 29, 28, 25, 24, 23 June — again hour 18 averages 3.1,
 *   unadjusted 5.1; adjustment 3.0 / 3.0 = 1; actual 0.4; reduction 4.7; payment 1.175.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { localMidnightUtc } from '../../src/pipeline/settlement/calendar';
import { settleMonth } from '../../src/pipeline/settlement/settle';
import { writeDrTables, writeMeterReadings, type TestReading } from '../helpers/settlement-lake';

const WEEKENDS_AND_HOLIDAY = (day: string) => [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()) || day === '2021-07-05';

function load(meter: string, day: string, hour: number): number {
  if (day === '2021-07-08' && (hour === 17 || hour === 18)) return 0.2;
  if (day === '2021-07-15') {
    if (hour >= 13 && hour <= 15) return 1.5;
    if (hour === 17 || hour === 18) return meter === 'E2' ? 5.0 : 1.0;
  }
  if (WEEKENDS_AND_HOLIDAY(day) && (hour === 17 || hour === 18)) return 100;
  if (hour >= 13 && hour <= 15) return 1.0;
  if (hour === 17) return 2.0;
  if (hour === 18) return day === '2021-06-29' ? 4.0 : 3.0;
  return 0.5;
}

let lake: LocalLake;
beforeAll(async () => {
  lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-dr-')));
  await writeDrTables(lake, [
    { event_id: 'EV1', program: 'P', partner: 'default', event_day: '2021-07-08', start_hour: 17, end_hour: 19, price_per_kwh: '0.25', floor_at_zero: true },
    { event_id: 'EV2', program: 'P', partner: 'default', event_day: '2021-07-15', start_hour: 17, end_hour: 19, price_per_kwh: '0.25', floor_at_zero: true },
  ], [{ program: 'P', meter_id: 'E1' }, { program: 'P', meter_id: 'E2' }]);
  const readings: TestReading[] = [];
  for (let d = Date.parse('2021-05-24T00:00:00Z'); d <= Date.parse('2021-07-31T00:00:00Z'); d += 86_400_000) {
    const day = new Date(d).toISOString().slice(0, 10);
    const midnight = localMidnightUtc('Europe/London', day);
    for (const meter of ['E1', 'E2', 'N1']) {
      for (let hour = 0; hour < 24; hour++) {
        readings.push({ meter_id: meter, interval_start: new Date(midnight + hour * 3_600_000).toISOString(), interval_minutes: 60, kwh: load(meter, day, hour), quality: 'actual', source: 'default' });
      }
    }
  }
  await writeMeterReadings(lake, readings, 'daily-2021-08-01');
}, 60_000);
afterAll(async () => {
  lake.close();
  await rm(lake.dir, { recursive: true, force: true });
});

test('10-in-10 baseline, capped day-of adjustment, floor at zero and payment per event and enrolled meter', async () => {
  const { runId } = await settleMonth(lake, { month: '2021-07', sourceRevision: 'test' });

  const csv = (await lake.store.get(`audit/${runId}/dr_settlement.csv`)).toString('utf8').trim().split('\n');
  expect(csv).toEqual([
    'event_id,program,partner,event_day,start_hour,end_hour,meter_id,baseline_days,kwh_baseline_unadjusted,adjustment_ratio,kwh_baseline,kwh_actual,kwh_reduction,price_per_kwh,payment,status',
    'EV1,P,default,2021-07-08,17,19,E1,10,5.100000000,1.000000000,5.100000000,0.400000000,4.700000000,0.250000000,1.175000000,settled',
    'EV1,P,default,2021-07-08,17,19,E2,10,5.100000000,1.000000000,5.100000000,0.400000000,4.700000000,0.250000000,1.175000000,settled',
    'EV2,P,default,2021-07-15,17,19,E1,10,5.100000000,1.200000000,6.120000000,2.000000000,4.120000000,0.250000000,1.030000000,settled',
    'EV2,P,default,2021-07-15,17,19,E2,10,5.100000000,1.200000000,6.120000000,10.000000000,0.000000000,0.250000000,0.000000000,settled',
  ]);
}, 60_000);
