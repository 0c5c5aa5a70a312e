import { sqlString, scratchName } from '../engine/duckdb-session';
import type { IcebergTable } from '../iceberg/table';
import type { DataFile, TableMetadata } from '../iceberg/types';
import { type CommitRequest } from './ingest';
import { tableFor } from './lake-tables';
import type { LakePorts } from './ports';
import { commitReferenceBatches } from './reference';
import { commitStreamBatches } from './stream/commit';
import { INGEST_LOG, READINGS_HISTORY, REJECTED_READINGS } from './tables';
import { registerTableView, writeRowsAsDataFiles } from './table-files';

/** Snapshot summary property listing the batch ids a snapshot carries (the idempotency record). */
export const BATCH_IDS_PROPERTY = 'meterlake.batch-ids';

export interface CommitSummary {
  committed: CommitRequest[];
  /**
   * Requests whose batch another delivery logged (a redelivery, or a concurrent worker that logged
   * it first): this call did not count them, though it may have appended some of their tables first.
   */
  duplicates: CommitRequest[];
  historySnapshotId?: bigint;
}

/** Batch ids a table's retained snapshots carry (their summaries are the idempotency record). */
export function batchIdsInMetadata(metadata: TableMetadata): Set<string> {
  const ids = new Set<string>();
  for (const snap of metadata.snapshots) {
    for (const id of snap.summary[BATCH_IDS_PROPERTY]?.split(',') ?? []) if (id) ids.add(id);
  }
  return ids;
}

/** Batch ids already committed to a table, read from its retained snapshots' summaries. */
export async function committedBatchIds(table: IcebergTable): Promise<Set<string>> {
  return batchIdsInMetadata(await table.metadata());
}

/** Another writer committed some of these batches while this commit was being built. */
class BatchesCommittedMeanwhileError extends Error {
  override readonly name = 'BatchesCommittedMeanwhileError';
}

/**
 * Batch ids among `candidates` that have an ingest_log row. Snapshot summaries remember batch ids
 * only while their snapshots are retained; the ingest_log rows are kept forever, so a redelivery
 * after snapshot expiry is still recognised.
 */
async function loggedBatchIds(ports: LakePorts, log: IcebergTable, candidates: string[]): Promise<string[]> {
  if (!candidates.length || (await log.metadata())['current-snapshot-id'] === -1n) return [];
  const view = scratchName('ingest_log_ids');
  await registerTableView(ports.session, ports.store, log, view);
  try {
    const rows = await ports.session.all<{ batch_id: string }>(
      `SELECT DISTINCT batch_id FROM ${view} WHERE batch_id IN (${candidates.map(sqlString).join(', ')})`,
    );
    return rows.map((r) => r.batch_id);
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${view}`);
  }
}

/**
 * Append the files of the requests a table does not hold yet as ONE snapshot. The check runs on
 * the base of every commit attempt: when a concurrent writer commits one of the same batches
 * (the same object delivered twice at once) the attempt is abandoned and the rest re-planned.
 */
export async function appendOnce(
  table: IcebergTable, requests: CommitRequest[], filesFor: (todo: CommitRequest[]) => Promise<DataFile[]>,
): Promise<{ snapshotId?: bigint; appended: CommitRequest[] }> {
  for (;;) {
    const done = await committedBatchIds(table);
    const todo = requests.filter((r) => !done.has(r.batchId));
    const dataFiles = todo.length ? await filesFor(todo) : [];
    if (!dataFiles.length) return { appended: [] };
    try {
      const result = await table.commit({
        operation: 'append',
        addDataFiles: dataFiles,
        summary: { [BATCH_IDS_PROPERTY]: todo.map((r) => r.batchId).join(','), 'meterlake.batch-count': String(todo.length) },
        checkBase: (base) => {
          const committed = batchIdsInMetadata(base);
          const clash = todo.find((r) => committed.has(r.batchId));
          if (clash) throw new BatchesCommittedMeanwhileError(`batch ${clash.batchId} (${clash.key}) was committed to ${table.name} by another writer`);
        },
      });
      return { snapshotId: result.snapshot['snapshot-id'], appended: todo };
    } catch (err) {
      if (!(err instanceof BatchesCommittedMeanwhileError)) throw err;
    }
  }
}

/** ingest_log rows for the requests, as Parquet data files of the ingest_log table. */
async function ingestLogFiles(ports: LakePorts, table: IcebergTable, requests: CommitRequest[]): Promise<DataFile[]> {
  const committedAt = new Date(ports.now()).toISOString();
  const lit = (v: string | undefined) => (v === undefined ? 'NULL' : sqlString(v));
  const values = requests.map((r) =>
    `(${lit(r.batchId)}, ${lit(r.source)}, ${lit(r.key)}, ${lit(r.status)}, ${r.rowsIn}, ${r.accepted}, ${r.rejected}, ` +
    `${lit(r.reason)}, ${lit(r.quarantineKey)}, ${lit(r.receivedAt)}::TIMESTAMPTZ, ${lit(committedAt)}::TIMESTAMPTZ)`,
  );
  const scratch = scratchName('ingest_log_rows');
  await ports.session.run(
    `CREATE TEMP TABLE ${scratch} AS SELECT * FROM (VALUES ${values.join(', ')}) t(batch_id, source, object_key, status, rows_in, rows_accepted, rows_rejected, reason, quarantine_key, received_at, committed_at)`,
  );
  try {
    return await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: scratch });
  } finally {
    await ports.session.run(`DROP TABLE ${scratch}`);
  }
}

/**
 * The single writer of the ingest tables: appends the files of many ingest requests as ONE
 * snapshot per table, skipping every batch a table already holds, so redelivery and replays
 * commit nothing twice. Order matters for crash safety: readings first, the ingest_log last, so
 * a batch is logged only once its data is in; a retry after a crash completes the rest.
 */
export async function commitBatches(ports: LakePorts, requests: CommitRequest[]): Promise<CommitSummary> {
  const unique = [...new Map(requests.map((r) => [r.batchId, r])).values()];
  const history = await tableFor(ports, READINGS_HISTORY);
  const rejected = await tableFor(ports, REJECTED_READINGS);
  const log = await tableFor(ports, INGEST_LOG);
  const alreadyLogged = await committedBatchIds(log);
  for (const id of await loggedBatchIds(ports, log, unique.map((r) => r.batchId).filter((id) => !alreadyLogged.has(id)))) alreadyLogged.add(id);
  const fresh = unique.filter((r) => !alreadyLogged.has(r.batchId));

  await commitReferenceBatches(ports, fresh.flatMap((r) => (r.reference ? [r.reference] : [])));
  await commitStreamBatches(ports, fresh);
  const { snapshotId: historySnapshotId } = await appendOnce(history, fresh, async (todo) => todo.flatMap((r) => r.historyFiles));
  await appendOnce(rejected, fresh, async (todo) => todo.flatMap((r) => r.rejectedFiles));
  // The ingest_log decides what this call committed: a batch a concurrent writer logged first is
  // theirs to count (its rows went in once, by whichever writer got there first, table by table).
  const { appended } = await appendOnce(log, fresh, (todo) => ingestLogFiles(ports, log, todo));
  const ours = new Set(appended.map((r) => r.batchId));
  return { committed: appended, duplicates: requests.filter((r) => !ours.has(r.batchId)), historySnapshotId };
}
