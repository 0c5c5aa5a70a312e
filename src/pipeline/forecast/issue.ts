/**
 * One forecast issue, computed from features alone (pure): the 168 UTC hours after the newest
 * complete hour, for every group with enough history, with 80% intervals from backtest errors.
 */
import { HOUR_MS, HOURS_PER_WEEK, type HolidayCalendar } from './calendar';
import type { FeatureRow, GroupKind } from './features';
import { INTERVAL_OPTIONS, relativeErrorBands, type IntervalOptions } from './intervals';
import { forecastGroup, InsufficientHistoryError, PROFILE_MODEL, type GroupHour, type ProfileModelOptions } from './profile-model';

/** An hour is complete when at least this share of the fleet's meters (its most in one hour over the week before) has reported it. */
export const COMPLETE_HOUR_SHARE = 0.95;

/** One row of a forecast issue. */
export interface ForecastRow {
  groupKind: GroupKind;
  groupValue: string;
  targetHourMs: number;
  /** 1 for the first hour after the newest complete hour … 168. */
  horizonHours: number;
  forecastKwh: number;
  /** 80% interval; null while the backtest has too few earlier origins (see IntervalOptions.minOrigins). */
  lower80: number | null;
  upper80: number | null;
  expectedMeters: number;
}

export interface ForecastIssue {
  knownAtMs: number;
  /** The newest hour every later hour is forecast from; undefined when the features hold no complete hour. */
  newestCompleteHourMs: number | undefined;
  rows: ForecastRow[];
  /** Groups left out, with why. */
  skipped: { groupKind: GroupKind; groupValue: string; reason: string }[];
}

export interface IssueOptions {
  holidays: HolidayCalendar;
  horizonHours?: number;
  model?: ProfileModelOptions;
  intervals?: IntervalOptions;
}

/**
 * The newest hour the fleet has reported in full: scanning back from the newest hour, the first
 * whose meter count reaches COMPLETE_HOUR_SHARE of the most meters seen in one hour over the 168
 * hours before it (sources that deliver once a day lag those that deliver every 15 minutes).
 */
export function newestCompleteHour(fleet: readonly GroupHour[]): number | undefined {
  for (let i = fleet.length - 1; i >= 0; i--) {
    let most = 0;
    for (let j = i - 1; j >= 0 && fleet[j].hourMs >= fleet[i].hourMs - HOURS_PER_WEEK * HOUR_MS; j--) most = Math.max(most, fleet[j].meters);
    if (fleet[i].meters > 0 && fleet[i].meters >= COMPLETE_HOUR_SHARE * most) return fleet[i].hourMs;
  }
  return undefined;
}

/** Features as one sorted hourly series per group (`kind:value`). */
export function seriesByGroup(features: readonly FeatureRow[]): Map<string, { groupKind: GroupKind; groupValue: string; hours: GroupHour[] }> {
  const groups = new Map<string, { groupKind: GroupKind; groupValue: string; hours: GroupHour[] }>();
  for (const r of features) {
    const key = `${r.groupKind}:${r.groupValue}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { groupKind: r.groupKind, groupValue: r.groupValue, hours: [] }));
    group.hours.push({ hourMs: r.hourMs, loadKwh: r.loadKwh, meters: r.meters });
  }
  for (const g of groups.values()) g.hours.sort((a, b) => a.hourMs - b.hourMs);
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Forecast every group from features known at `knownAtMs`: hours after the newest complete one only. */
export function forecastFromFeatures(features: readonly FeatureRow[], knownAtMs: number, opts: IssueOptions): ForecastIssue {
  const horizon = opts.horizonHours ?? HOURS_PER_WEEK;
  const groups = seriesByGroup(features);
  const newest = newestCompleteHour(groups.get('fleet:all')?.hours ?? []);
  const issue: ForecastIssue = { knownAtMs, newestCompleteHourMs: newest, rows: [], skipped: [] };
  if (newest === undefined) return issue;
  const origin = newest + HOUR_MS;
  for (const { groupKind, groupValue, hours } of groups.values()) {
    const history = hours.filter((h) => h.hourMs < origin);
    let points;
    try {
      points = forecastGroup(history, origin, horizon, opts.holidays, opts.model);
    } catch (error) {
      if (!(error instanceof InsufficientHistoryError)) throw error;
      issue.skipped.push({ groupKind, groupValue, reason: error.message });
      continue;
    }
    const bands = relativeErrorBands(history, origin, opts.holidays, opts.model ?? PROFILE_MODEL, opts.intervals ?? INTERVAL_OPTIONS);
    for (const [h, p] of points.entries()) {
      const band = bands?.[Math.floor(h / 24)];
      issue.rows.push({
        groupKind, groupValue, targetHourMs: p.hourMs, horizonHours: h + 1, forecastKwh: p.forecastKwh,
        lower80: band ? Math.max(0, p.forecastKwh * (1 + band.lower)) : null,
        upper80: band ? p.forecastKwh * (1 + band.upper) : null,
        expectedMeters: p.expectedMeters,
      });
    }
  }
  return issue;
}
