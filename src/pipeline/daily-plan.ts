/**
 * The daily run's vocabulary: what a run reads (its plan, decided by snapshot ids), what each
 * merged day produced, and the after-commit hooks. The steps themselves are in ./daily-run.
 */
import type { IcebergTable } from '../iceberg/table';
import { planFiles, type FileScanTask } from '../iceberg/scan';
import { currentSnapshot } from '../iceberg/table-metadata';
import type { DataFile, Snapshot, TableMetadata } from '../iceberg/types';
import type { DayMode } from './merge-on-read';
import type { LakePorts } from './ports';

/** meter_readings summary property: the readings_history snapshot a run consumed up to. */
export const HISTORY_SNAPSHOT_PROPERTY = 'meterlake.history-snapshot-id';
export const DAY_MS = 86_400_000;
export const DEFAULT_TARGET_FILE_SIZE_BYTES = 256 * 1024 * 1024;
/** meter_readings summary properties: how many touched days each mode merged. */
export const DAYS_MERGE_ON_READ_PROPERTY = 'meterlake.days-merge-on-read';
export const DAYS_COPY_ON_WRITE_PROPERTY = 'meterlake.days-copy-on-write';


/** What a daily run will read: decided by snapshot ids, never by timestamps. */
export interface DailyPlan {
  /** readings_history snapshot consumed up to (inclusive). */
  historySnapshotId: bigint | null;
  /** The one the previous run consumed (exclusive); null on the first run. */
  previousHistorySnapshotId: bigint | null;
  /** meter_readings snapshot the run merges into (its commit is checked against it). */
  meterReadingsSnapshotId: bigint | null;
  /** History data files appended in between. */
  newFiles: DataFile[];
}

export interface DayResult {
  day: number;
  /** merge-on-read: new winners file + one position delete file; copy-on-write: the day rewritten. */
  mode: DayMode;
  /** Data files removed (copy-on-write: all of the day's). */
  removed: DataFile[];
  /** Data files added. */
  added: DataFile[];
  /** Delete files removed (copy-on-write: all of the day's, their deletes are applied in the rewrite). */
  removedDeletes: DataFile[];
  /** Position delete files added (merge-on-read: at most one). */
  addedDeletes: DataFile[];
  /** Rows written to data files. */
  rows: number;
  /** Live rows the added position delete file removes. */
  deletedRows: number;
  /** Data files the added position delete file names. */
  deletedFrom: string[];
}

/** What a hook did: rebuilt its output, only tagged it (its inputs had not changed), or nothing. */
export type HookOutcome = 'rebuilt' | 'tagged' | 'unchanged';

/**
 * Runs after the snapshot commit, in the same run: gold tables, data quality, forecast… It runs on
 * every run, also one with nothing new, and does work only when its inputs changed.
 */
export interface AfterCommitHook {
  name: string;
  /** Returns what it did (nothing returned counts as 'rebuilt'). */
  run(ctx: AfterCommitContext): Promise<HookOutcome | void>;
}

export interface AfterCommitContext {
  ports: LakePorts;
  tag: string;
  runDate: string;
  meterReadings: IcebergTable;
  snapshot: Snapshot;
  days: number[];
  /** What the run consumed: the readings_history files appended since the previous run. */
  plan: DailyPlan;
}

/** Plan a run: the history files appended since the snapshot the previous run consumed. */
export async function planDailySnapshot(history: IcebergTable, meterReadings: IcebergTable): Promise<DailyPlan> {
  const historyMeta = await history.metadata();
  const mrMeta = await meterReadings.metadata();
  const mrSnap = currentSnapshot(mrMeta);
  const consumed = mrSnap?.summary[HISTORY_SNAPSHOT_PROPERTY];
  const previous = consumed ? BigInt(consumed) : null;
  const current = currentSnapshot(historyMeta)?.['snapshot-id'] ?? null;
  const newFiles = current === null || current === previous ? [] : (await history.appendedDataFiles(previous, current)).map((e) => e.data_file);
  return { historySnapshotId: current ?? previous, previousHistorySnapshotId: previous, meterReadingsSnapshotId: mrSnap?.['snapshot-id'] ?? null, newFiles };
}

/**
 * Scan tasks of the history files a plan consumes, planned at its history snapshot so delete
 * files written by other engines apply to the new rows too. Files appended and then removed
 * again (compaction) are read as appended: their rows are new all the same.
 */
export async function newHistoryTasks(history: IcebergTable, metadata: TableMetadata, plan: DailyPlan): Promise<FileScanTask[]> {
  if (!plan.newFiles.length || plan.historySnapshotId === null) return [];
  const wanted = new Set(plan.newFiles.map((f) => f.file_path));
  const tasks = (await planFiles(history.io, metadata, { snapshot: { snapshotId: plan.historySnapshotId } })).filter((t) => wanted.has(t.dataFile.file_path));
  const planned = new Set(tasks.map((t) => t.dataFile.file_path));
  for (const f of plan.newFiles) if (!planned.has(f.file_path)) tasks.push({ dataFile: f, dataSequenceNumber: 0, deletes: [] });
  return tasks;
}

/** A run for a date whose tag exists found new data: merging it would have to move the tag. */
export class DailyTagPlacedError extends Error {
  override readonly name = 'DailyTagPlacedError';
  constructor(readonly tag: string, readonly snapshotId: bigint) {
    super(`${tag} already names meter_readings snapshot ${snapshotId} and a daily tag is never moved (time travel to it keeps its answer); ` +
      'new readings are waiting: run the daily snapshot for a later date (--date YYYY-MM-DD)');
  }
}

