import { fixedHolidays, HOUR_MS, localHourOf, profileSlot } from '../../src/pipeline/forecast/calendar';
import { forecastGroup, InsufficientHistoryError, type GroupHour } from '../../src/pipeline/forecast/profile-model';

const DAY = 86_400_000;
const noHolidays = fixedHolidays([]);

/** Per-meter kWh of a local slot: a different value for every one of the 168 slots (a wrong mapping shows). */
const truth = (slot: number) => 0.5 + 0.3 * Math.sin((2 * Math.PI * (slot % 24)) / 24) + (slot >= 120 ? 0.2 : 0) + slot / 1000;

/** A small deterministic generator (mulberry32) for noise. */
function noise(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

/** Hourly history of a group from `fromMs` up to (not including) `toMs`: meters × truth × (1 + noise). */
function series(fromMs: number, toMs: number, meters: (hourMs: number) => number, noiseShare = 0, seed = 1): GroupHour[] {
  const draw = noise(seed);
  const out: GroupHour[] = [];
  for (let t = fromMs; t < toMs; t += HOUR_MS) {
    const m = meters(t);
    out.push({ hourMs: t, meters: m, loadKwh: m * truth(profileSlot(localHourOf(t, noHolidays))) * (1 + noiseShare * 2 * draw()) });
  }
  return out;
}

describe('the per-meter hour-of-week profile model', () => {
  // ±5% uniform noise (σ 2.9%); the recency weights leave about three weeks' worth of samples per
  // slot, so the profile's own error is about 1.7% (σ): 2.5% on average and 8% at worst are wide margins.
  test('recovers a daily and weekly profile from noisy history: within 2.5% on average and 8% in any hour', () => {
    const origin = Date.UTC(2021, 1, 15);
    const history = series(origin - 56 * DAY, origin, () => 400, 0.05);
    const forecast = forecastGroup(history, origin, 168, noHolidays);
    const errors = forecast.map((f) => Math.abs(f.forecastKwh / (400 * truth(profileSlot(localHourOf(f.hourMs, noHolidays)))) - 1));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.025);
    expect(Math.max(...errors)).toBeLessThan(0.08);
  });

  test('meters joining: the level steps up within one day (the meter count of the last 24 hours)', () => {
    const joined = Date.UTC(2021, 1, 10);
    const origin = joined + DAY;
    const history = series(origin - 42 * DAY, origin, (t) => (t < joined ? 200 : 300));
    const forecast = forecastGroup(history, origin, 168, noHolidays);
    for (const f of forecast) expect(f.forecastKwh).toBeCloseTo(300 * truth(profileSlot(localHourOf(f.hourMs, noHolidays))), 9);
  });

  test('meters leaving: the level steps down once a whole day has passed without them', () => {
    const left = Date.UTC(2021, 1, 10);
    const history = (origin: number) => series(origin - 42 * DAY, origin, (t) => (t < left ? 300 : 200));
    expect(forecastGroup(history(left + 12 * HOUR_MS), left + 12 * HOUR_MS, 1, noHolidays)[0].expectedMeters).toBe(300);
    expect(forecastGroup(history(left + DAY), left + DAY, 1, noHolidays)[0].expectedMeters).toBe(200);
  });

  test('a bank holiday is forecast with the Sunday profile', () => {
    const holidays = fixedHolidays(['2021-04-05']); // Easter Monday
    const origin = Date.UTC(2021, 3, 5) - HOUR_MS; // 00:00 BST on the holiday
    const history = series(origin - 42 * DAY, origin, () => 100);
    const [first] = forecastGroup(history, origin, 1, holidays);
    expect(first.forecastKwh).toBeCloseTo(100 * truth(6 * 24 + 0), 9);
  });

  test('refuses to forecast from less than two weeks of history', () => {
    const origin = Date.UTC(2021, 1, 15);
    expect(() => forecastGroup(series(origin - 10 * DAY, origin, () => 10), origin, 168, noHolidays)).toThrow(InsufficientHistoryError);
  });
});

describe('clock changes: 168 UTC target hours over a local week of 167 or 169 hours', () => {
  const localLabel = (t: number) => {
    const l = localHourOf(t, noHolidays);
    return `${l.localDate} ${String(l.localHour).padStart(2, '0')}`;
  };

  test('spring forward (2021-03-28): the week from local Monday 00:00 has 167 local hours, the 168th UTC hour is the next Monday 00:00', () => {
    const origin = Date.UTC(2021, 2, 22); // Monday 00:00 GMT
    const forecast = forecastGroup(series(origin - 42 * DAY, origin, () => 50), origin, 168, noHolidays);
    const labels = forecast.map((f) => localLabel(f.hourMs));
    expect(new Set(forecast.map((f) => f.hourMs)).size).toBe(168);
    expect(labels).not.toContain('2021-03-28 01');
    expect(labels.filter((l) => l < '2021-03-29')).toHaveLength(167);
    expect(labels.at(-1)).toBe('2021-03-29 00');
    for (const f of forecast) expect(f.forecastKwh).toBeCloseTo(50 * truth(profileSlot(localHourOf(f.hourMs, noHolidays))), 9);
  });

  test('fall back (2021-10-31): local 01:00 occurs twice, as two UTC target hours each forecast with that hour\'s profile', () => {
    const origin = Date.UTC(2021, 9, 24, 23); // Monday 25 October 00:00 BST
    const forecast = forecastGroup(series(origin - 42 * DAY, origin, () => 50), origin, 168, noHolidays);
    const labels = forecast.map((f) => localLabel(f.hourMs));
    expect(new Set(forecast.map((f) => f.hourMs)).size).toBe(168);
    const repeated = forecast.filter((f) => localLabel(f.hourMs) === '2021-10-31 01');
    expect(repeated.map((f) => new Date(f.hourMs).toISOString())).toEqual(['2021-10-31T00:00:00.000Z', '2021-10-31T01:00:00.000Z']);
    expect(repeated[0].forecastKwh).toBe(repeated[1].forecastKwh);
    // 169 local hours in the week: 168 UTC hours reach local Sunday 22:00.
    expect(labels.at(-1)).toBe('2021-10-31 22');
  });
});
