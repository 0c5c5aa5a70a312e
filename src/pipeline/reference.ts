/**
 * Reference data (agreement, product, meterpoint): each drop of a source's SQLite database
 * replaces every reference table's contents with ONE overwrite snapshot per table, so time travel
 * gives the reference data as of any drop. Rejected rows go to rejected_readings through the
 * ordinary commit request (see asCommitRequest).
 */
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { sqlIdent } from '../engine/duckdb-session';
import { REJECTED_COLUMNS } from '../formats/canonical';
import {
  dropReferenceParseResult, parseReferenceSqlite, REFERENCE_COLUMNS, REFERENCE_TABLE_NAMES,
  type ReferenceTableCounts, type ReferenceTableName,
} from '../formats/reference-sqlite';
import { CommitConflictError } from '../iceberg/errors';
import type { IcebergTable } from '../iceberg/table';
import { currentSnapshot } from '../iceberg/table-metadata';
import type { DataFile, TableMetadata } from '../iceberg/types';
import { BATCH_IDS_PROPERTY, committedBatchIds } from './commit';
import type { CommitRequest, LandedObject } from './ingest';
import { tableFor, tableLayout } from './lake-tables';
import { landingStore, type LakePorts } from './ports';
import { optionalField, REJECTED_READINGS, type TableDefinition } from './tables';
import { writeRowsAsDataFiles } from './table-files';

/** Snapshot summary property: arrival time of the drop a reference snapshot carries (orders drops). */
export const RECEIVED_AT_PROPERTY = 'meterlake.received-at';
/** Snapshot summary property: landing key of the drop a reference snapshot carries. */
export const SOURCE_FILE_PROPERTY = 'meterlake.source-file';

const f = optionalField;

/** Agreements between an account and a product for a meterpoint. Field ids are stable forever. */
export const AGREEMENT: TableDefinition = {
  name: 'agreement',
  definition: {
    fields: [
      f(1, 'agreement_id', 'long'),
      f(2, 'agreement_valid_from', 'date', 'first day of the agreement (inclusive, UTC date)'),
      f(3, 'agreement_valid_to', 'date', 'end of the agreement (exclusive, UTC date); null while open'),
      f(4, 'product_id', 'string'),
      f(5, 'meterpoint_id', 'string'),
      f(6, 'account_id', 'string'),
    ],
  },
};

/** Products (tariffs). */
export const PRODUCT: TableDefinition = {
  name: 'product',
  definition: {
    fields: [
      f(1, 'id', 'long'),
      f(2, 'product_id', 'string'),
      f(3, 'display_name', 'string'),
      f(4, 'is_variable', 'boolean', 'true for a variable-rate tariff'),
    ],
  },
};

/** Meterpoints and their region. */
export const METERPOINT: TableDefinition = {
  name: 'meterpoint',
  definition: {
    fields: [f(1, 'meterpoint_id', 'string'), f(2, 'region', 'string')],
  },
};

export const REFERENCE_TABLES: Record<ReferenceTableName, TableDefinition> = { agreement: AGREEMENT, product: PRODUCT, meterpoint: METERPOINT };

/** Rows are written sorted by the table's key, so files are deterministic and prune well. */
const SORT_KEYS: Record<ReferenceTableName, string[]> = { agreement: ['agreement_id'], product: ['id'], meterpoint: ['meterpoint_id'] };

/** What ingest hands to the committer for one reference drop. Plain data, so it can travel on a queue. */
export interface ReferenceCommitRequest {
  batchId: string;
  source: string;
  key: string;
  receivedAt: string;
  /** Data files of each table's complete new contents (empty: the table becomes empty). */
  tables: Record<ReferenceTableName, DataFile[]>;
  /** rejected_readings files of the drop's rejected rows (committed by commitBatches). */
  rejectedFiles: DataFile[];
  counts: Record<ReferenceTableName, ReferenceTableCounts>;
  /** Totals over the three tables. */
  rowsIn: number;
  accepted: number;
  rejected: number;
}

/** Open one reference table, creating it on first use. */
export function referenceTable(ports: LakePorts, name: ReferenceTableName): Promise<IcebergTable> {
  return tableFor(ports, REFERENCE_TABLES[name]);
}

/**
 * Ingest one reference drop: read the SQLite database, validate it, and write each table's
 * accepted rows (and the rejected rows) as Parquet data files into the tables' locations.
 * Nothing is committed. Throws FileRejectedError (quarantine) when the database's layout is wrong.
 * `localPath`: the object's bytes already on local disk (else it is fetched from the store).
 */
export async function ingestReferenceObject(
  ports: LakePorts, obj: LandedObject, batchId: string, localPath?: string,
): Promise<ReferenceCommitRequest> {
  const source = obj.key.split('/')[1] ?? 'unknown';
  const bytes = await objectBytes(ports, obj, batchId, localPath);
  const parsed = await parseReferenceSqlite(ports.session, bytes, { source, sourceFile: obj.key, batchId, receivedAt: obj.arrivalTime });
  try {
    const tables = {} as Record<ReferenceTableName, DataFile[]>;
    for (const name of REFERENCE_TABLE_NAMES) {
      const columns = REFERENCE_COLUMNS[name].map((c) => sqlIdent(c.name)).join(', ');
      tables[name] = parsed.counts[name].accepted > 0
        ? await writeRowsAsDataFiles(ports.session, ports.store, await (await referenceTable(ports, name)).metadata(), {
          sourceSql: `SELECT ${columns} FROM ${parsed.tables[name]}`, sortBy: SORT_KEYS[name],
        })
        : [];
    }
    const counts = Object.values(parsed.counts);
    const rejected = counts.reduce((n, c) => n + c.rejected, 0);
    const rejectedFiles = rejected > 0
      ? await writeRowsAsDataFiles(ports.session, ports.store, await tableLayout(ports, REJECTED_READINGS), {
        sourceSql: `SELECT ${REJECTED_COLUMNS.map(sqlIdent).join(', ')} FROM ${parsed.rejectedTable}`,
      })
      : [];
    return {
      batchId, source, key: obj.key, receivedAt: obj.arrivalTime.toISOString(), tables, rejectedFiles, counts: parsed.counts,
      rowsIn: counts.reduce((n, c) => n + c.rowsIn, 0), accepted: counts.reduce((n, c) => n + c.accepted, 0), rejected,
    };
  } finally {
    await dropReferenceParseResult(ports.session, parsed);
  }
}

/** sql.js opens a database from memory, so the whole object is read (reference drops are small). */
async function objectBytes(ports: LakePorts, obj: LandedObject, batchId: string, localPath?: string): Promise<Uint8Array> {
  const landing = landingStore(ports);
  const local = localPath ?? landing.localPath(obj.key);
  if (local) return readFile(local);
  const scratch = path.join(ports.tempDir, `${batchId}-${path.basename(obj.key)}`);
  await landing.getToFile(obj.key, scratch, obj.versionId);
  try {
    return await readFile(scratch);
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * The ordinary commit request for a reference drop, so commitBatches records it in ingest_log
 * and appends its rejected rows to rejected_readings; `reference` carries the table files.
 */
export function asCommitRequest(ref: ReferenceCommitRequest): CommitRequest & { reference: ReferenceCommitRequest } {
  return {
    batchId: ref.batchId, source: ref.source, key: ref.key, receivedAt: ref.receivedAt, status: 'ingested',
    rowsIn: ref.rowsIn, accepted: ref.accepted, rejected: ref.rejected,
    historyFiles: [], rejectedFiles: ref.rejectedFiles, reference: ref,
  };
}

export type ReferenceTableStatus = 'committed' | 'duplicate' | 'stale';

export interface ReferenceTableOutcome {
  status: ReferenceTableStatus;
  /** The snapshot committed (status 'committed'). */
  snapshotId?: bigint;
  /** Why nothing was committed (duplicate or stale). */
  reason?: string;
}

export interface ReferenceCommitSummary {
  batchId: string;
  key: string;
  tables: Record<ReferenceTableName, ReferenceTableOutcome>;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Commit one reference drop: per table ONE snapshot that replaces the whole contents ('overwrite',
 * or 'delete' when the drop's table is empty). Idempotent (a table already carrying the batch id
 * is skipped) and ordered by arrival: a drop older than the table's latest drop is skipped, so a
 * late redelivery never overwrites newer reference data.
 */
export async function commitReferenceBatch(ports: LakePorts, request: ReferenceCommitRequest): Promise<ReferenceCommitSummary> {
  const tables = {} as Record<ReferenceTableName, ReferenceTableOutcome>;
  for (const name of REFERENCE_TABLE_NAMES) {
    tables[name] = await replaceContentsOnce(await referenceTable(ports, name), request, request.tables[name]);
  }
  return { batchId: request.batchId, key: request.key, tables };
}

/** Commit several reference drops in arrival order (what a commit round with many drops needs). */
export async function commitReferenceBatches(ports: LakePorts, requests: ReferenceCommitRequest[]): Promise<ReferenceCommitSummary[]> {
  const inOrder = [...requests].sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || a.key.localeCompare(b.key));
  const out: ReferenceCommitSummary[] = [];
  for (const r of inOrder) out.push(await commitReferenceBatch(ports, r));
  return out;
}

async function replaceContentsOnce(table: IcebergTable, request: ReferenceCommitRequest, files: DataFile[]): Promise<ReferenceTableOutcome> {
  for (let attempt = 0; ; attempt++) {
    if ((await committedBatchIds(table)).has(request.batchId)) {
      return { status: 'duplicate', reason: `batch ${request.batchId} (${request.key}) is already in ${table.name}` };
    }
    const metadata = await table.metadata();
    const latest = latestDrop(metadata.snapshots);
    if (latest && Date.parse(request.receivedAt) < Date.parse(latest.receivedAt)) {
      return {
        status: 'stale',
        reason: `${request.key} arrived at ${request.receivedAt}, before the drop ${latest.key} (${latest.receivedAt}) ${table.name} already holds; not overwriting newer data`,
      };
    }
    const current = currentSnapshot(metadata);
    try {
      const result = await table.commit({
        operation: files.length ? 'overwrite' : 'delete',
        addDataFiles: files,
        removeWhere: () => true,
        // Fail instead of silently replacing files another writer added since this check.
        plannedFromSnapshotId: current?.['snapshot-id'] ?? null,
        conflictFilter: () => true,
        summary: {
          [BATCH_IDS_PROPERTY]: request.batchId,
          [RECEIVED_AT_PROPERTY]: request.receivedAt,
          [SOURCE_FILE_PROPERTY]: request.key,
        },
      });
      return { status: 'committed', snapshotId: result.snapshot['snapshot-id'] };
    } catch (err) {
      if (!(err instanceof CommitConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

/**
 * The snapshot of a reference table holding the latest drop that had arrived by `atMs` (the
 * reference data "as of" a moment in data time, independent of when the commit ran);
 * undefined when no retained snapshot is that old.
 */
export function referenceSnapshotAt(metadata: TableMetadata, atMs: number): bigint | undefined {
  let best: { at: number; seq: number; id: bigint } | undefined;
  for (const s of metadata.snapshots) {
    const at = Date.parse(s.summary[RECEIVED_AT_PROPERTY] ?? '');
    if (Number.isNaN(at) || at > atMs) continue;
    const seq = s['sequence-number'];
    if (!best || at > best.at || (at === best.at && seq > best.seq)) best = { at, seq, id: s['snapshot-id'] };
  }
  return best?.id;
}

/** The latest reference drop recorded in a table's retained snapshots. */
function latestDrop(snapshots: { summary: Record<string, string | undefined> }[]): { receivedAt: string; key: string } | undefined {
  let latest: { receivedAt: string; key: string } | undefined;
  for (const s of snapshots) {
    const receivedAt = s.summary[RECEIVED_AT_PROPERTY];
    if (!receivedAt) continue;
    if (!latest || Date.parse(receivedAt) > Date.parse(latest.receivedAt)) {
      latest = { receivedAt, key: s.summary[SOURCE_FILE_PROPERTY] ?? '?' };
    }
  }
  return latest;
}
