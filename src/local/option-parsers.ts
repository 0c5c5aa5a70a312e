import { InvalidArgumentError } from 'commander';
import { loadSourceProfiles } from '../formats/source-profiles';
import { parseCalendarDate, parseIsoTime } from '../pipeline/strict-time';
import { parseSnapshotSelector } from './snapshot-arg';

/**
 * Option value parsers for commander: a value they refuse is a usage error (exit 2) naming the
 * option and the value, raised while the command line is parsed, before any work.
 */

/** A pure parser whose error becomes a usage error. */
function refusing<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A whole number of at least `min`. */
export const integerAtLeast = (min: number) => (text: string): number => {
  const value = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`expected a whole number >= ${min}`);
  }
  return value;
};

/** A number greater than 0 (fractions allowed). */
export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number');
  return value;
}

/** A real calendar date YYYY-MM-DD, kept as text. */
export const calendarDate = refusing((text) => {
  parseCalendarDate(text);
  return text;
});

/** An ISO time → epoch ms. */
export const isoTime = refusing(parseIsoTime);

/** A tag, snapshot id or ISO time (see parseSnapshotSelector). */
export const snapshotSelector = refusing(parseSnapshotSelector);

/** The name of a source profile of config/sources.json. */
export function sourceProfileName(text: string): string {
  const profiles = loadSourceProfiles();
  if (!profiles.has(text)) throw new InvalidArgumentError(`unknown source profile (known: ${[...profiles.keys()].join(', ')})`);
  return text;
}
