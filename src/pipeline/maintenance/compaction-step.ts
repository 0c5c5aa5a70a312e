import { scratchName, sqlIdent } from '../../engine/duckdb-session';
import { createScanView } from '../../engine/snapshot-view';
import { CommitConflictError } from '../../iceberg/errors';
import { partitionKey, specPartitionKey } from '../../iceberg/partition-key';
import { attachDeletes, liveFiles, type FileScanTask } from '../../iceberg/scan';
import { ancestorIds } from '../../iceberg/snapshot-producer';
import type { IcebergTable } from '../../iceberg/table';
import { currentSchema, currentSnapshot, defaultSpec } from '../../iceberg/table-metadata';
import { FileContent, type DataFile, type TableMetadata } from '../../iceberg/types';
import type { LakePorts } from '../ports';
import { localPathResolver, writeRowsAsDataFiles } from '../table-files';
import type { CompactionStepReport } from './report';

export interface CompactionOptions {
  targetFileSizeBytes: number;
  /** Files smaller than this share of the target are candidates. */
  smallFileRatio: number;
  dryRun: boolean;
}

/** The rewrite would change the table's rows, or a delete arrived that the rewrite would undo. */
export class CompactionAbortedError extends Error {
  override readonly name = 'CompactionAbortedError';
}

/** Summary property naming what a maintenance snapshot did. */
export const MAINTENANCE_PROPERTY = 'meterlake.maintenance';

/**
 * Group small files of each partition into bins of at most `target` input bytes (largest first,
 * first fit). Only bins of two or more files are worth a rewrite.
 */
export function binPack<T>(items: T[], sizeOf: (t: T) => number, target: number): T[][] {
  const bins: { size: number; items: T[] }[] = [];
  for (const item of [...items].sort((a, b) => sizeOf(b) - sizeOf(a))) {
    const bin = bins.find((b) => b.size + sizeOf(item) <= target);
    if (bin) { bin.size += sizeOf(item); bin.items.push(item); } else bins.push({ size: sizeOf(item), items: [item] });
  }
  return bins.map((b) => b.items).filter((b) => b.length > 1);
}

/** The table's sort order as column names, when it is plain ascending identity columns. */
function sortColumns(m: TableMetadata): string[] | undefined {
  const order = m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']);
  if (!order?.fields.length || order.fields.some((f) => f.transform !== 'identity' || f.direction !== 'asc')) return undefined;
  const schema = currentSchema(m);
  return order.fields.map((f) => schema.fields.find((c) => c.id === f['source-id'])!.name);
}

/**
 * Plan: bins of small data files (with the deletes that apply to them), per partition of the
 * default spec; `tasks` are all live data files with their deletes.
 */
async function planBins(table: IcebergTable, m: TableMetadata, opts: CompactionOptions): Promise<{ bins: FileScanTask[][]; tasks: FileScanTask[] }> {
  const snap = currentSnapshot(m);
  if (!snap) return { bins: [], tasks: [] };
  const entries = await liveFiles(table.io, m, snap);
  const tasks = attachDeletes(entries);
  const dataEntries = entries.filter((e) => e.data_file.content === FileContent.DATA);
  const specId = defaultSpec(m)['spec-id'];
  const threshold = opts.targetFileSizeBytes * opts.smallFileRatio;
  const byPartition = new Map<string, FileScanTask[]>();
  dataEntries.forEach((e, i) => {
    if (e.partition_spec_id !== specId || e.data_file.file_size_in_bytes >= threshold) return;
    const key = specPartitionKey(e);
    byPartition.set(key, [...(byPartition.get(key) ?? []), tasks[i]]);
  });
  return { bins: [...byPartition.values()].flatMap((group) => binPack(group, (t) => t.dataFile.file_size_in_bytes, opts.targetFileSizeBytes)), tasks };
}

/**
 * Delete files that apply to compacted data files only: the rewrite applied them, so they leave
 * the table with those files instead of lingering with nothing left to delete. A delete file that
 * may also apply to a data file that stays is kept.
 */
function spentDeleteFiles(tasks: FileScanTask[], compacted: Set<string>): DataFile[] {
  const spent = new Map<string, DataFile>();
  const stillNeeded = new Set<string>();
  for (const task of tasks) {
    for (const { file } of task.deletes) {
      if (compacted.has(task.dataFile.file_path)) spent.set(file.file_path, file);
      else stillNeeded.add(file.file_path);
    }
  }
  return [...spent.values()].filter((f) => !stillNeeded.has(f.file_path));
}

/** Rewrite one bin: read it with its deletes applied, write new files, and check no row was lost or gained. */
async function rewriteBin(ports: LakePorts, m: TableMetadata, bin: FileScanTask[], opts: CompactionOptions): Promise<{ files: DataFile[]; rows: number }> {
  const view = scratchName('compact');
  await createScanView(ports.session, view, currentSchema(m), bin, localPathResolver(ports.store, ports.tempDir));
  try {
    const rows = Number(await ports.session.scalar<bigint>(`SELECT count(*) FROM ${sqlIdent(view)}`));
    if (rows === 0) return { files: [], rows };
    const files = await writeRowsAsDataFiles(ports.session, ports.store, m, {
      sourceSql: `SELECT * FROM ${sqlIdent(view)}`, targetFileSizeBytes: opts.targetFileSizeBytes, sortBy: sortColumns(m),
    });
    const written = files.reduce((n, f) => n + f.record_count, 0);
    if (written !== rows) {
      await Promise.all(files.map((f) => ports.io.delete(f.file_path)));
      throw new CompactionAbortedError(
        `compaction of ${bin.length} files (first ${bin[0].dataFile.file_path}) wrote ${written} rows, expected ${rows}; nothing committed`,
      );
    }
    return { files, rows };
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
  }
}

/** Refuse to commit when delete files arrived after planning: the new files would not carry them. */
async function assertNoNewDeletes(table: IcebergTable, plannedFrom: bigint) {
  const m = await table.metadata();
  const since = ancestorIds(m, currentSnapshot(m)?.['snapshot-id'], plannedFrom)
    .map((id) => m.snapshots.find((s) => s['snapshot-id'] === id)!)
    .filter((s) => Number(s.summary['added-delete-files'] ?? 0) > 0);
  if (since.length) {
    throw new CompactionAbortedError(
      `table ${table.name}: snapshot ${since[0]['snapshot-id']} added delete files after compaction planned from ${plannedFrom}; rerun maintenance`,
    );
  }
}

/**
 * Compact small data files per partition: bin-pack files under `smallFileRatio × target` to the
 * target size, reading them with position/equality deletes applied (so deleted rows never come
 * back), and commit all bins as ONE `replace` snapshot that changes no rows; delete files that
 * applied only to rewritten files leave with them. Row counts are checked per bin before the
 * commit; written files are removed again if the commit is refused.
 */
export async function compactTable(ports: LakePorts, table: IcebergTable, opts: CompactionOptions): Promise<CompactionStepReport> {
  const m = await table.metadata();
  const { bins, tasks } = await planBins(table, m, opts);
  const removed = bins.flat().map((t) => t.dataFile);
  const report: CompactionStepReport = {
    partitions: new Set(bins.map((b) => partitionKey(b[0].dataFile))).size,
    removedFiles: removed.map((f) => f.file_path), addedFiles: [], rows: 0, purgedDeletedRows: 0,
    bytesBefore: removed.reduce((n, f) => n + f.file_size_in_bytes, 0), bytesAfter: 0,
  };
  if (!bins.length || opts.dryRun) return report;

  const added: DataFile[] = [];
  let committing = false;
  try {
    for (const bin of bins) {
      const { files, rows } = await rewriteBin(ports, m, bin, opts);
      added.push(...files);
      report.rows += rows;
    }
    const plannedFrom = currentSnapshot(m)!['snapshot-id'];
    await assertNoNewDeletes(table, plannedFrom);
    report.purgedDeletedRows = removed.reduce((n, f) => n + f.record_count, 0) - report.rows;
    committing = true;
    const spent = spentDeleteFiles(tasks, new Set(removed.map((f) => f.file_path)));
    const result = await table.replace([...removed, ...spent].map((f) => f.file_path), added, {
      [MAINTENANCE_PROPERTY]: 'compaction',
      'meterlake.compacted-partitions': String(report.partitions),
      'meterlake.purged-deleted-rows': String(report.purgedDeletedRows),
    });
    report.snapshotId = result.snapshot['snapshot-id'];
  } catch (err) {
    // Known uncommitted: the new files are garbage. An unknown commit state keeps them.
    if (!committing || err instanceof CommitConflictError) {
      await Promise.all(added.map((f) => ports.io.delete(f.file_path)));
    }
    throw err;
  }
  report.addedFiles = added.map((f) => f.file_path);
  report.bytesAfter = added.reduce((n, f) => n + f.file_size_in_bytes, 0);
  return report;
}
