import type { SnapshotSelector } from '../iceberg/scan';
import { parseIsoTime } from '../pipeline/strict-time';

const SNAPSHOT_ID = /^\d{6,}$/;
const STARTS_WITH_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * `--as-of` value: a snapshot id (6 or more digits), a time (anything starting YYYY-MM-DD: it must
 * then be a valid ISO time, or InvalidTimeError), or else a tag/branch name.
 */
export function parseSnapshotSelector(value: string): NonNullable<SnapshotSelector> {
  if (SNAPSHOT_ID.test(value)) return { snapshotId: BigInt(value) };
  if (STARTS_WITH_DATE.test(value)) return { asOfMs: parseIsoTime(value) };
  return { ref: value };
}
