import { CommitConflictError } from './errors';
import type { FileIO } from './file-io';
import { DEFAULT_TARGET_MANIFEST_SIZE_BYTES, mergeManifests } from './manifest-merge';
import {
  newCommitId, readManifest, readManifestList, writeManifest, writeManifestList, type ReadManifestContext,
} from './manifest';
import { partitionKey } from './partition-key';
import {
  currentSchema, currentSnapshot, defaultSpec, newSnapshotId, nextVersion, snapshotById, specsById, withNewSnapshot,
} from './table-metadata';
import {
  EntryStatus, FileContent, ManifestContent, type DataFile, type LiveEntry, type ManifestEntry, type ManifestFile,
  type Operation, type Snapshot, type TableMetadata,
} from './types';

/** What one snapshot changes. Files to remove are matched by path against the live files of the base. */
export interface SnapshotChange {
  operation: Operation;
  addDataFiles?: DataFile[];
  addDeleteFiles?: DataFile[];
  /** Paths of live data or delete files to remove; every one must still be live, else the commit conflicts. */
  removePaths?: string[];
  /** Paths of live files that must still be live when the commit lands (e.g. data files a new position delete file names). */
  requireLivePaths?: string[];
  /** Remove every live data file this predicate selects (e.g. all files of some partitions); delete files are kept. */
  removeWhere?: (file: DataFile) => boolean;
  /** Extra summary properties (e.g. the batch ids a commit carries). */
  summary?: Record<string, string>;
  /**
   * Serializable isolation for overwrites: the snapshot the change was planned from. If files
   * (data or delete files) matching `conflictFilter` were added after it, the commit fails with
   * CommitConflictError.
   */
  plannedFromSnapshotId?: bigint | null;
  conflictFilter?: (file: DataFile) => boolean;
  /**
   * Runs against the base of EVERY attempt, before anything is built on it; throw to abort the
   * commit. An append re-applied after a lost race would otherwise never look at what the winner
   * committed (e.g. the same batch, delivered twice at once).
   */
  checkBase?: (base: TableMetadata) => void;
}

export interface TableVersion { metadata: TableMetadata; metadataLocation: string }

/** The two catalog calls a commit needs; the catalog port satisfies it. */
export interface MetadataCommitter {
  load(): Promise<TableVersion>;
  commit(base: TableVersion, updated: TableMetadata): Promise<TableVersion>;
}

export interface CommitOptions {
  io: FileIO;
  committer: MetadataCommitter;
  now?: () => number;
  /** Attempts after a lost race (default 8), with jittered exponential backoff. */
  maxRetries?: number;
  /** Merge data manifests once a spec has this many mergeable ones (Iceberg's commit.manifest.min-count-to-merge). */
  minManifestsToMerge?: number;
  /** Target size of merged manifests; @default the table's commit.manifest.target-size-bytes, else 8 MB. */
  targetManifestSizeBytes?: number;
}

export interface CommitResult extends TableVersion { snapshot: Snapshot }

const DEFAULT_MIN_MANIFESTS_TO_MERGE = 50;

function sumRecords(files: DataFile[], content: FileContent) {
  return files.filter((f) => f.content === content).reduce((n, f) => n + f.record_count, 0);
}

/** Snapshot summary: what changed plus running totals (totals are always present, see ICEBERG.md §1.3). */
function buildSummary(change: SnapshotChange, parent: Snapshot | undefined, added: DataFile[], removed: DataFile[]): Snapshot['summary'] {
  const p = parent?.summary ?? ({} as Record<string, string>);
  const prev = (k: string) => Number(p[k] ?? 0);
  const addedData = added.filter((f) => f.content === FileContent.DATA);
  const addedDeletes = added.filter((f) => f.content !== FileContent.DATA);
  const removedData = removed.filter((f) => f.content === FileContent.DATA);
  const removedDeletes = removed.filter((f) => f.content !== FileContent.DATA);
  const size = (fs: DataFile[]) => fs.reduce((n, f) => n + f.file_size_in_bytes, 0);
  const s: Record<string, string> = { operation: change.operation };
  const put = (k: string, v: number) => { if (v > 0) s[k] = String(v); };
  put('added-data-files', addedData.length);
  put('deleted-data-files', removedData.length);
  put('added-records', sumRecords(addedData, FileContent.DATA));
  put('deleted-records', sumRecords(removedData, FileContent.DATA));
  put('added-files-size', size(added));
  put('removed-files-size', size(removed));
  put('added-delete-files', addedDeletes.length);
  put('added-position-delete-files', addedDeletes.filter((f) => f.content === FileContent.POSITION_DELETES).length);
  put('added-equality-delete-files', addedDeletes.filter((f) => f.content === FileContent.EQUALITY_DELETES).length);
  put('added-position-deletes', sumRecords(addedDeletes, FileContent.POSITION_DELETES));
  put('added-equality-deletes', sumRecords(addedDeletes, FileContent.EQUALITY_DELETES));
  put('removed-delete-files', removedDeletes.length);
  put('removed-position-delete-files', removedDeletes.filter((f) => f.content === FileContent.POSITION_DELETES).length);
  put('removed-equality-delete-files', removedDeletes.filter((f) => f.content === FileContent.EQUALITY_DELETES).length);
  put('removed-position-deletes', sumRecords(removedDeletes, FileContent.POSITION_DELETES));
  put('removed-equality-deletes', sumRecords(removedDeletes, FileContent.EQUALITY_DELETES));
  s['changed-partition-count'] = String(new Set([...added, ...removed].map(partitionKey)).size);
  s['total-records'] = String(prev('total-records') + sumRecords(addedData, FileContent.DATA) - sumRecords(removedData, FileContent.DATA));
  s['total-files-size'] = String(prev('total-files-size') + size(added) - size(removed));
  s['total-data-files'] = String(prev('total-data-files') + addedData.length - removedData.length);
  s['total-delete-files'] = String(prev('total-delete-files') + addedDeletes.length - removedDeletes.length);
  s['total-position-deletes'] = String(
    prev('total-position-deletes') + sumRecords(addedDeletes, FileContent.POSITION_DELETES) - sumRecords(removedDeletes, FileContent.POSITION_DELETES),
  );
  s['total-equality-deletes'] = String(
    prev('total-equality-deletes') + sumRecords(addedDeletes, FileContent.EQUALITY_DELETES) - sumRecords(removedDeletes, FileContent.EQUALITY_DELETES),
  );
  for (const [k, v] of Object.entries(change.summary ?? {})) s[k] = v;
  return s as Snapshot['summary'];
}

/** Snapshot ids that are ancestors of `from` (inclusive) back to, not including, `stop`. */
export function ancestorIds(m: TableMetadata, from: bigint | undefined, stop?: bigint | null): bigint[] {
  const out: bigint[] = [];
  let id = from;
  while (id !== undefined && id !== stop) {
    const snap = snapshotById(m, id);
    if (!snap) break;
    out.push(id);
    id = snap['parent-snapshot-id'];
  }
  return out;
}

/** Raise CommitConflictError when an overwrite's assumptions no longer hold on this base. */
function validateOverwrite(base: TableMetadata, live: LiveEntry[], change: SnapshotChange) {
  const livePaths = new Set(live.map((e) => e.data_file.file_path));
  const missing = (change.removePaths ?? []).filter((p) => !livePaths.has(p));
  if (missing.length) {
    throw new CommitConflictError(`${missing.length} file(s) to remove are no longer in the table (first: ${missing[0]})`);
  }
  const gone = (change.requireLivePaths ?? []).filter((p) => !livePaths.has(p));
  if (gone.length) {
    throw new CommitConflictError(`${gone.length} file(s) the change refers to are no longer in the table (first: ${gone[0]})`);
  }
  if (change.conflictFilter && change.plannedFromSnapshotId !== undefined) {
    const since = new Set(ancestorIds(base, currentSnapshot(base)?.['snapshot-id'], change.plannedFromSnapshotId));
    const conflicting = live.filter((e) => since.has(e.snapshot_id) && change.conflictFilter!(e.data_file));
    if (conflicting.length) {
      throw new CommitConflictError(
        `${conflicting.length} file(s) were added to the affected partitions after snapshot ${change.plannedFromSnapshotId} (first: ${conflicting[0].data_file.file_path})`,
      );
    }
  }
}

/**
 * Commit one snapshot: write manifests once, then (re)build the manifest list and metadata on
 * the latest base until the catalog accepts the pointer swap. Appends always re-apply after a
 * lost race; overwrites re-validate and fail with CommitConflictError when their files changed.
 */
export async function commitSnapshot(change: SnapshotChange, opts: CommitOptions): Promise<CommitResult> {
  const now = opts.now ?? Date.now;
  const maxRetries = opts.maxRetries ?? 8;
  const commitId = newCommitId();
  let addedManifests: ManifestFile[] | undefined;
  let snapshotId: bigint | undefined;

  for (let attempt = 0; ; attempt++) {
    const base = await opts.committer.load();
    const m = base.metadata;
    change.checkBase?.(m);
    const schema = currentSchema(m);
    const spec = defaultSpec(m);
    const ctx: ReadManifestContext = { io: opts.io, schema, specsById: specsById(m) };
    const parent = currentSnapshot(m);
    snapshotId ??= newSnapshotId(m.snapshots);
    const sequenceNumber = m['last-sequence-number'] + 1;
    const added = [...(change.addDataFiles ?? []), ...(change.addDeleteFiles ?? [])];

    // New files go into manifests written once; their entries inherit sequence numbers, so the
    // same manifests stay valid when a retry lands on a later sequence number.
    if (!addedManifests) {
      addedManifests = [];
      const groups: [ManifestContent, DataFile[]][] = [
        [ManifestContent.DATA, change.addDataFiles ?? []],
        [ManifestContent.DELETES, change.addDeleteFiles ?? []],
      ];
      for (const [content, files] of groups) {
        if (!files.length) continue;
        addedManifests.push(await writeManifest({
          io: opts.io, tableLocation: m.location, schema, spec, content, snapshotId, sequenceNumber: null,
          commitId, index: addedManifests.length,
          entries: files.map((f) => ({ status: EntryStatus.ADDED, snapshot_id: snapshotId!, sequence_number: null, file_sequence_number: null, data_file: f })),
        }));
      }
    }

    const parentManifests = parent ? await readManifestList(opts.io, parent['manifest-list']) : [];
    const removing = Boolean(change.removePaths?.length || change.removeWhere || change.requireLivePaths?.length);
    const carried: ManifestFile[] = [];
    const removed: DataFile[] = [];
    let manifestIndex = addedManifests.length;
    if (!removing && change.operation === 'append') {
      // Fast append: carry the parent's manifests unchanged, dropping ones with no live files.
      carried.push(...parentManifests.filter((mf) => mf.added_data_files_count + mf.existing_data_files_count > 0));
    } else {
      // Delete manifests are read too: removePaths may name delete files, and delete files added
      // since the planned snapshot are conflicts like data files.
      const perManifest = await Promise.all(
        parentManifests.map(async (mf) => (await readManifest(ctx, mf)).filter((e) => e.status !== EntryStatus.DELETED)),
      );
      validateOverwrite(m, perManifest.flat(), change);
      const removePaths = new Set(change.removePaths ?? []);
      const isRemoved = (f: DataFile) =>
        removePaths.has(f.file_path) || (f.content === FileContent.DATA && (change.removeWhere?.(f) ?? false));
      for (const [i, mf] of parentManifests.entries()) {
        const entries = perManifest[i];
        if (!entries.some((e) => isRemoved(e.data_file))) {
          if (mf.added_data_files_count + mf.existing_data_files_count > 0) carried.push(mf);
          continue;
        }
        const rewritten: ManifestEntry[] = entries.map((e) => {
          const gone = isRemoved(e.data_file);
          if (gone) removed.push(e.data_file);
          return {
            status: gone ? EntryStatus.DELETED : EntryStatus.EXISTING,
            snapshot_id: gone ? snapshotId! : e.snapshot_id,
            sequence_number: e.sequence_number,
            file_sequence_number: e.file_sequence_number,
            data_file: e.data_file,
          };
        });
        const specOfManifest = ctx.specsById.get(mf.partition_spec_id)!;
        carried.push(await writeManifest({
          io: opts.io, tableLocation: m.location, schema, spec: specOfManifest, content: mf.content,
          snapshotId, sequenceNumber, commitId: `${commitId}-a${attempt}`, index: manifestIndex++, entries: rewritten,
        }));
      }
    }

    let manifests = [...addedManifests, ...carried];
    manifests = await mergeManifests(manifests, {
      ctx, tableLocation: m.location, snapshotId, sequenceNumber, commitId: `${commitId}-a${attempt}`,
      startIndex: manifestIndex, minCount: opts.minManifestsToMerge ?? DEFAULT_MIN_MANIFESTS_TO_MERGE,
      targetSizeBytes: opts.targetManifestSizeBytes
        ?? Number(m.properties['commit.manifest.target-size-bytes'] ?? DEFAULT_TARGET_MANIFEST_SIZE_BYTES),
    });

    const manifestList = await writeManifestList({
      io: opts.io, tableLocation: m.location, snapshotId, parentSnapshotId: parent?.['snapshot-id'],
      sequenceNumber, manifests, commitId, attempt,
    });
    const timestampMs = Math.max(now(), parent?.['timestamp-ms'] ?? 0, m['last-updated-ms']);
    const snapshot: Snapshot = {
      'snapshot-id': snapshotId,
      ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
      'sequence-number': sequenceNumber,
      'timestamp-ms': timestampMs,
      'manifest-list': manifestList,
      summary: buildSummary(change, parent, added, removed),
      'schema-id': schema['schema-id'],
    };
    const updated = withNewSnapshot(nextVersion(m, base.metadataLocation, timestampMs), snapshot);
    try {
      const committed = await opts.committer.commit(base, updated);
      return { ...committed, snapshot };
    } catch (err) {
      if (!(err instanceof CommitConflictError) || attempt >= maxRetries) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(1000, 10 * 2 ** attempt)));
    }
  }
}
