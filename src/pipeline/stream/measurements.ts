/**
 * Kafka message values → sensor measurements. A message is JSON `{"measurements":[…]}`; each
 * measurement is judged on its own, and whatever cannot be read is returned as a rejection with
 * a stable reason code, the field, the value and what was expected: never dropped, never thrown.
 */
import { InvalidTimeError, parseIsoTime } from '../strict-time';

/** Where a Kafka record came from. */
export interface KafkaOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The Kafka record timestamp (epoch ms); becomes received_at. */
  readonly receivedAtMs: number;
}

/** One sensor reading as sent. */
export interface Measurement {
  readonly deviceId: number;
  readonly deviceName: string;
  readonly timeMs: number;
  readonly cumulativeEnergy: number;
  readonly origin: KafkaOrigin;
}

export type RejectReason =
  | 'empty_message' | 'not_utf8' | 'not_json' | 'message_not_object' | 'unknown_message_field'
  | 'missing_measurements' | 'measurements_not_array' | 'no_measurements' | 'measurement_not_object'
  | 'unknown_field' | 'missing_field' | 'null_field' | 'wrong_type' | 'device_id_not_integer'
  | 'device_id_out_of_range' | 'empty_device_name' | 'time_not_iso8601' | 'time_without_zone'
  | 'time_precision' | 'non_finite_energy' | 'negative_energy';

/** A measurement (index set) or a whole message (index null) that was not accepted. */
export interface RejectedMeasurement {
  readonly origin: KafkaOrigin;
  readonly index: number | null;
  readonly raw: string;
  readonly field: string | null;
  readonly value: string | null;
  readonly reason: RejectReason;
  readonly message: string;
}

export interface DecodedMessage {
  measurements: Measurement[];
  rejects: RejectedMeasurement[];
}

const MEASUREMENT_FIELDS = ['device_id', 'device_name', 'time', 'cumulative_energy'] as const;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// A UTC instant: a date-time with seconds and an explicit zone (Z or ±HH:MM); a bare local time is ambiguous.
const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

class Rejection extends Error {
  constructor(readonly reason: RejectReason, readonly field: string | null, readonly value: string | null, readonly detail: string) {
    super(detail);
  }
}

const shown = (v: unknown): string => (v === undefined ? 'missing' : JSON.stringify(v));

const digits = (text: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
};

/**
 * The common form, `YYYY-MM-DDTHH:MM:SSZ`, without the general parser (a sensor fleet sends
 * millions): its fields are checked by the round trip through Date. undefined: take the general path.
 */
function fastInstant(text: string): number | undefined {
  if (text.length !== 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[19] !== 'Z') return undefined;
  const [y, mo, d, h, mi, s] = [digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10), digits(text, 11, 13), digits(text, 14, 16), digits(text, 17, 19)];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  const same = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h && back.getUTCMinutes() === mi && back.getUTCSeconds() === s;
  return same ? ms : undefined;
}

/** The epoch ms of a measurement's time, or a Rejection saying what is wrong with it. */
function instantOf(text: string): number {
  const fast = fastInstant(text);
  if (fast !== undefined) return fast;
  const m = INSTANT.exec(text);
  if (!m) {
    if (LOCAL_TIME.test(text)) throw new Rejection('time_without_zone', 'time', text, `time ${JSON.stringify(text)} has no zone; expected a UTC instant such as 2022-07-11T02:15:00Z`);
    throw new Rejection('time_not_iso8601', 'time', text, `time ${JSON.stringify(text)} is not an ISO-8601 instant (expected YYYY-MM-DDTHH:MM:SS[.fff]Z or ±HH:MM)`);
  }
  // Iceberg keeps microseconds but the stream keeps milliseconds: finer digits would be cut silently.
  if (m[2] && /[1-9]/.test(m[2].slice(3))) {
    throw new Rejection('time_precision', 'time', text, `time ${JSON.stringify(text)} is finer than a millisecond; expected at most 3 fraction digits`);
  }
  try {
    return parseIsoTime(text);
  } catch (err) {
    if (err instanceof InvalidTimeError) throw new Rejection('time_not_iso8601', 'time', text, `time ${JSON.stringify(text)} is not a real calendar instant`);
    throw err;
  }
}

/** One element of `measurements`, validated. */
function measurementOf(item: unknown, origin: KafkaOrigin): Measurement {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new Rejection('measurement_not_object', null, shown(item), `measurement is ${shown(item)}, expected an object with ${MEASUREMENT_FIELDS.join(', ')}`);
  }
  const record = item as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !(MEASUREMENT_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new Rejection('unknown_field', unknown, shown(record[unknown]), `unknown field ${JSON.stringify(unknown)}; a measurement has exactly ${MEASUREMENT_FIELDS.join(', ')}`);
  }
  for (const field of MEASUREMENT_FIELDS) {
    if (!(field in record)) throw new Rejection('missing_field', field, null, `field ${field} is missing`);
    if (record[field] === null) throw new Rejection('null_field', field, 'null', `field ${field} is null`);
  }
  const { device_id: id, device_name: name, time, cumulative_energy: energy } = record;
  if (typeof id !== 'number') throw new Rejection('wrong_type', 'device_id', shown(id), `device_id is ${shown(id)}, expected a JSON number`);
  if (!Number.isInteger(id)) throw new Rejection('device_id_not_integer', 'device_id', shown(id), `device_id ${shown(id)} is not an integer`);
  if (id < INT32_MIN || id > INT32_MAX) throw new Rejection('device_id_out_of_range', 'device_id', shown(id), `device_id ${shown(id)} is outside the 32-bit range ${INT32_MIN}..${INT32_MAX}`);
  if (typeof name !== 'string') throw new Rejection('wrong_type', 'device_name', shown(name), `device_name is ${shown(name)}, expected a string`);
  if (name.trim() === '') throw new Rejection('empty_device_name', 'device_name', shown(name), 'device_name is empty');
  if (typeof time !== 'string') throw new Rejection('wrong_type', 'time', shown(time), `time is ${shown(time)}, expected an ISO-8601 string`);
  const timeMs = instantOf(time);
  if (typeof energy !== 'number') throw new Rejection('wrong_type', 'cumulative_energy', shown(energy), `cumulative_energy is ${shown(energy)}, expected a JSON number`);
  if (!Number.isFinite(energy)) throw new Rejection('non_finite_energy', 'cumulative_energy', String(energy), `cumulative_energy overflows a double (${String(energy)})`);
  if (energy < 0) throw new Rejection('negative_energy', 'cumulative_energy', shown(energy), `cumulative_energy ${shown(energy)} is negative; a counter starts at 0`);
  return { deviceId: id, deviceName: name, timeMs, cumulativeEnergy: energy, origin };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode one Kafka message value (the bytes, base64-decoded) into its measurements and rejections. */
export function decodeMeasurements(value: Uint8Array | null, origin: KafkaOrigin): DecodedMessage {
  const whole = (reason: RejectReason, raw: string, detail: string, field: string | null = null, fieldValue: string | null = null): DecodedMessage =>
    ({ measurements: [], rejects: [{ origin, index: null, raw, field, value: fieldValue, reason, message: detail }] });
  if (value === null || value.length === 0) return whole('empty_message', '', 'the message value is empty (a tombstone or an empty payload)');
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return whole('not_utf8', Buffer.from(value).toString('base64'), 'the message value is not UTF-8 text (raw kept as base64)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return whole('not_json', text, `the message value is not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return whole('message_not_object', text, `the message is ${Array.isArray(parsed) ? 'an array' : shown(parsed)}, expected {"measurements":[…]}`);
  }
  const message = parsed as Record<string, unknown>;
  const unknown = Object.keys(message).find((key) => key !== 'measurements');
  if (unknown !== undefined) return whole('unknown_message_field', text, `unknown field ${JSON.stringify(unknown)}; a message has only "measurements"`, unknown, shown(message[unknown]));
  if (!('measurements' in message)) return whole('missing_measurements', text, 'the message has no "measurements" field', 'measurements');
  const items = message.measurements;
  if (!Array.isArray(items)) return whole('measurements_not_array', text, `measurements is ${shown(items)}, expected an array`, 'measurements', shown(items));
  if (items.length === 0) return whole('no_measurements', text, 'measurements is an empty array: the message carries no reading', 'measurements', '[]');
  const decoded: DecodedMessage = { measurements: [], rejects: [] };
  items.forEach((item, index) => {
    try {
      decoded.measurements.push(measurementOf(item, origin));
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      decoded.rejects.push({ origin, index, raw: JSON.stringify(item) ?? 'undefined', field: err.field, value: err.value, reason: err.reason, message: `measurement ${index}: ${err.detail}` });
    }
  });
  return decoded;
}
