/**
 * 80% prediction intervals from the model's own backtest errors: no distribution assumed. Before
 * an origin, the model is re-run from earlier origins whose 7 days ahead are already known; the
 * relative errors (actual / forecast − 1) of each horizon day give its 10th and 90th percentiles.
 */
import { DAY_MS } from '../daily-plan';
import { HOUR_MS, HOURS_PER_WEEK, type HolidayCalendar } from './calendar';
import { forecastGroup, InsufficientHistoryError, PROFILE_MODEL, type GroupHour, type ProfileModelOptions } from './profile-model';

export const LOWER_QUANTILE = 0.1;
export const UPPER_QUANTILE = 0.9;

export interface IntervalOptions {
  /** Earlier origins tried, one a day, the newest a week before the forecast's origin. */
  readonly origins: number;
  /** Fewer usable origins than this: no interval (a few days of errors say little about the spread). */
  readonly minOrigins: number;
}
export const INTERVAL_OPTIONS: IntervalOptions = { origins: 14, minOrigins: 7 };

/** Relative error quantiles of one horizon day: forecast × (1 + lower) … forecast × (1 + upper). */
export interface RelativeBand {
  lower: number;
  upper: number;
  /** Errors the quantiles were taken from. */
  samples: number;
}

/** Empirical quantile (linear between order statistics, Hyndman & Fan type 7) of sorted values. */
export function quantileOfSorted(sorted: readonly number[], p: number): number {
  if (!sorted.length) throw new Error('quantile of no values');
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The history before `originMs` of a history sorted by hour. */
export function historyBefore(history: readonly GroupHour[], originMs: number): readonly GroupHour[] {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history[mid].hourMs < originMs) lo = mid + 1;
    else hi = mid;
  }
  return history.slice(0, lo);
}

/**
 * One band per horizon day (index 0 = hours 1–24 ahead) from the history before `originMs`, or
 * undefined when fewer than `minOrigins` earlier origins had enough history to forecast from.
 */
export function relativeErrorBands(
  history: readonly GroupHour[], originMs: number, holidays: HolidayCalendar,
  model: ProfileModelOptions = PROFILE_MODEL, opts: IntervalOptions = INTERVAL_OPTIONS,
): RelativeBand[] | undefined {
  const actual = new Map(history.map((h) => [h.hourMs, h.loadKwh]));
  const errors: number[][] = Array.from({ length: HOURS_PER_WEEK / 24 }, () => []);
  let usable = 0;
  for (let k = 0; k < opts.origins; k++) {
    const origin = originMs - HOURS_PER_WEEK * HOUR_MS - k * DAY_MS;
    let forecast;
    try {
      forecast = forecastGroup(historyBefore(history, origin), origin, HOURS_PER_WEEK, holidays, model);
    } catch (error) {
      if (error instanceof InsufficientHistoryError) continue;
      throw error;
    }
    usable++;
    for (const [h, f] of forecast.entries()) {
      const a = actual.get(f.hourMs);
      if (a !== undefined && f.forecastKwh > 0) errors[Math.floor(h / 24)].push(a / f.forecastKwh - 1);
    }
  }
  if (usable < opts.minOrigins) return undefined;
  return errors.map((e) => {
    const sorted = [...e].sort((a, b) => a - b);
    return { lower: quantileOfSorted(sorted, LOWER_QUANTILE), upper: quantileOfSorted(sorted, UPPER_QUANTILE), samples: sorted.length };
  });
}
