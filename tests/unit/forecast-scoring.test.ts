import { accuracyOf } from '../../src/pipeline/forecast/accuracy';
import { intervalCoverage } from '../../src/pipeline/forecast/backtest';
import { fixedHolidays, HOUR_MS } from '../../src/pipeline/forecast/calendar';
import { quantileOfSorted, relativeErrorBands } from '../../src/pipeline/forecast/intervals';
import { newestCompleteHour } from '../../src/pipeline/forecast/issue';
import type { GroupHour } from '../../src/pipeline/forecast/profile-model';

const DAY = 86_400_000;

describe('accuracy measures', () => {
  test('MAE, RMSE, MAPE and MASE against the seasonal-naive forecast over the same hours', () => {
    const a = accuracyOf([
      { forecast: 11, naive: 14, actual: 10 },
      { forecast: 18, naive: 20, actual: 20 },
    ]);
    expect(a).toEqual({ hours: 2, mae: 1.5, rmse: Math.sqrt(2.5), mape: (0.1 + 0.1) / 2, naiveMae: 2, mase: 0.75 });
  });

  test('MAPE leaves out hours with trivial load (below a tenth of the mean)', () => {
    const a = accuracyOf([
      { forecast: 1, naive: 0, actual: 0.01 },
      { forecast: 9, naive: 10, actual: 10 },
      { forecast: 10, naive: 10, actual: 10 },
    ]);
    expect(a.mape).toBeCloseTo(0.05, 12);
  });
});

describe('empirical quantiles', () => {
  test.each([[0, 1], [0.5, 3], [1, 5], [0.1, 1.4], [0.9, 4.6]])('quantile %p of 1..5 is %p', (p, expected) => {
    expect(quantileOfSorted([1, 2, 3, 4, 5], p)).toBeCloseTo(expected, 12);
  });
});

describe('80% intervals from backtest errors', () => {
  const origin = Date.UTC(2021, 2, 1);
  /** A flat series whose every 5th hour is 20% above the rest: errors near -4% (4 hours in 5) and +15% (1 in 5). */
  const history: GroupHour[] = [];
  for (let t = origin - 49 * DAY, i = 0; t < origin; t += HOUR_MS, i++) history.push({ hourMs: t, meters: 10, loadKwh: i % 5 === 0 ? 12 : 10 });

  test('the band of each horizon day brackets the errors the model made from earlier origins', () => {
    const bands = relativeErrorBands(history, origin, fixedHolidays([]))!;
    expect(bands).toHaveLength(7);
    for (const band of bands) {
      expect(band.lower).toBeLessThan(-0.02);
      expect(band.upper).toBeGreaterThan(0.1);
      expect(band.samples).toBe(14 * 24);
    }
  });

  test('no band with fewer usable earlier origins than the minimum', () => {
    expect(relativeErrorBands(history.filter((h) => h.hourMs >= origin - 25 * DAY), origin, fixedHolidays([]))).toBeUndefined();
  });
});

describe('the newest complete hour', () => {
  const hours = (meters: number[]): GroupHour[] => meters.map((m, i) => ({ hourMs: i * HOUR_MS, meters: m, loadKwh: m }));

  test('is the newest hour reported by at least 95% of the meters seen in the week before it', () => {
    expect(newestCompleteHour(hours([100, 100, 100, 96, 60, 20]))).toBe(3 * HOUR_MS);
  });

  test('is undefined when no hour is complete', () => {
    expect(newestCompleteHour([])).toBeUndefined();
  });
});

describe('interval coverage in the backtest', () => {
  const hour = (actual: number, lower: number | null, upper: number | null) => ({
    originKnownAtMs: 0, groupKind: 'fleet' as const, groupValue: 'all', targetHourMs: 0, horizonHours: 1, forecast: 1, naive: 1, actual, lower80: lower, upper80: upper,
  });

  test('is the share of hours with an interval whose actual falls inside it (bounds included)', () => {
    expect(intervalCoverage([hour(1, 0.5, 1.5), hour(1.5, 0.5, 1.5), hour(2, 0.5, 1.5), hour(9, null, null)])).toBeCloseTo(2 / 3, 12);
  });

  test('is null when no hour had an interval', () => {
    expect(intervalCoverage([hour(1, null, null)])).toBeNull();
  });
});
