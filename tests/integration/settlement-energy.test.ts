import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { settleMonth } from '../../src/pipeline/settlement/settle';
import { writeMeterReadings, type TestReading } from '../helpers/settlement-lake';

/** Every half hour of [from, to) for one meter. */
function halfHours(meter: string, source: string, from: string, to: string, kwh: (i: number) => number): TestReading[] {
  const out: TestReading[] = [];
  for (let t = Date.parse(from), i = 0; t < Date.parse(to); t += 1_800_000, i++) {
    out.push({ meter_id: meter, interval_start: new Date(t).toISOString(), interval_minutes: 30, kwh: kwh(i), quality: 'actual', source });
  }
  return out;
}

describe('energy settlement of a month', () => {
  let lake: LocalLake;
  beforeEach(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-settle-')));
  });
  afterEach(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  const csvLines = async (runId: string, file: string) => (await lake.store.get(`audit/${runId}/${file}`)).toString('utf8').trim().split('\n');

  test('March in Europe/London has 46 periods on the spring-forward day and 48 on the others', async () => {
    // Prepare: one octopus meter covering March 2021 (London: clocks go forward on 28 March, 01:00 UTC).
    await writeMeterReadings(lake, halfHours('M1', 'octopus', '2021-03-01T00:00:00Z', '2021-03-31T23:00:00Z', () => 0.5), 'daily-2021-04-01');

    // Act
    const { runId } = await settleMonth(lake, { month: '2021-03', sourceRevision: 'test' });

    // Assert
    const rows = (await csvLines(runId, 'energy_periods.csv')).slice(1).map((l) => l.split(','));
    const perDay = new Map<string, number>();
    for (const r of rows) perDay.set(r[1], (perDay.get(r[1]) ?? 0) + 1);
    expect(perDay.get('2021-03-28')).toBe(46);
    expect(perDay.get('2021-03-27')).toBe(48);
    expect(rows).toHaveLength(30 * 48 + 46);
    expect(rows.every((r) => r[0] === 'octopus' && r[4] === '0.500000000' && r[10] === '0')).toBe(true);
  });

  test('a missing interval is reported as missing, never filled', async () => {
    // Prepare: two meters of February; M2 lacks 2021-02-10 12:00 UTC (1,344 periods: 1344 × 0.25 = 336 kWh, 1343 × 0.125 = 167.875).
    const readings = [
      ...halfHours('M1', 'default', '2021-02-01T00:00:00Z', '2021-03-01T00:00:00Z', () => 0.25),
      ...halfHours('M2', 'default', '2021-02-01T00:00:00Z', '2021-03-01T00:00:00Z', () => 0.125).filter((r) => r.interval_start !== '2021-02-10T12:00:00.000Z'),
    ];
    await writeMeterReadings(lake, readings, 'daily-2021-03-01');

    // Act
    const { runId } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });

    // Assert
    expect((await csvLines(runId, 'energy_missing.csv')).slice(1)).toEqual(['default,M2,2021-02-10,25,2021-02-10T12:00:00Z,0']);
    const period = (await csvLines(runId, 'energy_periods.csv')).find((l) => l.startsWith('default,2021-02-10,25,'));
    expect(period).toBe('default,2021-02-10,25,2021-02-10T12:00:00Z,0.250000000,0.250000000,0.000000000,0.000000000,2,1,1');
    expect((await csvLines(runId, 'energy_meters.csv')).slice(1)).toEqual([
      'default,M1,336.000000000,336.000000000,0.000000000,0.000000000,1344,1344,0',
      'default,M2,167.875000000,167.875000000,0.000000000,0.000000000,1344,1343,1',
    ]);
  });
});
