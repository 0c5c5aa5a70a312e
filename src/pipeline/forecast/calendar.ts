/**
 * The forecast's calendar: hours in Europe/London local time (the data's sources and its users
 * live there) and England & Wales bank holidays as a calendar input.
 */
import Holidays from 'date-holidays';
import { londonOffsetMs } from '../../demo/london-time';

export const HOUR_MS = 3_600_000;
export const HOURS_PER_WEEK = 168;

/** Where a UTC hour falls in local time. */
export interface LocalHour {
  /** Local calendar date YYYY-MM-DD. */
  localDate: string;
  /** Local wall-clock hour 0–23. */
  localHour: number;
  /** ISO weekday of the local date: 1 = Monday … 7 = Sunday. */
  localDow: number;
  isHoliday: boolean;
}

/** Local date, hour and weekday of the UTC hour starting at `hourMs`. */
export function localHourOf(hourMs: number, holidays: HolidayCalendar): LocalHour {
  const local = new Date(hourMs + londonOffsetMs(hourMs));
  const localDate = local.toISOString().slice(0, 10);
  const weekday = local.getUTCDay();
  return { localDate, localHour: local.getUTCHours(), localDow: weekday === 0 ? 7 : weekday, isHoliday: holidays.isHoliday(localDate) };
}

/**
 * The profile slot of a local hour: (weekday − 1) × 24 + hour, a bank holiday counted as a Sunday
 * (how utilities treat them: shops and offices closed, households at home).
 */
export function profileSlot(local: LocalHour): number {
  const dow = local.isHoliday ? 7 : local.localDow;
  return (dow - 1) * 24 + local.localHour;
}

/** Which local dates are bank holidays. */
export interface HolidayCalendar {
  isHoliday(localDate: string): boolean;
  /** Every holiday date of a year, sorted. */
  datesOf(year: number): string[];
}

/** Bank holidays of England & Wales (the `date-holidays` rules for GB-ENG, public type only). */
export function englandBankHolidays(): HolidayCalendar {
  const rules = new Holidays('GB', 'ENG');
  const byYear = new Map<number, Set<string>>();
  const datesOf = (year: number): Set<string> => {
    let dates = byYear.get(year);
    if (!dates) {
      dates = new Set(rules.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
      byYear.set(year, dates);
    }
    return dates;
  };
  return {
    isHoliday: (localDate) => datesOf(Number(localDate.slice(0, 4))).has(localDate),
    datesOf: (year) => [...datesOf(year)].sort(),
  };
}

/** A calendar with exactly these holiday dates (tests, or a utility's own list). */
export function fixedHolidays(dates: Iterable<string>): HolidayCalendar {
  const set = new Set(dates);
  return {
    isHoliday: (d) => set.has(d),
    datesOf: (year) => [...set].filter((d) => d.startsWith(`${year}-`)).sort(),
  };
}
