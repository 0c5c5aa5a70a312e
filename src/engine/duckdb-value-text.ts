/**
 * Reads DuckDB's text rendering of a value (what `CAST(x AS VARCHAR)` prints, which is also what
 * `parquet_metadata` puts in `stats_min_value` / `stats_max_value` and what COPY's RETURN_STATS
 * reports as partition keys) back into the canonical Iceberg JS value of `conversions.ts`.
 * Parsing text avoids the lossy JS conversions of DuckDB values (DECIMAL(38) → double).
 */
import { parsePrimitiveType, type IcebergValue } from '../iceberg/conversions';
import type { PrimitiveType } from '../iceberg/types';

/** DuckDB text that is not a value of the expected Iceberg type (or has no Iceberg equivalent). */
export class DuckDbTextError extends Error {
  override name = 'DuckDbTextError';
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const DATE = /^(\d{4,})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?)?$/;
const MICROS_PER_DAY = 86_400_000_000n;

function fail(type: string, text: string, expected: string): DuckDbTextError {
  return new DuckDbTextError(`DuckDB text ${JSON.stringify(text)} is not a ${type} value: expected ${expected}`);
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function epochDay(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.floor(date.getTime() / 86_400_000);
}

/** Microseconds of a `.ffffff` fraction (any 1..6 digits). */
function fractionMicros(fraction: string | undefined): bigint {
  return fraction ? BigInt(fraction.padEnd(6, '0')) : 0n;
}

function timeOfDayMicros(h: string, m: string, s: string, fraction: string | undefined): bigint {
  return ((BigInt(h) * 60n + BigInt(m)) * 60n + BigInt(s)) * 1_000_000n + fractionMicros(fraction);
}

function parseTimestamp(type: string, text: string, withZone: boolean): bigint {
  const match = TIMESTAMP.exec(text);
  if (!match) throw fail(type, text, 'YYYY-MM-DD HH:MM:SS[.ffffff]' + (withZone ? '[+HH[:MM]]' : ''));
  const [, y, mo, d, h, mi, s, fraction, sign, offsetH, offsetM] = match;
  if (sign && !withZone) throw fail(type, text, 'no time zone offset');
  const micros = BigInt(epochDay(Number(y), Number(mo), Number(d))) * MICROS_PER_DAY + timeOfDayMicros(h, mi, s, fraction);
  if (!sign) return micros;
  const offset = (BigInt(offsetH) * 60n + BigInt(offsetM ?? '0')) * 60_000_000n;
  return sign === '+' ? micros - offset : micros + offset;
}

function parseFloating(type: string, text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw fail(type, text, 'a finite or infinite number');
  return value;
}

/** The unscaled value of decimal text at the given scale (`-5.00`, scale 2 → -500n). */
function parseDecimal(type: string, text: string, scale: number): bigint {
  const match = DECIMAL.exec(text);
  if (!match) throw fail(type, text, 'a decimal number');
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale) throw fail(type, text, `at most ${scale} decimal places`);
  const unscaled = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign === '-' ? -unscaled : unscaled;
}

/** DuckDB's BLOB text: printable ASCII as is, every other byte as `\xHH`. */
function parseBlob(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === 'x') {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** The canonical Iceberg value of DuckDB's text rendering of a value of Iceberg type `type`. */
export function parseDuckDbText(type: PrimitiveType | string, text: string): IcebergValue {
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw fail(type, text, 'true or false');
    case 'int':
      if (!INTEGER.test(text)) throw fail(type, text, 'an integer');
      return Number(text);
    case 'long':
      if (!INTEGER.test(text)) throw fail(type, text, 'an integer');
      return BigInt(text);
    case 'float':
      return Math.fround(parseFloating(type, text));
    case 'double':
      return parseFloating(type, text);
    case 'date': {
      const match = DATE.exec(text);
      if (!match) throw fail(type, text, 'YYYY-MM-DD');
      return epochDay(Number(match[1]), Number(match[2]), Number(match[3]));
    }
    case 'time': {
      const match = TIME.exec(text);
      if (!match) throw fail(type, text, 'HH:MM:SS[.ffffff]');
      return timeOfDayMicros(match[1], match[2], match[3], match[4]);
    }
    case 'timestamp':
      return parseTimestamp(type, text, false);
    case 'timestamptz':
      return parseTimestamp(type, text, true);
    case 'decimal':
      return parseDecimal(type, text, parsed.scale);
    case 'string':
    case 'uuid':
      return text;
    case 'binary':
    case 'fixed':
      return parseBlob(text);
  }
}
