import type { IcebergTable } from '../../iceberg/table';
import type { RefOptions } from '../../iceberg/table-metadata';

const DAY_MS = 86_400_000;

/** Defaults of table maintenance; every one can be overridden per run. */
export const DEFAULT_RETENTION = {
  /** Untagged snapshots older than this are expired. */
  snapshotAgeMs: 30 * DAY_MS,
  /** Daily tags (`daily-YYYY-MM-DD`) are dropped once their snapshot is older than this. */
  dailyTagMaxAgeMs: 400 * DAY_MS,
  /** Unreferenced files younger than this are kept: longer than the longest commit delay. */
  orphanWindowMs: 3 * DAY_MS,
  /** Compaction target size of a data file. */
  targetFileSizeBytes: 256 * 1024 * 1024,
  /** Files smaller than this share of the target are compaction candidates. */
  smallFileRatio: 0.5,
} as const;

export const DAILY_TAG_PREFIX = 'daily-';
export const SETTLEMENT_TAG_PREFIX = 'settlement-';

const DAILY_TAG = /^daily-\d{4}-\d{2}-\d{2}$/;
// A settlement run's id is its tag: settlement-YYYY-MM-rN (bare settlement-YYYY-MM from before runs were numbered).
const SETTLEMENT_TAG = /^settlement-\d{4}-\d{2}(-r\d+)?$/;

/** `daily-YYYY-MM-DD` for a UTC date. */
export const dailyTagName = (date: Date) => `${DAILY_TAG_PREFIX}${date.toISOString().slice(0, 10)}`;
/** `settlement-YYYY-MM` for a UTC month. */
export const settlementTagName = (date: Date) => `${SETTLEMENT_TAG_PREFIX}${date.toISOString().slice(0, 7)}`;

export const isDailyTag = (name: string) => DAILY_TAG.test(name);
export const isSettlementTag = (name: string) => SETTLEMENT_TAG.test(name);

/**
 * How to create a tag so the spec's ref-age rule enforces the policy: daily tags carry
 * max-ref-age-ms (they expire by themselves), settlement tags carry none (kept forever).
 * Use with `IcebergTable.setRef(name, tagRefOptions(name))`.
 */
export function tagRefOptions(name: string, dailyTagMaxAgeMs: number = DEFAULT_RETENTION.dailyTagMaxAgeMs): RefOptions {
  return isDailyTag(name) ? { type: 'tag', maxRefAgeMs: dailyTagMaxAgeMs } : { type: 'tag' };
}

/** Place `tag` on the table's current snapshot unless it is there already; true when a ref was written. */
export async function tagCurrentSnapshot(table: IcebergTable, tag: string): Promise<boolean> {
  const metadata = await table.metadata();
  const current = metadata['current-snapshot-id'];
  if (current === -1n || metadata.refs[tag]?.['snapshot-id'] === current) return false;
  await table.setRef(tag, { ...tagRefOptions(tag), snapshotId: current });
  return true;
}
