/**
 * Manifest merging at commit time, after Iceberg Java's ManifestMergeManager (min-count-to-merge,
 * target-size-bytes, manifests at or above the target never rewritten), with one difference that
 * keeps time-range plans cheap: merged manifests are partition-clustered. Entries are grouped by
 * partition and each partition is written to its own manifest(s) (split toward the target size),
 * so a manifest's partition summary names one partition and planners prune by it. Folding every
 * small manifest into one (or packing many partitions toward 8 MB) would make the latest day's plan
 * decode the whole table's history.
 *
 * Only "mergeable" manifests are rewritten: those spanning several partitions, and those whose
 * single partition another small manifest may also hold. A manifest that alone holds its partition
 * is already in final form, so old days are never rewritten again.
 */
import { compareValues, fromBinary, type IcebergValue } from './conversions';
import { readManifest, writeManifest, type ReadManifestContext } from './manifest';
import { partitionFieldTypes } from './manifest-schemas';
import {
  EntryStatus, ManifestContent, type DataFile, type ManifestEntry, type ManifestFile, type PartitionSpec, type PrimitiveType,
} from './types';

/** Iceberg's default commit.manifest.target-size-bytes. */
export const DEFAULT_TARGET_MANIFEST_SIZE_BYTES = 8 * 1024 * 1024;

export interface MergeOptions {
  ctx: ReadManifestContext;
  tableLocation: string;
  snapshotId: bigint;
  sequenceNumber: number;
  commitId: string;
  startIndex: number;
  /** Merge a spec's data manifests only once this many of them are mergeable (commit.manifest.min-count-to-merge). */
  minCount: number;
  /** Manifests at or above this size are never rewritten; a partition's entries are split toward it. */
  targetSizeBytes: number;
}

interface FieldRange { lower: IcebergValue | null; upper: IcebergValue | null; containsNull: boolean }

/** Per partition field, the range of a manifest's live partition values (from its manifest-list summaries). */
function partitionRanges(mf: ManifestFile, types: PrimitiveType[]): FieldRange[] | undefined {
  if (!mf.partitions || mf.partitions.length !== types.length) return undefined;
  return mf.partitions.map((s, i) => ({
    lower: s.lower_bound ? fromBinary(types[i], s.lower_bound) : null,
    upper: s.upper_bound ? fromBinary(types[i], s.upper_bound) : null,
    containsNull: s.contains_null || Boolean(s.contains_nan),
  }));
}

/** The one partition all live files of a manifest share, as a map key; undefined when it may span several. */
function singlePartitionKey(mf: ManifestFile, ranges: FieldRange[] | undefined): string | undefined {
  if (!ranges || mf.partitions!.some((s) => s.contains_nan)) return undefined;
  const parts: string[] = [];
  for (const [i, r] of ranges.entries()) {
    const s = mf.partitions![i];
    if (r.lower === null && r.upper === null && r.containsNull) parts.push('null');
    else if (!r.containsNull && s.lower_bound && s.upper_bound && s.lower_bound.equals(s.upper_bound)) parts.push(s.lower_bound.toString('hex'));
    else return undefined;
  }
  return parts.join('/');
}

/** Whether a manifest with these ranges may hold the single partition of `single`. */
function mayHold(ranges: FieldRange[] | undefined, single: FieldRange[], types: PrimitiveType[]): boolean {
  if (!ranges) return true;
  return single.every((s, i) => {
    const r = ranges[i];
    if (s.lower === null) return r.containsNull;
    if (r.lower === null || r.upper === null) return false;
    return compareValues(types[i], r.lower, s.lower) <= 0 && compareValues(types[i], s.lower, r.upper) <= 0;
  });
}

/**
 * Data manifests the merge may rewrite: small ones spanning several partitions, and small
 * single-partition ones whose partition another small manifest may also hold.
 */
function mergeableManifests(group: ManifestFile[], targetSizeBytes: number, types: PrimitiveType[]): ManifestFile[] {
  const small = group.map((mf) => {
    const ranges = partitionRanges(mf, types);
    return { mf, ranges, key: singlePartitionKey(mf, ranges) };
  }).filter(({ mf }) => mf.manifest_length < targetSizeBytes);
  const wide = small.filter((m) => m.key === undefined);
  const perPartition = new Map<string, number>();
  for (const { key } of small) if (key !== undefined) perPartition.set(key, (perPartition.get(key) ?? 0) + 1);
  return small
    .filter(({ key, ranges }) => key === undefined || perPartition.get(key)! > 1 || wide.some((w) => mayHold(w.ranges, ranges!, types)))
    .map(({ mf }) => mf);
}

/** The entries of `manifests` as they must be rewritten by snapshot `snapshotId` (statuses per the spec). */
async function entriesToCarry(manifests: ManifestFile[], o: MergeOptions): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const mf of manifests) {
    // A manifest written by this very commit has no sequence number yet: its ADDED entries stay ADDED and inherit.
    const fresh = mf.added_snapshot_id === o.snapshotId && mf.sequence_number < 0;
    for (const e of await readManifest(o.ctx, { ...mf, sequence_number: fresh ? 0 : mf.sequence_number })) {
      if (e.status === EntryStatus.DELETED && e.snapshot_id !== o.snapshotId) continue;
      if (fresh && e.status === EntryStatus.ADDED) {
        entries.push({ status: EntryStatus.ADDED, snapshot_id: e.snapshot_id, sequence_number: null, file_sequence_number: null, data_file: e.data_file });
      } else {
        entries.push({
          status: e.status === EntryStatus.DELETED ? EntryStatus.DELETED : EntryStatus.EXISTING,
          snapshot_id: e.snapshot_id, sequence_number: e.sequence_number, file_sequence_number: e.file_sequence_number,
          data_file: e.data_file,
        });
      }
    }
  }
  return entries;
}

/** Entries grouped by partition tuple, partitions in ascending order (nulls first). */
function clusterByPartition(entries: ManifestEntry[], o: MergeOptions, spec: PartitionSpec): ManifestEntry[][] {
  const fields = partitionFieldTypes(o.ctx.schema, spec);
  const byKey = new Map<string, ManifestEntry[]>();
  const keyOf = (f: DataFile) => JSON.stringify(fields.map(({ name }) => f.partition[name] ?? null), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  for (const e of entries) {
    const key = keyOf(e.data_file);
    const cluster = byKey.get(key);
    if (cluster) cluster.push(e);
    else byKey.set(key, [e]);
  }
  const compare = (a: ManifestEntry[], b: ManifestEntry[]): number => {
    for (const { name, type } of fields) {
      const x = a[0].data_file.partition[name] as IcebergValue | null | undefined;
      const y = b[0].data_file.partition[name] as IcebergValue | null | undefined;
      if (x == null || y == null) {
        if (x == null && y == null) continue;
        return x == null ? -1 : 1;
      }
      const c = compareValues(type, x, y);
      if (c !== 0) return c;
    }
    return 0;
  };
  return [...byKey.values()].sort(compare);
}

/**
 * Keep planning flat as commits accumulate: once a spec has `minCount` mergeable data manifests,
 * rewrite them as one manifest per partition (split toward the target size). Entries keep their
 * snapshot ids and sequence numbers (written explicitly); entries added by this very snapshot stay
 * ADDED; DELETED entries of older snapshots are dropped.
 */
export async function mergeManifests(manifests: ManifestFile[], o: MergeOptions): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  const bySpec = new Map<number, ManifestFile[]>();
  for (const mf of manifests) {
    if (mf.content !== ManifestContent.DATA) { out.push(mf); continue; }
    const group = bySpec.get(mf.partition_spec_id);
    if (group) group.push(mf);
    else bySpec.set(mf.partition_spec_id, [mf]);
  }
  let index = o.startIndex;
  for (const [specId, group] of bySpec) {
    const spec = o.ctx.specsById.get(specId)!;
    const types = partitionFieldTypes(o.ctx.schema, spec).map((f) => f.type);
    const mergeable = group.length < o.minCount ? [] : mergeableManifests(group, o.targetSizeBytes, types);
    if (mergeable.length < o.minCount) { out.push(...group); continue; }
    const rewriting = new Set(mergeable);
    out.push(...group.filter((mf) => !rewriting.has(mf)));
    const entries = await entriesToCarry(mergeable, o);
    if (!entries.length) continue;
    const bytesPerEntry = mergeable.reduce((n, mf) => n + mf.manifest_length, 0) / entries.length;
    const entriesPerManifest = Math.max(1, Math.floor(o.targetSizeBytes / Math.max(1, bytesPerEntry)));
    for (const cluster of clusterByPartition(entries, o, spec)) {
      for (let start = 0; start < cluster.length; start += entriesPerManifest) {
        out.push(await writeManifest({
          io: o.ctx.io, tableLocation: o.tableLocation, schema: o.ctx.schema, spec, content: ManifestContent.DATA,
          entries: cluster.slice(start, start + entriesPerManifest), snapshotId: o.snapshotId, sequenceNumber: null,
          commitId: o.commitId, index: index++,
        }));
      }
    }
  }
  return out;
}
