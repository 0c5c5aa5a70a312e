import { SnapshotNotFoundError } from './errors';
import { fileMayMatch, manifestMayMatch, partitionMayMatch, type Predicate } from './expressions';
import type { FileIO } from './file-io';
import { readManifest, readManifestList, type ReadManifestContext } from './manifest';
import { latestTags, tagHint, tagsNearestByName, tagsNearestByTime, tagsOf } from './nearest-tags';
import { specPartitionKey } from './partition-key';
import { ancestorIds } from './snapshot-producer';
import { currentSchema, currentSnapshot, snapshotById, specsById } from './table-metadata';
import {
  EntryStatus, FileContent, ManifestContent, type DataFile, type LiveEntry, type Snapshot, type TableMetadata,
} from './types';

/** Which version of a table to read: the current one, a snapshot id, a ref (tag or branch), or a point in time. */
export type SnapshotSelector =
  | { snapshotId: bigint }
  | { ref: string }
  | { asOfMs: number }
  | undefined;

/** The selector as a person typed it: a tag name, a snapshot id, or an ISO time. */
export function describeSelector(selector: NonNullable<SnapshotSelector>): string {
  if ('snapshotId' in selector) return selector.snapshotId.toString();
  if ('ref' in selector) return selector.ref;
  return new Date(selector.asOfMs).toISOString();
}

/** The table's name: the last segment of its location. */
const tableLabel = (m: TableMetadata) => m.location.split('/').at(-1) ?? m.location;

/**
 * The snapshot the snapshot-log names as current at `asOfMs` (commit time): the latest entry at
 * or before it, the rule Athena and Trino follow. Undefined when no entry is that old.
 */
export function snapshotAsOf(m: TableMetadata, asOfMs: number): Snapshot | undefined {
  const last = m['snapshot-log'].filter((e) => e['timestamp-ms'] <= asOfMs).at(-1);
  return last && snapshotById(m, last['snapshot-id']);
}

/** The error for a selector that names no version of this table, with the nearest valid tags. */
export function snapshotNotFound(m: TableMetadata, selector: NonNullable<SnapshotSelector>): SnapshotNotFoundError {
  const asked = describeSelector(selector);
  const tags = tagsOf(m);
  const notFound = (what: string, nearestTags: string[], label?: string) =>
    new SnapshotNotFoundError(`table ${tableLabel(m)} has no ${what}${tagHint(nearestTags, label)}`, { asked, nearestTags });
  if ('snapshotId' in selector) return notFound(`snapshot ${asked}`, latestTags(tags), 'latest tags');
  if ('ref' in selector) return notFound(`tag or branch named '${asked}'`, tagsNearestByName(tags, selector.ref));
  const first = m['snapshot-log'][0];
  const since = first ? ` (its first retained snapshot was committed at ${new Date(first['timestamp-ms']).toISOString()})` : ' (it has no snapshot yet)';
  return notFound(`snapshot committed at or before ${asked}${since}`, tagsNearestByTime(tags, selector.asOfMs));
}

/**
 * Resolve a selector to a snapshot: the current one, a snapshot id, a ref (tag or branch), or the
 * snapshot current at a time (see snapshotAsOf). Undefined only for the current version of a
 * table with no snapshot yet. Anything else that names no version throws SnapshotNotFoundError
 * with the nearest valid tags: never a fallback to another version.
 */
export function resolveSnapshot(m: TableMetadata, selector: SnapshotSelector): Snapshot | undefined {
  if (!selector) return currentSnapshot(m);
  let snapshot: Snapshot | undefined;
  if ('snapshotId' in selector) snapshot = snapshotById(m, selector.snapshotId);
  else if ('ref' in selector) snapshot = m.refs[selector.ref] && snapshotById(m, m.refs[selector.ref]['snapshot-id']);
  else snapshot = snapshotAsOf(m, selector.asOfMs);
  if (!snapshot) throw snapshotNotFound(m, selector);
  return snapshot;
}

/** A delete file that applies to a data file, with its data sequence number. */
export interface DeleteFileTask { file: DataFile; sequenceNumber: number }
/** One data file to read, with the delete files that apply to it. */
export interface FileScanTask { dataFile: DataFile; dataSequenceNumber: number; deletes: DeleteFileTask[] }

export interface PlanOptions {
  snapshot?: SnapshotSelector;
  /** Prune files that cannot hold rows matching this predicate (partition values, then min/max). */
  filter?: Predicate;
}

/** Read all entries of a snapshot's manifests that may match the filter. */
async function snapshotEntries(io: FileIO, m: TableMetadata, snapshot: Snapshot, filter?: Predicate): Promise<LiveEntry[]> {
  const schema = currentSchema(m);
  const specs = specsById(m);
  const ctx: ReadManifestContext = { io, schema, specsById: specs };
  const manifests = (await readManifestList(io, snapshot['manifest-list'])).filter(
    (mf) => !filter || manifestMayMatch(filter, schema, specs.get(mf.partition_spec_id)!, mf.partitions),
  );
  const entries = (await Promise.all(manifests.map((mf) => readManifest(ctx, mf)))).flat();
  return entries.filter((e) => {
    if (e.status === EntryStatus.DELETED) return false;
    if (!filter) return true;
    const spec = specs.get(e.partition_spec_id)!;
    if (!partitionMayMatch(filter, schema, spec, e.data_file.partition)) return false;
    // Bounds of delete files describe deleted rows, not table rows: never prune deletes by them.
    return e.data_file.content !== FileContent.DATA || fileMayMatch(filter, schema, e.data_file);
  });
}

/**
 * Attach to each data file the delete files that apply to it (SPEC "Scan Planning"): those of its
 * own partition (same spec, same tuple) and those of an unpartitioned spec, which apply everywhere.
 * Delete files are indexed by partition once, so a data file is compared only with its own partition's.
 */
export function attachDeletes(entries: LiveEntry[]): FileScanTask[] {
  const data: LiveEntry[] = [];
  const global: number[] = [];
  const byPartition = new Map<string, number[]>();
  const deletes: LiveEntry[] = [];
  for (const e of entries) {
    if (e.data_file.content === FileContent.DATA) { data.push(e); continue; }
    const index = deletes.push(e) - 1;
    if (Object.keys(e.data_file.partition).length === 0) { global.push(index); continue; }
    const key = specPartitionKey(e);
    const bucket = byPartition.get(key);
    if (bucket) bucket.push(index);
    else byPartition.set(key, [index]);
  }
  // Equality deletes apply to strictly older data; position deletes also to data of their own commit.
  const applies = (d: LiveEntry, del: LiveEntry) => {
    if (del.data_file.content !== FileContent.POSITION_DELETES) return d.sequence_number < del.sequence_number;
    const ref = del.data_file.referenced_data_file;
    return (!ref || ref === d.data_file.file_path) && d.sequence_number <= del.sequence_number;
  };
  return data.map((d) => {
    const local = byPartition.get(specPartitionKey(d)) ?? [];
    // Back in listing order, so a task's deletes come in the order the manifests list them.
    const candidates = global.length ? [...local, ...global].sort((a, b) => a - b) : local;
    return {
      dataFile: d.data_file,
      dataSequenceNumber: d.sequence_number,
      deletes: candidates
        .map((i) => deletes[i])
        .filter((del) => applies(d, del))
        .map((del) => ({ file: del.data_file, sequenceNumber: del.sequence_number })),
    };
  });
}

/** Plan a read: the data files of one snapshot (with their deletes) that may match the filter. */
export async function planFiles(io: FileIO, m: TableMetadata, opts: PlanOptions = {}): Promise<FileScanTask[]> {
  const snapshot = resolveSnapshot(m, opts.snapshot);
  if (!snapshot) return [];
  return attachDeletes(await snapshotEntries(io, m, snapshot, opts.filter));
}

/** All live entries (data and delete files) of a snapshot, unfiltered. */
export async function liveFiles(io: FileIO, m: TableMetadata, snapshot: Snapshot): Promise<LiveEntry[]> {
  return snapshotEntries(io, m, snapshot);
}

/**
 * Incremental append scan: the data files added by the snapshots after `fromExclusive` up to and
 * including `toInclusive` (ancestry of `to`). Each snapshot's own manifests are read, so files
 * later folded into merged manifests are still found exactly once. Only appended files count;
 * files added by overwrite/replace snapshots are rewrites, not new data.
 */
export async function appendedDataFiles(
  io: FileIO, m: TableMetadata, fromExclusive: bigint | null, toInclusive: bigint,
): Promise<LiveEntry[]> {
  if (fromExclusive === null) {
    // From the beginning: every live data file of `to`, which also covers expired ancestors.
    const to = snapshotById(m, toInclusive);
    if (!to) throw new SnapshotNotFoundError(`table ${m.location} has no snapshot ${toInclusive}`);
    return (await liveFiles(io, m, to)).filter((e) => e.data_file.content === FileContent.DATA);
  }
  const ids = ancestorIds(m, toInclusive, fromExclusive);
  const reachedFrom = toInclusive === fromExclusive || snapshotById(m, ids.at(-1)!)?.['parent-snapshot-id'] === fromExclusive;
  if (!reachedFrom) {
    throw new SnapshotNotFoundError(
      `snapshot ${fromExclusive} is not an ancestor of ${toInclusive} in ${m.location} (expired or on another branch)`,
    );
  }
  const ctx: ReadManifestContext = { io, schema: currentSchema(m), specsById: specsById(m) };
  const out: LiveEntry[] = [];
  for (const id of ids.reverse()) {
    const snap = snapshotById(m, id)!;
    if (snap.summary.operation !== 'append') continue;
    const own = (await readManifestList(io, snap['manifest-list'])).filter(
      (mf) => mf.added_snapshot_id === id && mf.content === ManifestContent.DATA,
    );
    for (const mf of own) {
      for (const e of await readManifest(ctx, mf)) {
        if (e.status === EntryStatus.ADDED && e.snapshot_id === id) out.push(e);
      }
    }
  }
  return out;
}
