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

/** Every settlement period of `month` for `partner` in `zone`, in time order. */
export function settlementPeriods(partner: string, zone: string, month: string): SettlementPeriod[] {
  const periods: SettlementPeriod[] = [];
  for (const day of daysOfMonth(month)) {
    const start = localMidnightUtc(zone, day);
    const end = localMidnightUtc(zone, dayAfter(day));
    for (let t = start, n = 1; t < end; t += HALF_HOUR_MS, n += 1) periods.push({ partner, settlementDay: day, period: n, periodStart: new Date(t) });
  }
  return periods;
}
