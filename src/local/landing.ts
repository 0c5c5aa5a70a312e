import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { commitBatches, type CommitSummary } from '../pipeline/commit';
import { ingestObject, LandedObjectChangedError, type CommitRequest, type LandedObject } from '../pipeline/ingest';
import type { LakePorts } from '../pipeline/ports';
import { removeStaleTempFiles } from '../storage/stale-temp-files';
import { LOCAL_BUCKET, type LandingVersionScheme, type LocalLake } from './local-lake';

/** Copies being landed sit in the lake's temp folder under this prefix until they are linked into place. */
const STAGED_PREFIX = 'landing-';
/** A staged copy this old belongs to a process that was killed (a copy takes seconds). */
const STALE_STAGED_MS = 60 * 60 * 1000;

/** Read in chunks of 1 MiB: the default 64 KiB costs a third more time on a large file. */
const CHUNK_BYTES = 1 << 20;

/** The hash that names a landed object's version under each scheme. */
const HASH_OF: Record<LandingVersionScheme, string> = { sha256: 'sha256', 'md5-etag': 'md5' };

/**
 * The event of a landed local object: its hash as version id (or, in older lakes, as ETag), and
 * by default its own creation time as arrival, so every process that sees it gives it the same received_at.
 */
async function landedEvent(key: string, localPath: string, scheme: LandingVersionScheme, hash: string, arrivalTime?: Date): Promise<LandedObject> {
  const info = await stat(localPath);
  const version = scheme === 'sha256' ? { versionId: hash } : { etag: hash };
  return { bucket: LOCAL_BUCKET, key, ...version, size: info.size, arrivalTime: arrivalTime ?? new Date(Math.floor(info.mtimeMs)) };
}

/**
 * The local store's version of an object: a hash of its bytes (SHA-256, or MD5 in lakes that
 * predate version ids). Landed objects are never overwritten, so a key and its content hash name
 * one version, as a key and S3's VersionId do.
 */
export async function contentVersionId(localPath: string, scheme: LandingVersionScheme = 'sha256'): Promise<string> {
  const hash = createHash(HASH_OF[scheme]);
  for await (const chunk of createReadStream(localPath, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copy a file (the kernel's copy, a reflink where the filesystem has them) while a second read
 * hashes it: 0.6 s for 561 MB where one JavaScript pass that hashed what it wrote took 1.7 s. The
 * hash then names the source's bytes, so a source that changes meanwhile is refused (retryable).
 */
async function copyWithVersionId(source: string, destination: string, scheme: LandingVersionScheme): Promise<string> {
  const before = await stat(source);
  const [hash] = await Promise.all([contentVersionId(source, scheme), copyFile(source, destination, constants.COPYFILE_FICLONE)]);
  const [after, copied] = await Promise.all([stat(source), stat(destination)]);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || copied.size !== before.size) {
    throw new LandedObjectChangedError(source, 'the file changed while it was copied into landing');
  }
  return hash;
}

/** Whether a landed file holds the staged bytes (sizes first: a hash only when they match). */
async function holdsVersion(landed: string, staged: string, hash: string, scheme: LandingVersionScheme): Promise<boolean> {
  const [a, b] = await Promise.all([stat(landed), stat(staged)]);
  return a.size === b.size && (await contentVersionId(landed, scheme)) === hash;
}

/** `x.csv` → `x.v<version>.csv`: the key a file lands under when its own name holds other bytes. */
export function versionedName(name: string, versionId: string): string {
  const dot = name.lastIndexOf('.');
  const tag = `v${versionId.slice(0, 16)}`;
  return dot > 0 ? `${name.slice(0, dot)}.${tag}${name.slice(dot)}` : `${name}.${tag}`;
}

/** The event the local runtime makes for an object in the landing folder (what S3 would send). */
export async function localLandingEvent(ports: LakePorts & { landingVersions?: LandingVersionScheme }, key: string, arrivalTime?: Date): Promise<LandedObject> {
  const localPath = ports.store.localPath(key);
  if (!localPath) {
    const info = await ports.store.head(key);
    return { bucket: LOCAL_BUCKET, key, versionId: info?.versionId, etag: info?.etag, size: info?.size, arrivalTime: arrivalTime ?? info?.lastModified ?? new Date(ports.now()) };
  }
  const scheme = ports.landingVersions ?? 'sha256';
  return landedEvent(key, localPath, scheme, await contentVersionId(localPath, scheme), arrivalTime);
}

/**
 * Land a local file under `<prefix>/` (e.g. `landing/default/readings`) as S3 would keep it:
 * atomically (a complete copy is linked into place, so no reader ever sees part of it) and never
 * over another object. It takes its own name when that is free or already holds these exact
 * bytes (a redelivery), else its name with the content's version (`x.v<sha256 prefix>.csv`), so
 * two different files with one name are two objects. Returns the object's landing event.
 */
export async function landLocalFile(lake: LocalLake, file: string, prefix: string): Promise<LandedObject> {
  await removeStaleTempFiles(lake.tempDir, STAGED_PREFIX, STALE_STAGED_MS, lake.now());
  const staged = path.join(lake.tempDir, `${STAGED_PREFIX}${randomUUID()}`);
  try {
    const hash = await copyWithVersionId(file, staged, lake.landingVersions);
    const name = path.basename(file);
    let key = `${prefix}/${name}`;
    if (!(await lake.store.linkIfAbsent(key, staged)) && !(await holdsVersion(lake.store.localPath(key), staged, hash, lake.landingVersions))) {
      // Taken by other bytes; the versioned name holds these bytes whoever created it.
      key = `${prefix}/${versionedName(name, hash)}`;
      await lake.store.linkIfAbsent(key, staged);
    }
    return await landedEvent(key, lake.store.localPath(key), lake.landingVersions, hash);
  } finally {
    await rm(staged, { force: true });
  }
}

/** What a series of commit rounds did, each count matching the table it went to. */
export interface IngestTotals {
  objects: number;
  /** Rows read from every object: accepted readings + reference rows + rejected. */
  rowsIn: number;
  /** Readings appended to readings_history. */
  accepted: number;
  /** Rows appended to rejected_readings (readings and reference rows alike). */
  rejected: number;
  /** Reference drops ingested and the rows they carried (each drop replaces the reference tables). */
  referenceDrops: number;
  referenceRows: number;
  quarantined: CommitRequest[];
  skipped: number;
  duplicates: number;
}

export const emptyTotals = (): IngestTotals => ({
  objects: 0, rowsIn: 0, accepted: 0, rejected: 0, referenceDrops: 0, referenceRows: 0, quarantined: [], skipped: 0, duplicates: 0,
});

/** Ingest a group of landed objects and commit them as one round (one snapshot per table). */
export async function ingestAndCommit(
  ports: LakePorts, events: LandedObject[], totals: IngestTotals, onProgress?: (objectsDone: number) => void,
): Promise<CommitSummary> {
  const requests: CommitRequest[] = [];
  for (const [i, event] of events.entries()) {
    // A large file takes a while: report DuckDB's progress within it as a fraction of an object.
    const timer = onProgress && setInterval(() => onProgress(i + Math.max(0, ports.session.progress()) / 100), 500);
    try {
      requests.push(await ingestObject(ports, event));
    } finally {
      if (timer) clearInterval(timer);
    }
    onProgress?.(i + 1);
  }
  const summary = await commitBatches(ports, requests);
  for (const r of summary.committed) {
    totals.objects++;
    totals.rowsIn += r.rowsIn;
    if (r.reference) {
      totals.referenceDrops++;
      totals.referenceRows += r.accepted;
    } else {
      totals.accepted += r.accepted;
    }
    totals.rejected += r.rejected;
    if (r.status === 'quarantined') totals.quarantined.push(r);
    if (r.status === 'skipped') totals.skipped++;
  }
  totals.duplicates += summary.duplicates.length;
  return summary;
}
