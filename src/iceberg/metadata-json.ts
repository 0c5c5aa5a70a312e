import { randomBytes } from 'node:crypto';
import { parse as parseLossless } from 'lossless-json';
import type { Snapshot, TableMetadata } from './types';

/** Integers that fit a double become numbers; larger ones (snapshot ids) stay exact as bigint. */
function parseNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) return n;
  return BigInt(text);
}

/**
 * The integer value of a 64-bit id key. The key must be a whole JSON string (`"snapshot-id"`), so
 * the same text inside a string value (escaped as `\"snapshot-id\"`) never matches.
 */
const ID_VALUE = /"(snapshot-id|parent-snapshot-id|current-snapshot-id)"(\s*:\s*)(-?\d+)/g;

const toId = (v: unknown): bigint => BigInt(v as string | number | bigint);

/** Snapshot ids of statistics entries (statistics / partition-statistics), when present. */
function idsOfStatistics(entries: unknown): unknown[] {
  if (!Array.isArray(entries)) return [];
  return entries.map((entry: unknown) => {
    if (entry === null || typeof entry !== 'object' || !('snapshot-id' in entry)) return entry;
    return { ...entry, 'snapshot-id': toId((entry as Record<string, unknown>)['snapshot-id']) };
  });
}

/**
 * Parse table metadata JSON without losing 64-bit ids; ids are bigint afterwards. Native
 * JSON.parse after quoting the id values (14× faster than a lossless parser on large metadata).
 */
export function parseTableMetadata(text: string): TableMetadata {
  const raw = JSON.parse(text.replace(ID_VALUE, '"$1"$2"$3"')) as Record<string, unknown>;
  if (raw['format-version'] !== 2) {
    throw new Error(`unsupported Iceberg format-version ${String(raw['format-version'])} (only 2 is supported)`);
  }
  const m = raw as unknown as TableMetadata;
  m['current-snapshot-id'] = raw['current-snapshot-id'] == null ? -1n : toId(raw['current-snapshot-id']);
  // The parsed objects are fresh, so ids are converted in place (no copies of 10,000 snapshots).
  m.snapshots = (raw.snapshots as Snapshot[] | undefined) ?? [];
  for (const snap of m.snapshots) {
    snap['snapshot-id'] = toId(snap['snapshot-id']);
    if (snap['parent-snapshot-id'] != null) snap['parent-snapshot-id'] = toId(snap['parent-snapshot-id']);
    else delete snap['parent-snapshot-id'];
  }
  m['snapshot-log'] = m['snapshot-log'] ?? [];
  for (const entry of m['snapshot-log']) entry['snapshot-id'] = toId(entry['snapshot-id']);
  m['metadata-log'] = m['metadata-log'] ?? [];
  m.refs = Object.fromEntries(
    Object.entries(m.refs ?? {}).map(([name, ref]) => [name, { ...ref, 'snapshot-id': toId(ref['snapshot-id']) }]),
  );
  m.properties = m.properties ?? {};
  m.statistics = idsOfStatistics(m.statistics ?? []);
  if (m['partition-statistics'] !== undefined) m['partition-statistics'] = idsOfStatistics(m['partition-statistics']);
  return m;
}

/** Marks a bigint during JSON.stringify; a per-process nonce so no real string value can look like one. */
const BIGINT_MARK = `__meterlake_bigint_${randomBytes(8).toString('hex')}:`;
const MARKED_BIGINT = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, 'g');

/** Serialize table metadata; bigint ids are written as bare JSON integers, never strings. */
export function serializeTableMetadata(metadata: TableMetadata): string {
  const text = JSON.stringify(metadata, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARK}${value}` : value), 2);
  if (text === undefined) throw new Error('table metadata did not serialize');
  return text.replace(MARKED_BIGINT, '$1');
}

/** Lossless parse of any Iceberg JSON document (e.g. for the validator, which must see raw types). */
export function parseJsonLossless(text: string): unknown {
  return parseLossless(text, undefined, parseNumber);
}
