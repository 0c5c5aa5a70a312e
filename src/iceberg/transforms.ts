/**
 * Iceberg partition transforms (spec "Partition Transforms", Appendix B) and the project's
 * canonical JS representation of Iceberg values.
 *
 * Canonical JS representation of a (non-null) Iceberg value — used by every module in
 * src/iceberg; `toIcebergValue` converts the conveniences DuckDB and callers hand us:
 *
 * | Iceberg type            | JS value                                            |
 * |-------------------------|-----------------------------------------------------|
 * | boolean                 | boolean                                             |
 * | int                     | number (32-bit integer)                             |
 * | long                    | bigint                                              |
 * | float, double           | number (float: a float32 value, see `Math.fround`)  |
 * | date                    | number — days since 1970-01-01                      |
 * | time                    | bigint — µs since midnight                          |
 * | timestamp, timestamptz  | bigint — µs since 1970-01-01T00:00:00 (UTC for tz)  |
 * | string                  | string                                              |
 * | uuid                    | string — lowercase hex with dashes                  |
 * | binary, fixed[L]        | Buffer                                              |
 * | decimal(P,S)            | bigint — the unscaled value (14.20 at S=2 → 1420n)  |
 *
 * SQL null is `null`. Time transforms floor towards -∞, so instants before 1970 land in the
 * right day/hour/month/year (Java `DateTimeUtil`).
 */
import {
  IcebergValueError,
  decimalFromBytes,
  decimalToBytes,
  parsePrimitiveType,
  uuidFromBytes,
  uuidToBytes,
  type IcebergValue,
  type ParsedPrimitiveType,
} from './conversions';
import { murmur3Hash32 } from './murmur3';
import type { PrimitiveType } from './types';

export type TransformKind = 'identity' | 'year' | 'month' | 'day' | 'hour' | 'bucket' | 'truncate' | 'void';

/** The leaf predicate operators a transform can project (see `BoundTransform.project`). */
export type PredicateOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'isNull' | 'notNull';

/** A leaf predicate on one value, in canonical representation: `value` for comparisons, `values` for `in`. */
export interface ValuePredicate {
  op: PredicateOp;
  value?: IcebergValue;
  values?: IcebergValue[];
}

/** A transform string that is not one Iceberg defines, or a transform applied to a type it does not accept. */
export class InvalidTransformError extends Error {
  override name = 'InvalidTransformError';
}

/** A parsed transform, not yet tied to a source column type. */
export interface Transform {
  readonly kind: TransformKind;
  /** N of `bucket[N]`, W of `truncate[W]`; undefined otherwise. */
  readonly parameter: number | undefined;
  /** The canonical transform string, e.g. `bucket[16]`. */
  readonly text: string;
  /** Whether this transform accepts a source column of `sourceType`. */
  canTransform(sourceType: PrimitiveType): boolean;
  /** The partition value type: day → date; year/month/hour/bucket → int; identity/truncate/void → source. */
  resultType(sourceType: PrimitiveType): PrimitiveType;
  /** Ties the transform to a source column type; throws InvalidTransformError if it does not accept it. */
  bind(sourceType: PrimitiveType): BoundTransform;
}

/** A transform applied to one source column type. */
export interface BoundTransform {
  readonly transform: Transform;
  readonly sourceType: PrimitiveType;
  readonly resultType: PrimitiveType;
  /** Partition value of a canonical source value (null in ⇒ null out). */
  apply(value: IcebergValue | null | undefined): IcebergValue | null;
  /** The partition value as Java prints it in partition paths (`2026-01-02`, `2026-01-02-13`, `null`); not URL-escaped. */
  toHumanString(partitionValue: IcebergValue | null | undefined): string;
  /** Whether a predicate with `op` on the source column has an inclusive projection onto the partition value. */
  canProject(op: PredicateOp): boolean;
  /**
   * Inclusive projection: a predicate on the partition value that holds whenever `predicate` holds on
   * the source value (so a partition failing it cannot contain matching rows); null if none exists.
   */
  project(predicate: ValuePredicate): ValuePredicate | null;
}

const MICROS_PER_DAY = 86_400_000_000n;
const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_SECOND = 1_000_000n;
const MILLIS_PER_DAY = 86_400_000;

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`; no Date quirks for years < 100). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The proleptic Gregorian date of a day count (`civil_from_days`). */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');
const padYear = (year: number): string => (year < 0 ? '-' : year > 9999 ? '+' : '') + pad(year, 4);

function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${padYear(year)}-${pad(month)}-${pad(day)}`;
}

/** Java `LocalTime.toString`: HH:mm, then :ss and a 3/6/9-digit fraction only when non-zero. */
function formatTime(microsOfDay: bigint): string {
  const hours = Number(microsOfDay / MICROS_PER_HOUR);
  const minutes = Number((microsOfDay / 60_000_000n) % 60n);
  const seconds = Number((microsOfDay / MICROS_PER_SECOND) % 60n);
  const micros = Number(microsOfDay % MICROS_PER_SECOND);
  let text = `${pad(hours)}:${pad(minutes)}`;
  if (seconds > 0 || micros > 0) text += `:${pad(seconds)}`;
  if (micros > 0) text += micros % 1000 === 0 ? `.${pad(micros / 1000, 3)}` : `.${pad(micros, 6)}`;
  return text;
}

function formatTimestamp(micros: bigint): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  return `${formatDate(Number(days))}T${formatTime(micros - days * MICROS_PER_DAY)}`;
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const sign = unscaled < 0n ? '-' : '';
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Human string of a canonical value of `type` (Java `Transforms.identity().toHumanString`). */
function humanValue(type: ParsedPrimitiveType, value: IcebergValue): string {
  switch (type.kind) {
    case 'date':
      return formatDate(value as number);
    case 'time':
      return formatTime(value as bigint);
    case 'timestamp':
      return formatTimestamp(value as bigint);
    case 'timestamptz':
      return `${formatTimestamp(value as bigint)}Z`;
    case 'binary':
    case 'fixed':
      return (value as Buffer).toString('base64');
    case 'decimal':
      return formatDecimal(value as bigint, type.scale);
    default:
      return String(value);
  }
}

/** The bytes Iceberg's bucket transform hashes (spec Appendix B): ints/longs/dates/times as an 8-byte LE long. */
function bucketHashInput(type: ParsedPrimitiveType, value: IcebergValue): Buffer {
  switch (type.kind) {
    case 'int':
    case 'date':
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const out = Buffer.alloc(8);
      out.writeBigInt64LE(BigInt(value as number | bigint));
      return out;
    }
    case 'string':
      return Buffer.from(value as string, 'utf8');
    case 'uuid':
      return uuidToBytes(value as string);
    case 'binary':
    case 'fixed':
      return value as Buffer;
    case 'decimal':
      return decimalToBytes(value as bigint);
    default:
      throw new InvalidTransformError(`bucket does not accept type '${type.kind}'`);
  }
}

const TIME_SOURCES = new Set(['date', 'timestamp', 'timestamptz']);
const BUCKET_SOURCES = new Set(['int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'uuid', 'fixed', 'binary']);
const TRUNCATE_SOURCES = new Set(['int', 'long', 'decimal', 'string', 'binary']);
/** Source kinds whose values are integers: `x < v` ⇔ `x <= v - 1`, which projects tighter. */
const DISCRETE_SOURCES = new Set(['int', 'date', 'long', 'time', 'timestamp', 'timestamptz', 'decimal']);

/** Calendar fields of a date or timestamp source value. */
function daysOf(type: ParsedPrimitiveType, value: IcebergValue): number {
  return type.kind === 'date' ? (value as number) : Number(floorDiv(value as bigint, MICROS_PER_DAY));
}

function truncateValue(type: ParsedPrimitiveType, width: number, value: IcebergValue): IcebergValue {
  switch (type.kind) {
    case 'int': {
      const v = value as number;
      return v - (((v % width) + width) % width);
    }
    case 'long':
    case 'decimal': // the unscaled value: W is in units of the value's scale
      return (value as bigint) - floorMod(value as bigint, BigInt(width));
    case 'string': {
      const text = value as string;
      if (text.length <= width) return text;
      let end = 0;
      let count = 0;
      for (const char of text) {
        if (count === width) break;
        end += char.length;
        count++;
      }
      return text.slice(0, end);
    }
    case 'binary': {
      const bytes = value as Buffer;
      return bytes.length <= width ? bytes : Buffer.from(bytes.subarray(0, width));
    }
    default:
      throw new InvalidTransformError(`truncate does not accept type '${type.kind}'`);
  }
}

/** Value one step below/above an integer-valued canonical value. */
function step(value: IcebergValue, delta: -1 | 1): IcebergValue {
  return typeof value === 'bigint' ? value + BigInt(delta) : (value as number) + delta;
}

const TRANSFORM_PATTERN = /^\s*(identity|year|month|day|hour|void|bucket|truncate)\s*(?:\[\s*(\d+)\s*\])?\s*$/i;

/** Parses `identity`, `year`, `month`, `day`, `hour`, `bucket[N]`, `truncate[W]` or `void`. */
export function parseTransform(text: string): Transform {
  const match = TRANSFORM_PATTERN.exec(text);
  if (!match) throw new InvalidTransformError(`unknown partition transform '${text}'`);
  const kind = match[1].toLowerCase() as TransformKind;
  const hasParameter = kind === 'bucket' || kind === 'truncate';
  if (hasParameter !== (match[2] !== undefined)) {
    throw new InvalidTransformError(
      hasParameter ? `transform '${text}' needs a width, e.g. '${kind}[16]'` : `transform '${text}' takes no parameter`,
    );
  }
  const parameter = hasParameter ? Number(match[2]) : undefined;
  if (parameter !== undefined && (parameter < 1 || parameter > 2 ** 31 - 1)) {
    throw new InvalidTransformError(`transform '${text}' needs a positive 32-bit parameter`);
  }
  const canonicalText = hasParameter ? `${kind}[${parameter}]` : kind;

  const transform: Transform = {
    kind,
    parameter,
    text: canonicalText,
    canTransform(sourceType) {
      const source = parsePrimitiveType(sourceType).kind;
      switch (kind) {
        case 'identity':
        case 'void':
          return true;
        case 'year':
        case 'month':
        case 'day':
          return TIME_SOURCES.has(source);
        case 'hour':
          return source === 'timestamp' || source === 'timestamptz';
        case 'bucket':
          return BUCKET_SOURCES.has(source);
        case 'truncate':
          return TRUNCATE_SOURCES.has(source);
      }
    },
    resultType(sourceType) {
      switch (kind) {
        case 'day':
          return 'date';
        case 'year':
        case 'month':
        case 'hour':
        case 'bucket':
          return 'int';
        default:
          return sourceType;
      }
    },
    bind(sourceType) {
      if (!transform.canTransform(sourceType)) {
        throw new InvalidTransformError(`transform '${canonicalText}' cannot be applied to a '${sourceType}' column`);
      }
      return bindTransform(transform, sourceType);
    },
  };
  return transform;
}

function bindTransform(transform: Transform, sourceType: PrimitiveType): BoundTransform {
  const source = parsePrimitiveType(sourceType);
  const resultType = transform.resultType(sourceType);
  const result = parsePrimitiveType(resultType);
  const width = transform.parameter ?? 0;

  const applyNonNull = (value: IcebergValue): IcebergValue | null => {
    switch (transform.kind) {
      case 'identity':
        return value;
      case 'void':
        return null;
      case 'day':
        return daysOf(source, value);
      case 'hour':
        return Number(floorDiv(value as bigint, MICROS_PER_HOUR));
      case 'month': {
        const { year, month } = civilFromDays(daysOf(source, value));
        return (year - 1970) * 12 + (month - 1);
      }
      case 'year':
        return civilFromDays(daysOf(source, value)).year - 1970;
      case 'bucket':
        return (murmur3Hash32(bucketHashInput(source, value)) & 0x7fffffff) % width;
      case 'truncate':
        return truncateValue(source, width, value);
    }
  };

  const apply = (value: IcebergValue | null | undefined): IcebergValue | null =>
    value === null || value === undefined ? null : applyNonNull(value);

  const canProject = (op: PredicateOp): boolean => {
    switch (transform.kind) {
      case 'void':
        return false;
      case 'bucket':
        return op === 'eq' || op === 'in' || op === 'isNull' || op === 'notNull';
      default:
        return true;
    }
  };

  const projectValue = (value: IcebergValue | undefined): IcebergValue => {
    if (value === undefined) throw new InvalidTransformError(`predicate on a '${sourceType}' column has no value`);
    return apply(value) as IcebergValue;
  };

  const project = (predicate: ValuePredicate): ValuePredicate | null => {
    const { op } = predicate;
    if (!canProject(op)) return null;
    if (op === 'isNull' || op === 'notNull') return { op };
    if (transform.kind === 'identity') return predicate;
    if (op === 'in') return { op, values: (predicate.values ?? []).map(projectValue) };
    if (op === 'eq' || op === 'lte' || op === 'gte') return { op, value: projectValue(predicate.value) };
    // Order-preserving but not injective: strict bounds become inclusive on the partition value.
    const discrete = DISCRETE_SOURCES.has(source.kind) && predicate.value !== undefined;
    if (op === 'lt') return { op: 'lte', value: projectValue(discrete ? step(predicate.value!, -1) : predicate.value) };
    return { op: 'gte', value: projectValue(discrete ? step(predicate.value!, 1) : predicate.value) };
  };

  const toHumanString = (partitionValue: IcebergValue | null | undefined): string => {
    if (partitionValue === null || partitionValue === undefined) return 'null';
    switch (transform.kind) {
      case 'year':
        return padYear(1970 + (partitionValue as number));
      case 'month': {
        const months = partitionValue as number;
        return `${padYear(1970 + Math.floor(months / 12))}-${pad((((months % 12) + 12) % 12) + 1)}`;
      }
      case 'hour': {
        const hours = BigInt(partitionValue as number);
        const days = floorDiv(hours, 24n);
        return `${formatDate(Number(days))}-${pad(Number(hours - days * 24n))}`;
      }
      case 'day':
        return formatDate(partitionValue as number);
      case 'bucket':
        return String(partitionValue);
      default:
        return humanValue(result, partitionValue);
    }
  };

  return { transform, sourceType, resultType, apply, toHumanString, canProject, project };
}

// ---------------------------------------------------------------------------------------------
// Normalizing values to the canonical representation

function invalid(type: string, value: unknown, expected: string): IcebergValueError {
  const shown =
    typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new IcebergValueError(`cannot use ${shown} (${typeof value}) as Iceberg '${type}': expected ${expected}`);
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
const DATE_TIME_TEXT =
  /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

function isObjectWith<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === 'object' && value !== null && key in value;
}

/** µs of a fraction-of-second text ('5' → 500000); digits past µs are dropped (floor for positive times). */
function fractionMicros(fraction: string | undefined): bigint {
  return fraction ? BigInt(fraction.padEnd(6, '0').slice(0, 6)) : 0n;
}

/** µs since epoch of an ISO-8601 date or date-time; no offset means UTC. */
function parseDateTime(type: string, text: string): bigint {
  const m = DATE_TIME_TEXT.exec(text.trim());
  if (!m) throw invalid(type, text, "an ISO-8601 date or date-time like '2026-01-02T13:00:00.123456Z'");
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction, offset] = m;
  const days = daysFromCivil(Number(year), Number(month), Number(day));
  let micros =
    BigInt(days) * MICROS_PER_DAY +
    BigInt(Number(hour) * 3600 + Number(minute) * 60 + Number(second)) * MICROS_PER_SECOND +
    fractionMicros(fraction);
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1n : 1n;
    const digits = offset.slice(1).replace(':', '');
    const offsetMinutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
    micros -= sign * offsetMinutes * 60n * MICROS_PER_SECOND;
  }
  return micros;
}

/** Exact unscaled value of a decimal text at `scale`; throws if it would need rounding. */
function parseDecimalText(type: string, text: string, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw invalid(type, text, 'a decimal number');
  const [, sign, whole, fraction = '', exponentText = '0'] = m;
  // digits × 10^(exponent − fraction length), then rescaled to `scale`.
  const digits = BigInt(`${whole}${fraction}` || '0');
  const shift = Number(exponentText) - fraction.length + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    if (digits % divisor !== 0n) throw invalid(type, text, `at most ${scale} fractional digits`);
    unscaled = digits / divisor;
  }
  return sign === '-' ? -unscaled : unscaled;
}

function checkPrecision(type: string, value: unknown, unscaled: bigint, precision: number): bigint {
  const limit = 10n ** BigInt(precision);
  if (unscaled >= limit || unscaled <= -limit) throw invalid(type, value, `at most ${precision} digits`);
  return unscaled;
}

function toInteger(type: string, value: unknown): number | bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) return BigInt(value.trim());
  throw invalid(type, value, 'an integer');
}

function toInt32(type: string, value: unknown): number {
  const integer = toInteger(type, value);
  if (integer < -(2 ** 31) || integer > 2 ** 31 - 1) throw invalid(type, value, 'a 32-bit integer');
  return Number(integer);
}

function toInt64(type: string, value: unknown): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw invalid(type, value, 'a bigint (this number is not a safe integer, so its exact value is unknown)');
  }
  const integer = BigInt(toInteger(type, value));
  if (integer < -(1n << 63n) || integer >= 1n << 63n) throw invalid(type, value, 'a 64-bit integer');
  return integer;
}

function toBytes(type: string, value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (isObjectWith(value, 'bytes') && value.bytes instanceof Uint8Array) return toBytes(type, value.bytes);
  throw invalid(type, value, 'a Buffer or Uint8Array');
}

/**
 * Converts a JS value to the canonical representation of Iceberg `type` (null/undefined → null).
 * Accepts, besides canonical values: Date for date/timestamp(tz); ISO-8601 strings for
 * date/time/timestamp(tz) (no offset = UTC); numbers as µs for time/timestamp(tz); DuckDB value
 * objects (`{days}`, `{micros}`, `{scale, value}`, `{bytes}`); number/bigint/integer text for
 * int/long; number or text (exact, no rounding) for decimals — a bigint decimal is already the
 * unscaled value; Uint8Array for binary; a 16-byte buffer or undashed hex for uuid; Avro's
 * two's-complement bytes for decimals. Throws IcebergValueError naming the value and type.
 */
export function toIcebergValue(type: PrimitiveType | string, value: unknown): IcebergValue | null {
  if (value === null || value === undefined) return null;
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw invalid(type, value, 'a boolean');
    case 'int':
      return toInt32(type, value);
    case 'long':
      return toInt64(type, value);
    case 'float':
    case 'double': {
      const number =
        typeof value === 'number' ? value
        : typeof value === 'bigint' ? Number(value)
        : typeof value === 'string' && value.trim() !== '' ? Number(value)
        : NaN;
      if (Number.isNaN(number) && !(typeof value === 'number' || value === 'NaN')) throw invalid(type, value, 'a number');
      // Bounds of float columns are float32; compare like with like (Java binds literals the same way).
      return parsed.kind === 'float' ? Math.fround(number) : number;
    }
    case 'date': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw invalid(type, value, 'a valid Date');
        return Math.floor(value.getTime() / MILLIS_PER_DAY);
      }
      if (typeof value === 'string' && !INTEGER_TEXT.test(value.trim())) {
        return Number(floorDiv(parseDateTime(type, value), MICROS_PER_DAY));
      }
      if (isObjectWith(value, 'days') && typeof value.days === 'number') return value.days;
      return toInt32(type, value);
    }
    case 'time': {
      let micros: bigint;
      if (typeof value === 'string' && TIME_TEXT.test(value.trim())) {
        const [, hour, minute, second = '0', fraction] = TIME_TEXT.exec(value.trim()) as RegExpExecArray;
        micros =
          BigInt(Number(hour) * 3600 + Number(minute) * 60 + Number(second)) * MICROS_PER_SECOND + fractionMicros(fraction);
      } else if (isObjectWith(value, 'micros') && typeof value.micros === 'bigint') {
        micros = value.micros;
      } else {
        micros = toInt64(type, value);
      }
      if (micros < 0n || micros >= MICROS_PER_DAY) throw invalid(type, value, 'a time of day (0 ≤ µs < 86400000000)');
      return micros;
    }
    case 'timestamp':
    case 'timestamptz':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw invalid(type, value, 'a valid Date');
        return BigInt(value.getTime()) * 1000n;
      }
      if (typeof value === 'string' && !INTEGER_TEXT.test(value.trim())) return parseDateTime(type, value);
      if (isObjectWith(value, 'micros') && typeof value.micros === 'bigint') return value.micros;
      return toInt64(type, value);
    case 'string':
      if (typeof value === 'string') return value;
      throw invalid(type, value, 'a string');
    case 'uuid':
      if (typeof value === 'string') return uuidFromBytes(uuidToBytes(value.trim()));
      return uuidFromBytes(toBytes(type, value));
    case 'binary':
    case 'fixed':
      return toBytes(type, value);
    case 'decimal': {
      let unscaled: bigint;
      if (typeof value === 'bigint') unscaled = value;
      else if (typeof value === 'number' && Number.isFinite(value)) unscaled = parseDecimalText(type, String(value), parsed.scale);
      else if (typeof value === 'string') unscaled = parseDecimalText(type, value, parsed.scale);
      else if (isObjectWith(value, 'scale') && isObjectWith(value, 'value') && typeof value.value === 'bigint') {
        unscaled = parseDecimalText(type, `${value.value}e-${Number(value.scale)}`, parsed.scale);
      } else if (value instanceof Uint8Array) unscaled = decimalFromBytes(value);
      else throw invalid(type, value, 'a bigint unscaled value, a number or decimal text');
      return checkPrecision(type, value, unscaled, parsed.precision);
    }
  }
}
