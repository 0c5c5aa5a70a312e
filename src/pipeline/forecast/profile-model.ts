/**
 * The forecast model: a per-meter hour-of-week profile with recency weighting, times the expected
 * meter count. Load per meter at each local hour of the week (bank holidays as Sundays) is a
 * weighted mean of the same slot in the last weeks, each observation weighted by half-life decay,
 * so the profile follows the season; multiplying by the meters reporting now lets a region whose
 * fleet grows or shrinks step to its new level at once instead of over weeks.
 */
import { DAY_MS } from '../daily-plan';
import { HOUR_MS, HOURS_PER_WEEK, localHourOf, profileSlot, type HolidayCalendar } from './calendar';

/** One group's load in one UTC hour (from features_hourly). */
export interface GroupHour {
  hourMs: number;
  loadKwh: number;
  /** Meters with a reading in the hour. */
  meters: number;
}

export interface ProfileModelOptions {
  /** Model name recorded with every forecast row. */
  readonly name: string;
  /** An observation this many days old weighs half as much as one from the hour before the origin. */
  readonly halfLifeDays: number;
  /** Observations older than this are not read. */
  readonly windowDays: number;
  /** History the origin needs before it (days): two of every weekday, so every slot is seen twice. */
  readonly minHistoryDays: number;
  /** The expected meter count is the most meters seen in one hour over this many hours before the origin. */
  readonly meterCountHours: number;
}

/**
 * Chosen before any backtest, from what utilities use: a one-week half-life (last week counts as
 * much as the three before it together), six weeks read, the fleet size of the last day.
 */
export const PROFILE_MODEL: ProfileModelOptions = {
  name: 'per-meter-hour-of-week-profile-v1', halfLifeDays: 7, windowDays: 42, minHistoryDays: 14, meterCountHours: 24,
};

/** One forecast hour of one group. */
export interface PointForecast {
  hourMs: number;
  forecastKwh: number;
  expectedMeters: number;
}

/** Not enough history before the origin to forecast a group. */
export class InsufficientHistoryError extends Error {
  override readonly name = 'InsufficientHistoryError';
}

/** Per-meter kWh for each of the 168 slots of the local week, fitted from the history before `originMs`. */
export function fitWeeklyProfile(history: readonly GroupHour[], originMs: number, holidays: HolidayCalendar, opts: ProfileModelOptions = PROFILE_MODEL): Float64Array {
  const from = originMs - opts.windowDays * DAY_MS;
  const weights = new Float64Array(HOURS_PER_WEEK);
  const sums = new Float64Array(HOURS_PER_WEEK);
  let first = Infinity;
  for (const h of history) {
    if (h.hourMs >= originMs) throw new Error(`history hour ${new Date(h.hourMs).toISOString()} is not before the origin ${new Date(originMs).toISOString()}`);
    if (h.meters <= 0) continue;
    first = Math.min(first, h.hourMs);
    if (h.hourMs < from) continue;
    const w = 0.5 ** ((originMs - h.hourMs) / (opts.halfLifeDays * DAY_MS));
    const slot = profileSlot(localHourOf(h.hourMs, holidays));
    weights[slot] += w;
    sums[slot] += w * (h.loadKwh / h.meters);
  }
  if (originMs - first < opts.minHistoryDays * DAY_MS) {
    const had = Number.isFinite(first) ? `${((originMs - first) / DAY_MS).toFixed(1)} days` : 'none';
    throw new InsufficientHistoryError(`needs ${opts.minHistoryDays} days of history before ${new Date(originMs).toISOString()}, has ${had}`);
  }
  const profile = new Float64Array(HOURS_PER_WEEK);
  for (let slot = 0; slot < HOURS_PER_WEEK; slot++) {
    if (weights[slot] === 0) throw new InsufficientHistoryError(`no reading in the last ${opts.windowDays} days for local weekday ${Math.floor(slot / 24) + 1} hour ${slot % 24}`);
    profile[slot] = sums[slot] / weights[slot];
  }
  return profile;
}

/** The meters expected over the horizon: the most seen in one hour over the last `meterCountHours` hours. */
export function expectedMeterCount(history: readonly GroupHour[], originMs: number, opts: ProfileModelOptions = PROFILE_MODEL): number {
  const from = originMs - opts.meterCountHours * HOUR_MS;
  let meters = 0;
  for (let i = history.length - 1; i >= 0 && history[i].hourMs >= from; i--) meters = Math.max(meters, history[i].meters);
  return meters;
}

/**
 * Forecast `horizonHours` UTC hours from `originMs` (an hour start) from the group's history before
 * it (sorted by hour). Each target hour takes the profile of its local slot, so across a clock
 * change 168 UTC hours cover 167 or 169 local wall-clock hours and each gets its own local slot.
 */
export function forecastGroup(
  history: readonly GroupHour[], originMs: number, horizonHours: number, holidays: HolidayCalendar, opts: ProfileModelOptions = PROFILE_MODEL,
): PointForecast[] {
  if (originMs % HOUR_MS !== 0) throw new Error(`forecast origin ${new Date(originMs).toISOString()} is not an hour start`);
  const profile = fitWeeklyProfile(history, originMs, holidays, opts);
  const expectedMeters = expectedMeterCount(history, originMs, opts);
  const out: PointForecast[] = [];
  for (let h = 0; h < horizonHours; h++) {
    const hourMs = originMs + h * HOUR_MS;
    out.push({ hourMs, forecastKwh: profile[profileSlot(localHourOf(hourMs, holidays))] * expectedMeters, expectedMeters });
  }
  return out;
}
