import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { Snapshot, TableMetadata } from './types';

/** Integers that fit a double become numbers; larger ones (snapshot ids) stay exact as bigint. */
function parseNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) return n;
  return BigInt(text);
}

const toId = (v: unknown): bigint => BigInt(v as number | bigint);

/** Parse table metadata JSON without losing 64-bit ids; ids are bigint afterwards. */
export function parseTableMetadata(text: string): TableMetadata {
  const raw = parseLossless(text, undefined, parseNumber) as Record<string, unknown>;
  if (raw['format-version'] !== 2) {
    throw new Error(`unsupported Iceberg format-version ${String(raw['format-version'])} (only 2 is supported)`);
  }
  const m = raw as unknown as TableMetadata;
  m['current-snapshot-id'] = raw['current-snapshot-id'] == null ? -1n : toId(raw['current-snapshot-id']);
  m.snapshots = ((raw.snapshots as Snapshot[] | undefined) ?? []).map((s) => {
    const snap: Snapshot = { ...s, 'snapshot-id': toId(s['snapshot-id']) };
    if (s['parent-snapshot-id'] != null) snap['parent-snapshot-id'] = toId(s['parent-snapshot-id']);
    else delete snap['parent-snapshot-id'];
    return snap;
  });
  m['snapshot-log'] = (m['snapshot-log'] ?? []).map((e) => ({ ...e, 'snapshot-id': toId(e['snapshot-id']) }));
  m['metadata-log'] = m['metadata-log'] ?? [];
  m.refs = Object.fromEntries(
    Object.entries(m.refs ?? {}).map(([name, ref]) => [name, { ...ref, 'snapshot-id': toId(ref['snapshot-id']) }]),
  );
  m.properties = m.properties ?? {};
  m.statistics = m.statistics ?? [];
  return m;
}

/** Serialize table metadata; bigint ids are written as bare JSON integers, never strings. */
export function serializeTableMetadata(metadata: TableMetadata): string {
  const text = stringifyLossless(metadata, undefined, 2);
  if (text === undefined) throw new Error('table metadata did not serialize');
  return text;
}

/** Lossless parse of any Iceberg JSON document (e.g. for the validator, which must see raw types). */
export function parseJsonLossless(text: string): unknown {
  return parseLossless(text, undefined, parseNumber);
}
