import type { SnapshotSelector } from '../iceberg/scan';

/** `--as-of` value: a snapshot id (digits), an ISO time, or else a tag/branch name. */
export function parseSnapshotSelector(value: string): NonNullable<SnapshotSelector> {
  if (/^\d{6,}$/.test(value)) return { snapshotId: BigInt(value) };
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
    if (!Number.isNaN(ms)) return { asOfMs: ms };
  }
  return { ref: value };
}
