/**
 * Settlement periods: the half hours of each local calendar day in a partner's settlement time
 * zone, numbered from 1 at local midnight — 48 a day, 46 on the spring-forward day and 50 on the
 * fall-back day. Computed from the zone's UTC offsets (Intl), so no engine needs zone rules.
 */

const HALF_HOUR_MS = 30 * 60_000;

/** One settlement period of one partner. */
export interface SettlementPeriod {
  readonly partner: string;
  /** Local calendar date, YYYY-MM-DD. */
  readonly settlementDay: string;
  /** 1-based half hour of the local day. */
  readonly period: number;
  /** The period's first instant (UTC). */
  readonly periodStart: Date;
  /** The local wall-clock hour the period starts in (0-23). */
  readonly localHour: number;
  /** Monday to Friday and not a NERC holiday (the days a weekday demand-response baseline may use). */
  readonly isBusinessDay: boolean;
  /** The period belongs to the settled month (false: a baseline day before it). */
  readonly inMonth: boolean;
}

/** A month given as YYYY-MM that is not a real month. */
export class SettlementMonthError extends Error {
  override name = 'SettlementMonthError';
}

/** Checks and splits `YYYY-MM`. */
export function parseSettlementMonth(month: string): { year: number; month: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const m = match ? Number(match[2]) : 0;
  if (!match || m < 1 || m > 12) throw new SettlementMonthError(`month ${JSON.stringify(month)} is not YYYY-MM (e.g. 2021-02)`);
  return { year: Number(match[1]), month: m };
}

/** Offset of `zone` from UTC at `instantMs`, in ms (local = UTC + offset). */
export function zoneOffsetMs(zone: string, instantMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(instantMs / 1000) * 1000;
}

/** The UTC instant of local midnight starting `day` (YYYY-MM-DD) in `zone`. */
export function localMidnightUtc(zone: string, day: string): number {
  const naive = Date.parse(`${day}T00:00:00Z`);
  // Two rounds settle the offset; zones change offset at night but never across midnight twice.
  let guess = naive - zoneOffsetMs(zone, naive);
  guess = naive - zoneOffsetMs(zone, guess);
  return guess;
}

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

/** The n-th (1-based; -1 = last) given weekday (0 = Sunday) of a month, YYYY-MM-DD. */
function nthWeekday(year: number, month: number, dow: number, n: number): string {
  const days = daysOfMonth(`${year}-${String(month).padStart(2, '0')}`).filter((d) => weekday(d) === dow);
  return n > 0 ? days[n - 1] : days[days.length - 1];
}

/** A fixed-date holiday's observed day: a Sunday moves to Monday (NERC); a Saturday stays. */
function observed(day: string): string {
  return weekday(day) === 0 ? dayAfter(day) : day;
}

/**
 * The NERC holidays of a year: New Year's Day, Memorial Day, Independence Day, Labor Day,
 * Thanksgiving and Christmas (NERC's additional off-peak days), a Sunday observed on the Monday.
 */
export function nercHolidays(year: number): Set<string> {
  return new Set([
    observed(`${year}-01-01`), nthWeekday(year, 5, 1, -1), observed(`${year}-07-04`),
    nthWeekday(year, 9, 1, 1), nthWeekday(year, 11, 4, 4), observed(`${year}-12-25`),
  ]);
}

/** Monday to Friday and not a NERC holiday. */
export function isBusinessDay(day: string): boolean {
  const dow = weekday(day);
  return dow >= 1 && dow <= 5 && !nercHolidays(Number(day.slice(0, 4))).has(day);
}

/** The local days of a month, YYYY-MM-DD. */
export function daysOfMonth(month: string): string[] {
  const { year, month: m } = parseSettlementMonth(month);
  const days: string[] = [];
  for (let d = new Date(Date.UTC(year, m - 1, 1)); d.getUTCMonth() === m - 1; d = new Date(d.getTime() + 86_400_000)) days.push(d.toISOString().slice(0, 10));
  return days;
}

/** The UTC instants bounding a month in `zone`: [start, end). */
export function monthWindowUtc(month: string, zone: string): { startMs: number; endMs: number } {
  const days = daysOfMonth(month);
  return { startMs: localMidnightUtc(zone, days[0]), endMs: localMidnightUtc(zone, dayAfter(days[days.length - 1])) };
}

/** The settlement periods of one local day for `partner` in `zone`. */
function periodsOfDay(partner: string, zone: string, day: string, inMonth: boolean): SettlementPeriod[] {
  const periods: SettlementPeriod[] = [];
  const start = localMidnightUtc(zone, day);
  const end = localMidnightUtc(zone, dayAfter(day));
  const business = isBusinessDay(day);
  for (let t = start, n = 1; t < end; t += HALF_HOUR_MS, n += 1) {
    const localHour = new Date(t + zoneOffsetMs(zone, t)).getUTCHours();
    periods.push({ partner, settlementDay: day, period: n, periodStart: new Date(t), localHour, isBusinessDay: business, inMonth });
  }
  return periods;
}

/** Every settlement period of `month` for `partner` in `zone`, in time order. */
export function settlementPeriods(partner: string, zone: string, month: string): SettlementPeriod[] {
  return daysOfMonth(month).flatMap((day) => periodsOfDay(partner, zone, day, true));
}

/**
 * A run's calendar: the month's periods of every partner (sorted by name) and, when `fromDay` is
 * before the month, the periods of the days from `fromDay` up to it (demand-response baselines).
 */
export function settlementCalendar(partners: Record<string, string>, month: string, fromDay?: string): SettlementPeriod[] {
  const first = daysOfMonth(month)[0];
  const before: string[] = [];
  for (let d = fromDay; d !== undefined && d < first; d = dayAfter(d)) before.push(d);
  return Object.keys(partners).sort().flatMap((partner) => [
    ...before.flatMap((day) => periodsOfDay(partner, partners[partner], day, false)),
    ...settlementPeriods(partner, partners[partner], month),
  ]);
}
