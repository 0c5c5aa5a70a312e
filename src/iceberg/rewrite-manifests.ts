import { CommitConflictError } from './errors';
import type { FileIO } from './file-io';
import { newCommitId, readManifest, readManifestList, writeManifest, writeManifestList, type ReadManifestContext } from './manifest';
import type { MetadataCommitter } from './snapshot-producer';
import {
  currentSchema, currentSnapshot, newSnapshotId, nextVersion, specsById, withNewSnapshot,
} from './table-metadata';
import {
  EntryStatus, ManifestContent, type ManifestEntry, type ManifestFile, type Snapshot, type SnapshotSummary,
} from './types';

export interface RewriteManifestsOptions {
  now?: () => number;
  /** Attempts after a lost race (default 4). */
  maxRetries?: number;
  /** Only count what would be rewritten; write and commit nothing. */
  dryRun?: boolean;
}

export interface RewriteManifestsResult {
  /** Data manifests of the current snapshot before the rewrite. */
  dataManifestsBefore: number;
  /** Data manifests of the current snapshot after it (equal to before when nothing was done). */
  dataManifestsAfter: number;
  /** Manifests folded into new ones (they stay referenced by older snapshots until those expire). */
  replacedManifests: string[];
  createdManifests: string[];
  /** The `replace` snapshot committed; undefined when there was nothing to merge or on a dry run. */
  snapshot?: Snapshot;
}

const TOTALS = [
  'total-records', 'total-files-size', 'total-data-files', 'total-delete-files', 'total-position-deletes', 'total-equality-deletes',
] as const;

/** Data manifests grouped by partition spec: only specs with two or more manifests gain from a merge. */
function mergeableGroups(manifests: ManifestFile[]): ManifestFile[][] {
  const bySpec = new Map<number, ManifestFile[]>();
  for (const mf of manifests) {
    if (mf.content !== ManifestContent.DATA) continue;
    bySpec.set(mf.partition_spec_id, [...(bySpec.get(mf.partition_spec_id) ?? []), mf]);
  }
  return [...bySpec.values()].filter((g) => g.length > 1);
}

/**
 * Rewrite the data manifests of the current snapshot into one manifest per partition spec, as a
 * `replace` snapshot that changes no data (Java RewriteManifests). Live entries keep their
 * snapshot ids and data/file sequence numbers, written explicitly with status EXISTING (SPEC:
 * non-ADDED entries must carry both); DELETED entries are dropped; delete manifests are carried
 * unchanged. Older snapshots keep their own manifest lists, so incremental scans still see each
 * append's own manifests.
 */
export async function rewriteManifests(io: FileIO, committer: MetadataCommitter, opts: RewriteManifestsOptions = {}): Promise<RewriteManifestsResult> {
  const now = opts.now ?? Date.now;
  for (let attempt = 0; ; attempt++) {
    const base = await committer.load();
    const m = base.metadata;
    const parent = currentSnapshot(m);
    const manifests = parent ? await readManifestList(io, parent['manifest-list']) : [];
    const dataBefore = manifests.filter((mf) => mf.content === ManifestContent.DATA).length;
    const groups = mergeableGroups(manifests);
    const replaced = groups.flat();
    const nothing: RewriteManifestsResult = {
      dataManifestsBefore: dataBefore, dataManifestsAfter: dataBefore, replacedManifests: [], createdManifests: [],
    };
    if (!parent || !groups.length) return nothing;
    if (opts.dryRun) {
      return { ...nothing, dataManifestsAfter: dataBefore - replaced.length + groups.length, replacedManifests: replaced.map((mf) => mf.manifest_path) };
    }

    const ctx: ReadManifestContext = { io, schema: currentSchema(m), specsById: specsById(m) };
    const snapshotId = newSnapshotId(m.snapshots);
    const sequenceNumber = m['last-sequence-number'] + 1;
    const commitId = newCommitId();
    const created: ManifestFile[] = [];
    let entriesProcessed = 0;
    for (const group of groups) {
      const entries: ManifestEntry[] = [];
      for (const mf of group) {
        for (const e of await readManifest(ctx, mf)) {
          if (e.status === EntryStatus.DELETED) continue;
          entries.push({
            status: EntryStatus.EXISTING, snapshot_id: e.snapshot_id,
            sequence_number: e.sequence_number, file_sequence_number: e.file_sequence_number, data_file: e.data_file,
          });
        }
      }
      entriesProcessed += entries.length;
      if (!entries.length) continue;
      created.push(await writeManifest({
        io, tableLocation: m.location, schema: ctx.schema, spec: ctx.specsById.get(group[0].partition_spec_id)!,
        content: ManifestContent.DATA, entries, snapshotId, sequenceNumber, commitId, index: created.length,
      }));
    }
    const replacedPaths = new Set(replaced.map((mf) => mf.manifest_path));
    const kept = manifests.filter((mf) => !replacedPaths.has(mf.manifest_path));
    const manifestList = await writeManifestList({
      io, tableLocation: m.location, snapshotId, parentSnapshotId: parent['snapshot-id'], sequenceNumber,
      manifests: [...created, ...kept], commitId, attempt,
    });
    const summary: SnapshotSummary = {
      operation: 'replace',
      'manifests-created': String(created.length),
      'manifests-replaced': String(replaced.length),
      'manifests-kept': String(kept.length),
      'entries-processed': String(entriesProcessed),
      'changed-partition-count': '0',
    };
    for (const k of TOTALS) summary[k] = parent.summary[k] ?? '0';
    const timestampMs = Math.max(now(), parent['timestamp-ms'], m['last-updated-ms']);
    const snapshot: Snapshot = {
      'snapshot-id': snapshotId, 'parent-snapshot-id': parent['snapshot-id'], 'sequence-number': sequenceNumber,
      'timestamp-ms': timestampMs, 'manifest-list': manifestList, summary, 'schema-id': ctx.schema['schema-id'],
    };
    try {
      await committer.commit(base, withNewSnapshot(nextVersion(m, base.metadataLocation, timestampMs), snapshot));
    } catch (err) {
      if (!(err instanceof CommitConflictError)) throw err;
      // Known not committed: our files are garbage. Retry on the new base from scratch.
      for (const uri of [manifestList, ...created.map((mf) => mf.manifest_path)]) await io.delete(uri);
      if (attempt >= (opts.maxRetries ?? 4)) throw err;
      continue;
    }
    return {
      dataManifestsBefore: dataBefore,
      dataManifestsAfter: dataBefore - replaced.length + created.length,
      replacedManifests: [...replacedPaths],
      createdManifests: created.map((mf) => mf.manifest_path),
      snapshot,
    };
  }
}
