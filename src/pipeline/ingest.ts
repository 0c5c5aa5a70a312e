import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { sqlIdent } from '../engine/duckdb-session';
import {
  type AcceptedRowsSink, FileRejectedError, detectFormat, dropRejectedTable, parseReadingsFileInto, REJECTED_COLUMNS,
} from '../formats';
import type { DataFile, TableMetadata } from '../iceberg/types';
import { readHead } from '../formats/read-head';
import { landingStore, type LakePorts } from './ports';
import type { StreamCommitPart } from './stream/batch';
import { asCommitRequest, ingestReferenceObject, type ReferenceCommitRequest } from './reference';
import { tableLayout } from './lake-tables';
import { READINGS_HISTORY, REJECTED_READINGS } from './tables';
import { keyOf, writeRowsAsDataFiles } from './table-files';

/** A landing object as an S3 event (or the local runtime) describes it. */
export interface LandedObject {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  /** Size of the version in bytes, as the event gives it: what is read must match. */
  size?: number;
  /** When the object landed; becomes received_at of every row it carries. */
  arrivalTime: Date;
}

export type BatchStatus = 'ingested' | 'quarantined' | 'skipped';

/** What ingest hands to the single committer of the tables. Plain data, so it can travel on a queue. */
export interface CommitRequest {
  batchId: string;
  source: string;
  key: string;
  receivedAt: string;
  status: BatchStatus;
  rowsIn: number;
  accepted: number;
  rejected: number;
  reason?: string;
  quarantineKey?: string;
  historyFiles: DataFile[];
  rejectedFiles: DataFile[];
  /** Reference drops: each reference table's new contents (committed by commitReferenceBatches). */
  reference?: ReferenceCommitRequest;
  /** Stream batches: the sensor tables' staged files (committed by commitStreamBatches). */
  stream?: StreamCommitPart;
}

/**
 * What was read is not the version the event named: it is still being written, or it changed
 * while it was read. Retryable (the queue redelivers), never a quarantine: nothing was judged.
 */
export class LandedObjectChangedError extends Error {
  override readonly name = 'LandedObjectChangedError';
  constructor(readonly key: string, detail: string) {
    super(`${key}: ${detail}; not ingested, retry once the object is complete`);
  }
}

/** Stable id of one delivery of one object version: redelivery of the same object gets the same id. */
export function batchIdOf(obj: LandedObject): string {
  return createHash('sha256').update(`${obj.bucket}\n${obj.key}\n${obj.versionId ?? obj.etag ?? ''}`).digest('hex').slice(0, 32);
}

/** Copy a rejected object to quarantine/ with a reason file beside it; returns the quarantine key. */
async function quarantine(ports: LakePorts, obj: LandedObject, batchId: string, err: FileRejectedError): Promise<string> {
  const qKey = `quarantine/${obj.key.replace(/^landing\//, '')}`;
  await ports.store.put(qKey, await landingStore(ports).getStream(obj.key, obj.versionId));
  await ports.store.put(`${qKey}.reason.json`, JSON.stringify({
    object: obj.key, batchId, reason: err.reason, detail: err.detail, arrivalTime: obj.arrivalTime.toISOString(),
  }, null, 2));
  return qKey;
}

/**
 * Ingest one landing object: find its source and format, parse and validate it with DuckDB,
 * write accepted rows (and rejected rows) as Parquet data files straight into the tables'
 * locations, and return the commit request. Nothing is committed here: the committer does it.
 * A file that cannot be read as a whole is quarantined with its reason, never dropped.
 */
export async function ingestObject(ports: LakePorts, obj: LandedObject): Promise<CommitRequest> {
  const batchId = batchIdOf(obj);
  const landing = landingStore(ports);
  const inPlace = landing.localPath(obj.key);
  const localPath = inPlace ?? path.join(ports.tempDir, `${batchId}-${path.basename(obj.key)}`);
  const downloaded = !inPlace;
  if (downloaded) await landing.getToFile(obj.key, localPath, obj.versionId);
  try {
    const before = await stat(localPath);
    if (obj.size !== undefined && before.size !== obj.size) {
      throw new LandedObjectChangedError(obj.key, `the event names a version of ${obj.size} bytes but ${before.size} bytes were found`);
    }
    const request = await ingestLocalCopy(ports, obj, batchId, localPath);
    const after = await stat(localPath);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      await deleteUncommittedFiles(ports, [...request.historyFiles, ...request.rejectedFiles, ...Object.values(request.reference?.tables ?? {}).flat()]);
      throw new LandedObjectChangedError(obj.key, 'the object changed while it was read');
    }
    return request;
  } finally {
    if (downloaded) await rm(localPath, { force: true });
  }
}

/** Parse and validate the local copy of one landing object into data files and its commit request. */
async function ingestLocalCopy(ports: LakePorts, obj: LandedObject, batchId: string, localPath: string): Promise<CommitRequest> {
  const base = { batchId, key: obj.key, receivedAt: obj.arrivalTime.toISOString(), historyFiles: [], rejectedFiles: [] };
  const source = obj.key.split('/')[1] ?? 'unknown';
  try {
    const detected = detectFormat(obj.key, await readHead(localPath), ports.profiles);
    if (detected.kind === 'reference') return asCommitRequest(await ingestReferenceObject(ports, obj, batchId, localPath));
    const parsed = await parseReadingsFileInto(ports.session, localPath, detected.profile, {
      source: detected.source, sourceFile: obj.key, batchId, receivedAt: obj.arrivalTime,
    }, historyFilesSink(ports, await tableLayout(ports, READINGS_HISTORY)));
    try {
      const select = (table: string, columns: readonly string[]) => `SELECT ${columns.map(sqlIdent).join(', ')} FROM ${table}`;
      const rejectedFiles = parsed.rejected > 0
        ? await writeRowsAsDataFiles(ports.session, ports.store, await tableLayout(ports, REJECTED_READINGS), { sourceSql: select(parsed.rejectedTable, REJECTED_COLUMNS), expectSinglePartition: true })
        : [];
      return {
        ...base, source: detected.source, status: 'ingested',
        rowsIn: parsed.rowsIn, accepted: parsed.accepted, rejected: parsed.rejected, historyFiles: parsed.written, rejectedFiles,
      };
    } finally {
      await dropRejectedTable(ports.session, parsed);
    }
  } catch (err) {
    if (!(err instanceof FileRejectedError)) throw err;
    const quarantineKey = await quarantine(ports, obj, batchId, err);
    return { ...base, source, status: 'quarantined', rowsIn: 0, accepted: 0, rejected: 0, reason: `${err.reason}: ${err.detail}`, quarantineKey };
  }
}

/** Delete data files that were written but never committed (a read thrown away). */
async function deleteUncommittedFiles(ports: LakePorts, files: DataFile[]): Promise<void> {
  for (const file of files) await ports.store.delete(keyOf(ports.store, file.file_path));
}

/**
 * The parse streams the accepted rows straight into readings_history data files: one landing
 * object has one received_at, so one partition, and the writer need not read its source twice.
 * Files of a read the parse throws away are deleted again.
 */
export function historyFilesSink(ports: LakePorts, layout: TableMetadata): AcceptedRowsSink<DataFile[]> {
  return {
    async write(acceptedSql) {
      return this.writeParts!([Promise.resolve({ session: ports.session, sql: acceptedSql })]);
    },
    async writeParts(parts) {
      const settled = await Promise.allSettled(parts.map(async (ready) => {
        const part = await ready;
        return writeRowsAsDataFiles(part.session, ports.store, layout, { sourceSql: part.sql, expectSinglePartition: true, enumConstants: part.enumConstants });
      }));
      const files = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure) {
        await this.discard(files);
        throw failure.reason;
      }
      return { result: files, rows: files.reduce((sum, file) => sum + Number(file.record_count), 0) };
    },
    async discard(files) {
      await deleteUncommittedFiles(ports, files);
    },
  };
}

