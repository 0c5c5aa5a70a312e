import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { commitBatches, type CommitSummary } from '../pipeline/commit';
import { ingestObject, type CommitRequest, type LandedObject } from '../pipeline/ingest';
import type { LakePorts } from '../pipeline/ports';
import { LOCAL_BUCKET } from './local-lake';

/** Chunks of 1 MiB: the default 64 KiB costs a third more time in reads on a large file. */
const CHUNK_BYTES = 1 << 20;

/** MD5 of a local file, as S3 reports the ETag of a single-part upload. */
export async function fileEtag(localPath: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(localPath, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Copy a local file to `destination` and return its ETag, reading the file once: the MD5 is of
 * the very bytes written (a file changed while being copied cannot get another file's ETag), and
 * each chunk's write overlaps the next chunk's hashing. The copy is written beside `destination`
 * and renamed into place, so a failed copy lands nothing.
 */
export async function copyWithEtag(source: string, destination: string): Promise<string> {
  const hash = createHash('md5');
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}.copying`);
  try {
    await pipeline(
      createReadStream(source, { highWaterMark: CHUNK_BYTES }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(partial, { highWaterMark: 4 * CHUNK_BYTES }),
    );
    await rename(partial, destination);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return hash.digest('hex');
}

/**
 * The event the local runtime makes for an object in the landing folder (what S3 would send).
 * `etag` when the caller already knows it (copyWithEtag), else the object is read for it.
 */
export async function localLandingEvent(ports: LakePorts, key: string, arrivalTime: Date, etag?: string): Promise<LandedObject> {
  const localPath = ports.store.localPath(key);
  etag ??= localPath ? await fileEtag(localPath) : (await ports.store.head(key))?.etag;
  return { bucket: LOCAL_BUCKET, key, etag, arrivalTime };
}

export interface IngestTotals {
  objects: number;
  rowsIn: number;
  accepted: number;
  rejected: number;
  quarantined: CommitRequest[];
  skipped: number;
  duplicates: number;
}

export const emptyTotals = (): IngestTotals => ({ objects: 0, rowsIn: 0, accepted: 0, rejected: 0, quarantined: [], skipped: 0, duplicates: 0 });

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
    totals.accepted += r.accepted;
    totals.rejected += r.rejected;
    if (r.status === 'quarantined') totals.quarantined.push(r);
    if (r.status === 'skipped') totals.skipped++;
  }
  totals.duplicates += summary.duplicates.length;
  return summary;
}
