/**
 * Iceberg single-value binary serialization (spec Appendix D), the ordering Iceberg uses for
 * bounds, and truncated string/binary bounds (spec "Data File Fields", PyIceberg utils/truncate).
 *
 * Values use the project's canonical JS representation, documented in `./transforms`
 * (`toIcebergValue` normalizes anything else): int/date/float/double → number,
 * long/time/timestamp(tz)/decimal-unscaled → bigint, string/uuid → string, binary/fixed → Buffer.
 */
import type { IcebergType, PrimitiveType } from './types';

/** A non-null Iceberg primitive value in the canonical JS representation. */
export type IcebergValue = boolean | number | bigint | string | Buffer;

type SimpleKind =
  | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time' | 'timestamp' | 'timestamptz'
  | 'string' | 'uuid' | 'binary';

/** A primitive type with its parameters parsed out of the type string. */
export type ParsedPrimitiveType =
  | { kind: SimpleKind }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'fixed'; length: number };

/** A value that does not fit the Iceberg type it was given for (or an unknown type). */
export class IcebergValueError extends Error {
  override name = 'IcebergValueError';
}

const SIMPLE_KINDS: ReadonlySet<string> = new Set<SimpleKind>([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'uuid', 'binary',
]);
const DECIMAL_PATTERN = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED_PATTERN = /^fixed\[\s*(\d+)\s*\]$/;

/** Parses a primitive type string (`'long'`, `'decimal(9,2)'`, `'fixed[16]'`); throws for nested types. */
export function parsePrimitiveType(type: IcebergType | string): ParsedPrimitiveType {
  if (typeof type !== 'string') {
    throw new IcebergValueError(`expected a primitive Iceberg type, got nested type '${type.type}'`);
  }
  if (SIMPLE_KINDS.has(type)) return { kind: type as SimpleKind };
  const decimal = DECIMAL_PATTERN.exec(type);
  if (decimal) return { kind: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  const fixed = FIXED_PATTERN.exec(type);
  if (fixed) return { kind: 'fixed', length: Number(fixed[1]) };
  throw new IcebergValueError(`unknown Iceberg primitive type '${type}'`);
}

/** True for primitive type strings (anything `parsePrimitiveType` accepts). */
export function isPrimitiveType(type: IcebergType | string): type is PrimitiveType {
  if (typeof type !== 'string') return false;
  return SIMPLE_KINDS.has(type) || DECIMAL_PATTERN.test(type) || FIXED_PATTERN.test(type);
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `<Buffer ${value.toString('hex')}>`;
  if (typeof value === 'string') return JSON.stringify(value);
  return `${String(value)} (${typeof value})`;
}

function mismatch(type: string, value: unknown, expected: string): IcebergValueError {
  return new IcebergValueError(`value ${describe(value)} does not fit Iceberg type '${type}': expected ${expected}`);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function expectInt32(type: string, value: IcebergValue): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw mismatch(type, value, 'a 32-bit integer number');
  }
  return value;
}

function expectInt64(type: string, value: IcebergValue): bigint {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
    throw mismatch(type, value, 'a 64-bit bigint');
  }
  return value;
}

function expectNumber(type: string, value: IcebergValue): number {
  if (typeof value !== 'number') throw mismatch(type, value, 'a number');
  return value;
}

function expectString(type: string, value: IcebergValue): string {
  if (typeof value !== 'string') throw mismatch(type, value, 'a string');
  return value;
}

function expectBuffer(type: string, value: IcebergValue): Buffer {
  if (!Buffer.isBuffer(value)) throw mismatch(type, value, 'a Buffer');
  return value;
}

/** Minimal big-endian two's-complement bytes of a decimal's unscaled value (1420n → 05 8c). */
export function decimalToBytes(unscaled: bigint): Buffer {
  let length = 1;
  while (unscaled >= 1n << BigInt(8 * length - 1) || unscaled < -(1n << BigInt(8 * length - 1))) length++;
  const out = Buffer.alloc(length);
  let rest = BigInt.asUintN(8 * length, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** The unscaled value of big-endian two's-complement bytes (any length, as Avro decimals too). */
export function decimalFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let unsigned = 0n;
  for (const byte of bytes) unsigned = (unsigned << 8n) | BigInt(byte);
  return BigInt.asIntN(8 * bytes.length, unsigned);
}

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The 16 big-endian bytes of a UUID string (dashes optional, any case). */
export function uuidToBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw mismatch('uuid', uuid, 'a UUID like f79c3e09-677c-4bbd-a479-3f349cb785e7');
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** The canonical lowercase dashed form of 16 UUID bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw mismatch('uuid', Buffer.from(bytes), '16 bytes');
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Serializes one value to Iceberg's single-value binary form (bounds, partition summaries). */
export function toBinary(type: PrimitiveType | string, value: IcebergValue): Buffer {
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch(type, value, 'a boolean');
      return Buffer.from([value ? 1 : 0]);
    case 'int':
    case 'date': {
      const out = Buffer.alloc(4);
      out.writeInt32LE(expectInt32(type, value));
      return out;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const out = Buffer.alloc(8);
      out.writeBigInt64LE(expectInt64(type, value));
      return out;
    }
    case 'float': {
      const out = Buffer.alloc(4);
      out.writeFloatLE(expectNumber(type, value));
      return out;
    }
    case 'double': {
      const out = Buffer.alloc(8);
      out.writeDoubleLE(expectNumber(type, value));
      return out;
    }
    case 'string':
      return Buffer.from(expectString(type, value), 'utf8');
    case 'uuid':
      return uuidToBytes(expectString(type, value));
    case 'binary':
    case 'fixed':
      return Buffer.from(expectBuffer(type, value));
    case 'decimal':
      if (typeof value !== 'bigint') throw mismatch(type, value, 'the unscaled value as a bigint');
      return decimalToBytes(value);
  }
}

function expectLength(type: string, bytes: Buffer, lengths: number[]): void {
  if (!lengths.includes(bytes.length)) {
    throw new IcebergValueError(
      `cannot read Iceberg '${type}' from ${bytes.length} bytes <${bytes.toString('hex')}>: expected ${lengths.join(' or ')}`,
    );
  }
}

/**
 * Deserializes Iceberg's single-value binary form. Like Java's `Conversions.fromByteBuffer`, a
 * 4-byte long/double bound is read as int/float: it was written before an int→long or
 * float→double type promotion.
 */
export function fromBinary(type: PrimitiveType | string, bytes: Uint8Array): IcebergValue {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean':
      expectLength(type, buf, [1]);
      return buf[0] !== 0;
    case 'int':
    case 'date':
      expectLength(type, buf, [4]);
      return buf.readInt32LE(0);
    case 'long':
      expectLength(type, buf, [4, 8]);
      return buf.length === 4 ? BigInt(buf.readInt32LE(0)) : buf.readBigInt64LE(0);
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      expectLength(type, buf, [8]);
      return buf.readBigInt64LE(0);
    case 'float':
      expectLength(type, buf, [4]);
      return buf.readFloatLE(0);
    case 'double':
      expectLength(type, buf, [4, 8]);
      return buf.length === 4 ? buf.readFloatLE(0) : buf.readDoubleLE(0);
    case 'string':
      return buf.toString('utf8');
    case 'uuid':
      expectLength(type, buf, [16]);
      return uuidFromBytes(buf);
    case 'binary':
    case 'fixed':
      return Buffer.from(buf);
    case 'decimal':
      return decimalFromBytes(buf);
  }
}

/** Compares strings by Unicode code point (= UTF-8 byte order), as Iceberg orders strings. */
export function compareStringsByCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 code-unit order differs from code-point order only for surrogates vs U+E000..U+FFFF:
    // move surrogates above that range (the classic "UTF-16 in code point order" fix-up).
    x = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    y = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Total order on numbers: -0.0 before +0.0, NaN after everything (Java `Float.compare`). */
function compareFloating(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) {
    if (a !== 0) return 0;
    const aNegative = Object.is(a, -0);
    const bNegative = Object.is(b, -0);
    return aNegative === bNegative ? 0 : aNegative ? -1 : 1;
  }
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

function compareOrdered<T extends number | bigint | boolean>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two canonical values of one type as Iceberg does (negative, zero or positive). */
export function compareValues(type: PrimitiveType | string, a: IcebergValue, b: IcebergValue): number {
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean':
      if (typeof a !== 'boolean' || typeof b !== 'boolean') throw mismatch(type, typeof a === 'boolean' ? b : a, 'a boolean');
      return compareOrdered(a, b);
    case 'int':
    case 'date':
      return compareOrdered(expectNumber(type, a), expectNumber(type, b));
    case 'float':
    case 'double':
      return compareFloating(expectNumber(type, a), expectNumber(type, b));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'decimal':
      if (typeof a !== 'bigint') throw mismatch(type, a, 'a bigint');
      if (typeof b !== 'bigint') throw mismatch(type, b, 'a bigint');
      return compareOrdered(a, b);
    case 'string':
      return compareStringsByCodePoint(expectString(type, a), expectString(type, b));
    case 'uuid':
      // Unsigned byte order of the 16 bytes = order of the lowercase hex text.
      return Buffer.compare(uuidToBytes(expectString(type, a)), uuidToBytes(expectString(type, b)));
    case 'binary':
    case 'fixed':
      return Buffer.compare(expectBuffer(type, a), expectBuffer(type, b));
  }
}

/** Code points of a string, without splitting surrogate pairs. */
function codePoints(text: string): number[] {
  const points: number[] = [];
  for (const char of text) points.push(char.codePointAt(0) as number);
  return points;
}

/**
 * A lower bound for `value` of at most `width` code points (strings) or bytes (binary): the
 * prefix. Other types are returned unchanged: they are never truncated.
 */
export function truncateLowerBound(type: PrimitiveType | string, value: IcebergValue, width = 16): IcebergValue {
  const kind = parsePrimitiveType(type).kind;
  if (kind === 'string') {
    const text = expectString(type, value);
    if (text.length <= width) return text; // ≤ width UTF-16 units ⇒ ≤ width code points
    const points = codePoints(text);
    return points.length <= width ? text : String.fromCodePoint(...points.slice(0, width));
  }
  if (kind === 'binary') {
    const bytes = expectBuffer(type, value);
    return bytes.length <= width ? bytes : Buffer.from(bytes.subarray(0, width));
  }
  return value;
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * An upper bound for `value` of at most `width` code points/bytes: the prefix with its last code
 * point/byte incremented, carrying left past U+10FFFF / 0xFF. `undefined` when no such bound
 * exists (the prefix is all U+10FFFF / all 0xFF): the caller must then omit the bound.
 */
export function truncateUpperBound(
  type: PrimitiveType | string,
  value: IcebergValue,
  width = 16,
): IcebergValue | undefined {
  const kind = parsePrimitiveType(type).kind;
  if (kind === 'string') {
    const text = expectString(type, value);
    if (text.length <= width) return text;
    const points = codePoints(text);
    if (points.length <= width) return text;
    for (let i = width - 1; i >= 0; i--) {
      if (points[i] === MAX_CODE_POINT) continue;
      // Surrogate code points are not characters; the next character after U+D7FF is U+E000.
      const next = points[i] + 1 === 0xd800 ? 0xe000 : points[i] + 1;
      return String.fromCodePoint(...points.slice(0, i), next);
    }
    return undefined;
  }
  if (kind === 'binary') {
    const bytes = expectBuffer(type, value);
    if (bytes.length <= width) return bytes;
    for (let i = width - 1; i >= 0; i--) {
      if (bytes[i] === 0xff) continue;
      const bound = Buffer.from(bytes.subarray(0, i + 1));
      bound[i] += 1;
      return bound;
    }
    return undefined;
  }
  return value;
}
