/** A date or time argument that is not a real calendar date or time in the accepted form. */
export class InvalidTimeError extends Error {
  override readonly name = 'InvalidTimeError';
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 §5.6 allows lower-case t and z and any number of fraction digits.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE_FORM = 'YYYY-MM-DD';
const TIME_FORM = 'YYYY-MM-DD[THH:MM[:SS[.fff…]]][Z|±HH:MM] (no zone = UTC)';

/** Epoch ms of a UTC date-time, or undefined when a field is out of range (2021-02-30, 24:00, …). */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | undefined {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  const same = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d &&
    back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return same ? t : undefined;
}

/** A real calendar date `YYYY-MM-DD` → epoch ms of its 00:00 UTC. Throws InvalidTimeError otherwise. */
export function parseCalendarDate(text: string): number {
  const m = DATE.exec(text);
  const ms = m ? utcMs(+m[1], +m[2], +m[3]) : undefined;
  if (ms === undefined) throw new InvalidTimeError(`'${text}' is not a calendar date (expected ${DATE_FORM}, a real date)`);
  return ms;
}

/**
 * An ISO date or date-time → epoch ms. A date alone is 00:00 UTC; a time without a zone is UTC;
 * fraction digits beyond milliseconds are cut (snapshot commit times are whole milliseconds).
 * Every field is checked (V8's Date.parse takes 2021-02-30 as 2 March). Throws InvalidTimeError.
 */
export function parseIsoTime(text: string): number {
  const m = TIME.exec(text);
  const local = m ? utcMs(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? '0').slice(0, 3).padEnd(3, '0')) : undefined;
  const zone = m?.[8];
  const offset = zone && zone.toUpperCase() !== 'Z' ? /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) : undefined;
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (+offset[2] * 60 + +(offset[3] ?? 0)) : 0;
  const offsetValid = !offset || (+offset[2] <= 23 && +(offset[3] ?? 0) <= 59);
  if (local === undefined || !offsetValid) throw new InvalidTimeError(`'${text}' is not a time (expected ${TIME_FORM}, real calendar values)`);
  return local - offsetMinutes * 60_000;
}
