import { CommitConflictError } from './errors';
import type { FileIO } from './file-io';
import { cachedManifestReader, distinctManifests } from './manifest';
import type { MetadataCommitter, TableVersion } from './snapshot-producer';
import { currentSchema, nextVersion, specsById } from './table-metadata';
import { EntryStatus, type Snapshot, type SnapshotLogEntry, type TableMetadata } from './types';

export interface ExpireOptions {
  /** Expire snapshots committed before this time (default: now - history.expire.max-snapshot-age-ms, 5 days). */
  olderThanMs?: number;
  /** Always keep at least this many of main's most recent ancestors (default history.expire.min-snapshots-to-keep, 1). */
  retainLast?: number;
  now?: () => number;
  maxRetries?: number;
}

export interface ExpireResult extends TableVersion {
  expiredSnapshotIds: bigint[];
  removedRefs: string[];
  deletedDataFiles: string[];
  deletedManifests: string[];
  deletedManifestLists: string[];
}

/**
 * Which snapshots survive (SPEC "Snapshot Retention Policy"): refs past their max-ref-age are
 * dropped (never main); every remaining ref's head is kept; each branch keeps its ancestors that
 * are younger than the cut-off or among its last N; unreferenced snapshots younger than the
 * cut-off are kept too.
 */
export function retainedSnapshots(m: TableMetadata, olderThanMs: number, retainLast: number, nowMs: number) {
  const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
  const refs = Object.entries(m.refs).filter(([name, ref]) => {
    const snap = byId.get(ref['snapshot-id']);
    if (!snap) return false;
    return name === 'main' || ref['max-ref-age-ms'] === undefined || nowMs - snap['timestamp-ms'] <= ref['max-ref-age-ms'];
  });
  const keep = new Set<bigint>();
  for (const [, ref] of refs) {
    keep.add(ref['snapshot-id']);
    if (ref.type !== 'branch') continue;
    const minKeep = ref['min-snapshots-to-keep'] ?? retainLast;
    const cutoff = ref['max-snapshot-age-ms'] !== undefined ? nowMs - ref['max-snapshot-age-ms'] : olderThanMs;
    let snap: Snapshot | undefined = byId.get(ref['snapshot-id']);
    for (let n = 0; snap; n++) {
      if (n >= minKeep && snap['timestamp-ms'] < cutoff) break;
      keep.add(snap['snapshot-id']);
      snap = snap['parent-snapshot-id'] === undefined ? undefined : byId.get(snap['parent-snapshot-id']);
    }
  }
  const referencedByChains = new Set<bigint>();
  for (const [, ref] of refs) {
    let snap = byId.get(ref['snapshot-id']);
    while (snap) {
      referencedByChains.add(snap['snapshot-id']);
      snap = snap['parent-snapshot-id'] === undefined ? undefined : byId.get(snap['parent-snapshot-id']);
    }
  }
  for (const s of m.snapshots) {
    if (!referencedByChains.has(s['snapshot-id']) && s['timestamp-ms'] >= olderThanMs) keep.add(s['snapshot-id']);
  }
  return { keep, keptRefs: new Set(refs.map(([name]) => name)) };
}

/** Java's rule: history before a removed snapshot is dropped, so no gap makes an old snapshot look current. */
function pruneSnapshotLog(log: SnapshotLogEntry[], kept: Set<bigint>): SnapshotLogEntry[] {
  const out: SnapshotLogEntry[] = [];
  for (const e of log) {
    if (kept.has(e['snapshot-id'])) out.push(e);
    else out.length = 0;
  }
  return out;
}

/**
 * What expiring `expired` frees: their manifests no retained snapshot lists, and the data or
 * delete files they reference that no retained snapshot holds live. A manifest both sides list
 * (the usual case) is read once.
 */
async function unreferencedFiles(io: FileIO, m: TableMetadata, retained: Snapshot[], expired: Snapshot[]) {
  const entriesOf = cachedManifestReader({ io, schema: currentSchema(m), specsById: specsById(m) });
  const retainedManifests = await distinctManifests(io, retained);
  const retainedLive = new Set<string>();
  for (const mf of retainedManifests.values()) {
    for (const e of await entriesOf(mf)) if (e.status !== EntryStatus.DELETED) retainedLive.add(e.data_file.file_path);
  }
  const expiredManifests = await distinctManifests(io, expired);
  const expiredFiles = new Set<string>();
  for (const mf of expiredManifests.values()) for (const e of await entriesOf(mf)) expiredFiles.add(e.data_file.file_path);
  return {
    manifests: [...expiredManifests.keys()].filter((p) => !retainedManifests.has(p)),
    dataFiles: [...expiredFiles].filter((p) => !retainedLive.has(p)),
  };
}

/**
 * Expire snapshots, then delete exactly the files that no retained snapshot references:
 * manifest lists of expired snapshots, their manifests not shared with a retained one, and data
 * or delete files not live in any retained snapshot. Files are deleted only after the commit.
 */
export async function expireSnapshots(io: FileIO, committer: MetadataCommitter, opts: ExpireOptions = {}): Promise<ExpireResult> {
  const now = (opts.now ?? Date.now)();
  for (let attempt = 0; ; attempt++) {
    const base = await committer.load();
    const m = base.metadata;
    const olderThanMs = opts.olderThanMs ?? now - Number(m.properties['history.expire.max-snapshot-age-ms'] ?? 5 * 86_400_000);
    const retainLast = opts.retainLast ?? Number(m.properties['history.expire.min-snapshots-to-keep'] ?? 1);
    const { keep, keptRefs } = retainedSnapshots(m, olderThanMs, retainLast, now);
    const expired = m.snapshots.filter((s) => !keep.has(s['snapshot-id']));
    const removedRefs = Object.keys(m.refs).filter((r) => !keptRefs.has(r));
    if (!expired.length && !removedRefs.length) {
      return { ...base, expiredSnapshotIds: [], removedRefs: [], deletedDataFiles: [], deletedManifests: [], deletedManifestLists: [] };
    }
    const next = nextVersion(m, base.metadataLocation, now);
    next.snapshots = m.snapshots.filter((s) => keep.has(s['snapshot-id']));
    next.refs = Object.fromEntries(Object.entries(m.refs).filter(([name]) => keptRefs.has(name)));
    next['snapshot-log'] = pruneSnapshotLog(m['snapshot-log'], keep);
    let committed: TableVersion;
    try {
      committed = await committer.commit(base, next);
    } catch (err) {
      if (err instanceof CommitConflictError && attempt < (opts.maxRetries ?? 4)) continue;
      throw err;
    }
    const { manifests: deletedManifests, dataFiles: deletedDataFiles } = await unreferencedFiles(io, m, next.snapshots, expired);
    const deletedManifestLists = expired.map((s) => s['manifest-list']);
    for (const uri of [...deletedDataFiles, ...deletedManifests, ...deletedManifestLists]) await io.delete(uri);
    return { ...committed, expiredSnapshotIds: expired.map((s) => s['snapshot-id']), removedRefs, deletedDataFiles, deletedManifests, deletedManifestLists };
  }
}
