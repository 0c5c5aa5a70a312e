/**
 * Europe/London civil time without Intl (fast enough for millions of rows): GMT in winter,
 * BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
 */
import { DAY_MS } from './options';

const HOUR_MS = 3_600_000;
const bstByYear = new Map<number, readonly [number, number]>();

/** 01:00 UTC on the last Sunday of the month (0-based month). */
function lastSundayOneAm(year: number, month: number): number {
  const lastDay = Date.UTC(year, month + 1, 0);
  const weekday = new Date(lastDay).getUTCDay();
  return lastDay - weekday * DAY_MS + HOUR_MS;
}

/** [BST start, BST end) of the year, as UTC epoch milliseconds. */
export function bstPeriod(year: number): readonly [number, number] {
  let period = bstByYear.get(year);
  if (!period) {
    period = [lastSundayOneAm(year, 2), lastSundayOneAm(year, 9)];
    bstByYear.set(year, period);
  }
  return period;
}

/** Offset of London time from UTC at an instant, in milliseconds (0 or 1 hour). */
export function londonOffsetMs(utcMs: number): number {
  const [start, end] = bstPeriod(new Date(utcMs).getUTCFullYear());
  return utcMs >= start && utcMs < end ? HOUR_MS : 0;
}

/** Naive London local time `YYYY-MM-DD HH:MM:SS` of a UTC instant. */
export function londonNaive(utcMs: number): string {
  const iso = new Date(utcMs + londonOffsetMs(utcMs)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * True when the London local time of this instant occurs twice (the fall-back hour): a naive
 * timestamp alone cannot say which instant it is.
 */
export function isAmbiguousLondon(utcMs: number): boolean {
  const fallBack = bstPeriod(new Date(utcMs).getUTCFullYear())[1];
  return utcMs >= fallBack - HOUR_MS && utcMs < fallBack + HOUR_MS;
}

/** End of the ambiguous period on the fall-back day that contains this instant. */
export function endOfAmbiguousLondon(utcMs: number): number {
  return bstPeriod(new Date(utcMs).getUTCFullYear())[1] + HOUR_MS;
}

/** True when the UTC day starting at dayStartMs is the spring-forward day. */
export function isSpringForwardDay(dayStartMs: number): boolean {
  const start = bstPeriod(new Date(dayStartMs).getUTCFullYear())[0];
  return start >= dayStartMs && start < dayStartMs + DAY_MS;
}
