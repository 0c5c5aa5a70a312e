/**
 * Calendar arithmetic in an IANA time zone with Intl only (no zone data of our own): the offset
 * at an instant, and the instant a local date-time names.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `name` is a time zone this runtime knows (IANA names, and UTC). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock fields of an instant in a zone. */
export function localParts(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute };
}

/** Minutes the zone is ahead of UTC at an instant. */
export function offsetMinutesAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

/**
 * The instant of local midnight starting a calendar date in a zone. Where midnight does not exist
 * (a DST jump at 00:00) the day starts at the first instant after the gap.
 */
export function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the guess may differ from the offset at the answer across a DST change.
  let guess = naive - offsetMinutesAt(naive, timeZone) * 60_000;
  guess = naive - offsetMinutesAt(guess, timeZone) * 60_000;
  const p = localParts(guess, timeZone);
  if (p.day !== day) guess += (24 * 60 - (p.hour * 60 + p.minute)) * 60_000;
  return guess;
}

/** The local calendar date an instant falls on. */
export function localDate(ms: number, timeZone: string): { year: number; month: number; day: number } {
  const { year, month, day } = localParts(ms, timeZone);
  return { year, month, day };
}
