import { retainedSnapshots } from '../../iceberg/expire';
import type { IcebergTable } from '../../iceberg/table';
import type { TableMetadata } from '../../iceberg/types';
import type { ExpireStepReport } from './report';
import { isDailyTag, isSettlementTag } from './tag-policy';

export interface ExpireStepOptions {
  nowMs: number;
  retentionMs: number;
  dailyTagMaxAgeMs: number;
  dryRun: boolean;
}

/** Daily tags whose snapshot is older than the daily tag age. */
function staleDailyTags(m: TableMetadata, nowMs: number, maxAgeMs: number): string[] {
  const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
  return Object.entries(m.refs)
    .filter(([name, ref]) => ref.type === 'tag' && isDailyTag(name))
    .filter(([, ref]) => {
      const snap = byId.get(ref['snapshot-id']);
      return snap !== undefined && nowMs - snap['timestamp-ms'] > maxAgeMs;
    })
    .map(([name]) => name);
}

/** Settlement tags carrying a max-ref-age, which the spec's rule would eventually drop. */
const agingSettlementTags = (m: TableMetadata) =>
  Object.entries(m.refs).filter(([name, ref]) => isSettlementTag(name) && ref['max-ref-age-ms'] !== undefined);

/**
 * Expire snapshots older than the retention except tagged ones; daily tags older than the daily
 * tag age are removed first (besides the spec's own max-ref-age rule), settlement tags never.
 * Files are deleted by `expireSnapshots` only after the commit, and only when no retained
 * snapshot references them. A dry run reports snapshots and refs only (no files are read).
 */
export async function expireTableSnapshots(table: IcebergTable, opts: ExpireStepOptions): Promise<ExpireStepReport> {
  const m = await table.metadata();
  const stale = staleDailyTags(m, opts.nowMs, opts.dailyTagMaxAgeMs);
  const aging = agingSettlementTags(m);
  const olderThanMs = opts.nowMs - opts.retentionMs;

  if (opts.dryRun) {
    const refs = { ...m.refs };
    for (const name of stale) delete refs[name];
    for (const [name, ref] of aging) refs[name] = { 'snapshot-id': ref['snapshot-id'], type: 'tag' };
    const planned = { ...m, refs };
    const retainLast = Number(m.properties['history.expire.min-snapshots-to-keep'] ?? 1);
    const { keep, keptRefs } = retainedSnapshots(planned, olderThanMs, retainLast, opts.nowMs);
    return {
      expiredSnapshotIds: m.snapshots.filter((s) => !keep.has(s['snapshot-id'])).map((s) => s['snapshot-id']),
      removedRefs: [...stale, ...Object.keys(refs).filter((r) => !keptRefs.has(r))],
      protectedRefs: aging.map(([name]) => name),
      deletedDataFiles: [], deletedManifests: [], deletedManifestLists: [],
    };
  }

  for (const [name, ref] of aging) await table.setRef(name, { type: 'tag', snapshotId: ref['snapshot-id'] });
  for (const name of stale) await table.removeRef(name);
  const result = await table.expireSnapshots({ olderThanMs });
  return {
    expiredSnapshotIds: result.expiredSnapshotIds,
    removedRefs: [...stale, ...result.removedRefs],
    protectedRefs: aging.map(([name]) => name),
    deletedDataFiles: result.deletedDataFiles,
    deletedManifests: result.deletedManifests,
    deletedManifestLists: result.deletedManifestLists,
  };
}
