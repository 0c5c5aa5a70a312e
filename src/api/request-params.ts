/**
 * Strict parsing of the dashboard API's query parameters: every parameter is checked for type and
 * range; an unknown or repeated parameter is an error (never ignored), each naming the parameter and
 * what it accepts (ApiError 400). Pure: no lake access.
 */
import type { SnapshotSelector } from '../iceberg/scan';
import { parseSnapshotSelector } from '../local/snapshot-arg';
import { parseIsoTime } from '../pipeline/strict-time';
import { badParameter } from './api-error';
import { autoResolution, MAX_POINTS_PER_SERIES, nominalPoints, RESOLUTIONS, RESOLUTION_MINUTES, type Resolution } from './buckets';
import { isTimeZone } from './time-zone';

export const MAX_METERS_PER_SERIES = 10;
export const MAX_METER_PAGE = 200;
export const DEFAULT_METER_PAGE = 50;
export const FLEET_GROUPS = ['region', 'product', 'source'] as const;
export type FleetGroup = (typeof FLEET_GROUPS)[number];

/** Which version of the data a read shows. */
export type DataVersion =
  /** The latest snapshot plus the versions committed since (meter_readings_live). */
  | { readonly kind: 'live' }
  /** Every table as of a tag, snapshot id or commit time (time travel). */
  | { readonly kind: 'as_of'; readonly selector: NonNullable<SnapshotSelector>; readonly text: string }
  /** meter_readings rebuilt from the versions received by this time. */
  | { readonly kind: 'known_at'; readonly knownAtMs: number };

export interface MetersRequest {
  readonly q: string;
  readonly source?: string;
  readonly region?: string;
  readonly limit: number;
  /** Meter ids after this one (keyset paging). */
  readonly after?: string;
}

export interface RangeRequest {
  readonly fromMs: number;
  readonly toMs: number;
  readonly resolution: Resolution;
  readonly timeZone: string;
  readonly version: DataVersion;
}

export interface SeriesRequest extends RangeRequest {
  readonly meters: string[];
}

export interface FleetRequest extends RangeRequest {
  readonly group: FleetGroup;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const METER_ID_FORM = '1–64 characters without control characters';
const TIME_FORM = 'an ISO time YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM] (no zone = UTC)';

/** The single value of each known parameter; unknown or repeated parameters are refused. */
function singleValues(query: URLSearchParams, known: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!known.includes(name)) throw badParameter(name, known.length ? `no such parameter (known: ${known.join(', ')})` : 'no parameters', value);
    if (values.has(name)) throw badParameter(name, 'one value (the parameter is repeated)', value);
    values.set(name, value);
  }
  return values;
}

function text(values: Map<string, string>, name: string, maxLength = 64): string | undefined {
  const value = values.get(name);
  if (value === undefined || value === '') return undefined;
  if (value.length > maxLength || CONTROL.test(value)) throw badParameter(name, `text of at most ${maxLength} characters without control characters`, value);
  return value;
}

function wholeNumber(values: Map<string, string>, name: string, min: number, max: number, fallback: number): number {
  const value = values.get(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw badParameter(name, `a whole number from ${min} to ${max}`, value);
  return n;
}

function time(values: Map<string, string>, name: string): number {
  const value = values.get(name);
  if (value === undefined || value === '') throw badParameter(name, TIME_FORM);
  try {
    return parseIsoTime(value);
  } catch {
    throw badParameter(name, TIME_FORM, value);
  }
}

function dataVersion(values: Map<string, string>): DataVersion {
  const asOf = values.get('as_of');
  const knownAt = values.get('known_at');
  if (asOf && knownAt) throw badParameter('known_at', 'to be absent when as_of is given (known_at rebuilds today\'s history, as_of reads a past snapshot)', knownAt);
  if (asOf) {
    if (asOf.length > 128 || CONTROL.test(asOf)) throw badParameter('as_of', 'a tag (daily-YYYY-MM-DD, settlement-YYYY-MM), a snapshot id or an ISO time', asOf);
    try {
      return { kind: 'as_of', selector: parseSnapshotSelector(asOf), text: asOf };
    } catch {
      throw badParameter('as_of', 'a tag (daily-YYYY-MM-DD, settlement-YYYY-MM), a snapshot id or an ISO time', asOf);
    }
  }
  if (knownAt) return { kind: 'known_at', knownAtMs: time(values, 'known_at') };
  return { kind: 'live' };
}

function range(values: Map<string, string>): RangeRequest {
  const fromMs = time(values, 'from');
  const toMs = time(values, 'to');
  if (toMs <= fromMs) throw badParameter('to', `a time after from (${new Date(fromMs).toISOString()})`, values.get('to'));
  const tz = values.get('tz') ?? 'UTC';
  if (!isTimeZone(tz)) throw badParameter('tz', 'an IANA time zone such as UTC or Europe/London', tz);
  const asked = values.get('resolution') ?? 'auto';
  if (asked !== 'auto' && !(RESOLUTIONS as readonly string[]).includes(asked)) throw badParameter('resolution', `auto or one of ${RESOLUTIONS.join(', ')}`, asked);
  const resolution = asked === 'auto' ? autoResolution(fromMs, toMs) : (asked as Resolution);
  if (nominalPoints(fromMs, toMs, resolution) > MAX_POINTS_PER_SERIES) {
    const days = Math.floor((MAX_POINTS_PER_SERIES * RESOLUTION_MINUTES[resolution]) / 1440);
    throw badParameter('resolution', `a coarser resolution for this range: at ${resolution} a range spans at most ${MAX_POINTS_PER_SERIES.toLocaleString('en-US')} points (${days} days)`, asked);
  }
  return { fromMs, toMs, resolution, timeZone: tz, version: dataVersion(values) };
}

/** `GET /api/series` parameters. */
export function parseSeriesRequest(query: URLSearchParams): SeriesRequest {
  const values = singleValues(query, ['meters', 'from', 'to', 'resolution', 'tz', 'as_of', 'known_at']);
  const list = values.get('meters');
  if (!list) throw badParameter('meters', `1 to ${MAX_METERS_PER_SERIES} meter ids separated by commas`);
  const meters = list.split(',');
  if (meters.length > MAX_METERS_PER_SERIES) throw badParameter('meters', `at most ${MAX_METERS_PER_SERIES} meter ids (got ${meters.length})`, list);
  for (const id of meters) {
    if (!id || id.length > 64 || CONTROL.test(id)) throw badParameter('meters', `meter ids of ${METER_ID_FORM}, separated by commas`, list);
  }
  if (new Set(meters).size !== meters.length) throw badParameter('meters', 'each meter id once', list);
  return { meters, ...range(values) };
}

/** `GET /api/fleet` parameters. */
export function parseFleetRequest(query: URLSearchParams): FleetRequest {
  const values = singleValues(query, ['group', 'from', 'to', 'resolution', 'tz', 'as_of', 'known_at']);
  const group = values.get('group');
  if (!group || !(FLEET_GROUPS as readonly string[]).includes(group)) throw badParameter('group', `one of ${FLEET_GROUPS.join(', ')}`, group);
  return { group: group as FleetGroup, ...range(values) };
}

/** The opaque paging cursor of /api/meters: the last meter id of the page, base64url. */
export const meterCursor = (lastMeterId: string) => Buffer.from(lastMeterId, 'utf8').toString('base64url');

/** `GET /api/meters` parameters. */
export function parseMetersRequest(query: URLSearchParams): MetersRequest {
  const values = singleValues(query, ['q', 'source', 'region', 'limit', 'cursor']);
  const cursor = values.get('cursor');
  let after: string | undefined;
  if (cursor) {
    after = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
    if (!after || after.length > 64 || CONTROL.test(after) || meterCursor(after) !== cursor) throw badParameter('cursor', 'the next_cursor of an earlier page', cursor);
  }
  return {
    q: text(values, 'q') ?? '',
    source: text(values, 'source'),
    region: text(values, 'region'),
    limit: wholeNumber(values, 'limit', 1, MAX_METER_PAGE, DEFAULT_METER_PAGE),
    after,
  };
}

/** Routes without parameters (`/api/status`, `/api/tags`): any parameter is an error. */
export function parseNoParameters(query: URLSearchParams): void {
  singleValues(query, []);
}
