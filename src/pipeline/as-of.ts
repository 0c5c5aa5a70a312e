import { SnapshotNotFoundError } from '../iceberg/errors';
import { latestTags, tagHint, tagsNearestByName, tagsNearestByTime, tagsOf } from '../iceberg/nearest-tags';
import { describeSelector, resolveSnapshot, snapshotAsOf, snapshotNotFound, type SnapshotSelector } from '../iceberg/scan';
import { currentSnapshot } from '../iceberg/table-metadata';
import type { Snapshot, TableMetadata } from '../iceberg/types';
import { DAILY_TAG_PREFIX, isDailyTag, isSettlementTag, SETTLEMENT_TAG_PREFIX } from './maintenance/tag-policy';

/** How one table reads at a lake-wide selector. */
export type TableAtSelector =
  /** Read this snapshot. */
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }
  /** The table held no rows then: it had no snapshot yet (its first one came later). */
  | { readonly kind: 'empty' }
  /** Not knowable: the table's snapshots from then were expired. Reading it must fail with `error`. */
  | { readonly kind: 'unavailable'; readonly error: SnapshotNotFoundError };

/** The family of a tag that scheduled runs place on every table they write (`daily-`, `settlement-`). */
function runTagFamily(ref: string): string | undefined {
  if (isDailyTag(ref)) return DAILY_TAG_PREFIX;
  if (isSettlementTag(ref)) return SETTLEMENT_TAG_PREFIX;
  return undefined;
}

/** Whether the snapshot-log still starts at the table's first snapshot (none expired before it). */
function historyComplete(m: TableMetadata): boolean {
  const first = m['snapshot-log'][0];
  if (!first) return m.snapshots.length === 0;
  const snapshot = m.snapshots.find((s) => s['snapshot-id'] === first['snapshot-id']);
  return snapshot !== undefined && snapshot['parent-snapshot-id'] === undefined;
}

/** A table at a commit time: its snapshot then, empty if it had none yet, unavailable if that history was expired. */
function tableAtTime(m: TableMetadata, asOfMs: number): TableAtSelector {
  const snapshot = snapshotAsOf(m, asOfMs);
  if (snapshot) return { kind: 'snapshot', snapshot };
  return historyComplete(m) ? { kind: 'empty' } : { kind: 'unavailable', error: snapshotNotFound(m, { asOfMs }) };
}

/** The snapshot a tag or id names in this table, or undefined when the table has no such version. */
function holderSnapshot(m: TableMetadata, selector: { ref: string } | { snapshotId: bigint }): Snapshot | undefined {
  try {
    return resolveSnapshot(m, selector);
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Every table of a lake at one selector, as one consistent point in time:
 * - no selector: each table's current snapshot (empty if it has none);
 * - a tag or snapshot id: the tables that hold it read it; a table that carries other tags of a
 *   scheduled run's family (`daily-…`, `settlement-…`) but not this one is unavailable (that run did
 *   not write it); every other table reads as of the commit time of that version (the latest
 *   commit among the holders: the end of the run that tagged them);
 * - a time (a commit time): each table's latest snapshot committed at or before it; a table whose
 *   first snapshot came later is empty; one whose history from then was expired is unavailable.
 * Throws SnapshotNotFoundError (what was asked, nearest valid tags) when no table holds the tag or
 * id, or no table has a snapshot committed at or before the time: never a fallback to current data.
 */
export function resolveLakeVersions(tables: ReadonlyMap<string, TableMetadata>, selector: SnapshotSelector): Map<string, TableAtSelector> {
  const result = new Map<string, TableAtSelector>();
  if (!selector) {
    for (const [name, m] of tables) {
      const snapshot = currentSnapshot(m);
      result.set(name, snapshot ? { kind: 'snapshot', snapshot } : { kind: 'empty' });
    }
    return result;
  }
  const asked = describeSelector(selector);
  const tags = [...tables.values()].flatMap(tagsOf);
  let asOfMs: number;
  if ('asOfMs' in selector) {
    asOfMs = selector.asOfMs;
  } else {
    const holders = new Map<string, Snapshot>();
    for (const [name, m] of tables) {
      const snapshot = holderSnapshot(m, selector);
      if (snapshot) holders.set(name, snapshot);
    }
    if (holders.size === 0) {
      const [what, nearestTags, label] = 'ref' in selector
        ? [`a tag or branch named '${asked}'`, tagsNearestByName(tags, selector.ref), undefined]
        : [`snapshot ${asked}`, latestTags(tags), 'latest tags'];
      throw new SnapshotNotFoundError(`no table has ${what}${tagHint(nearestTags, label)}`, { asked, nearestTags });
    }
    asOfMs = Math.max(...[...holders.values()].map((s) => s['timestamp-ms']));
    for (const [name, snapshot] of holders) result.set(name, { kind: 'snapshot', snapshot });
  }
  const family = 'ref' in selector ? runTagFamily(selector.ref) : undefined;
  for (const [name, m] of tables) {
    if (result.has(name)) continue;
    // A table the scheduled runs tag, without this run's tag, was not written by that run: reading
    // it as of that moment would show another run's output (or none) as if it were this one's.
    if (family && 'ref' in selector && Object.keys(m.refs).some((ref) => ref.startsWith(family))) {
      const nearestTags = tagsNearestByName(tagsOf(m), selector.ref);
      const error = new SnapshotNotFoundError(
        `${name} has no tag '${asked}': the run that placed it did not write ${name}${tagHint(nearestTags)}`, { asked, nearestTags },
      );
      result.set(name, { kind: 'unavailable', error });
      continue;
    }
    result.set(name, tableAtTime(m, asOfMs));
  }
  if (![...result.values()].some((t) => t.kind === 'snapshot')) {
    const firstMs = Math.min(...[...tables.values()].flatMap((m) => m['snapshot-log'].slice(0, 1).map((e) => e['timestamp-ms'])));
    const since = Number.isFinite(firstMs) ? ` (the first was committed at ${new Date(firstMs).toISOString()})` : ' (the lake has no snapshot yet)';
    const nearestTags = tagsNearestByTime(tags, asOfMs);
    throw new SnapshotNotFoundError(`no table has a snapshot committed at or before ${asked}${since}${tagHint(nearestTags)}`, { asked, nearestTags });
  }
  return result;
}
