import { mkdir, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { sqlString, scratchName } from '../engine/duckdb-session';
import { createScanView } from '../engine/snapshot-view';
import type { IcebergTable } from '../iceberg/table';
import { attachDeletes, liveFiles, planFiles, type FileScanTask } from '../iceberg/scan';
import { currentSchema, currentSnapshot, snapshotById } from '../iceberg/table-metadata';
import { FileContent, type DataFile, type LiveEntry, type Snapshot, type TableMetadata } from '../iceberg/types';
import { tableFor } from './lake-tables';
import { latestVersionSql } from './latest-version-sql';
import {
  DEFAULT_MERGE_ON_READ, chooseDayMode, countDistinctKeys, mergeDayOnRead, type DayFiles, type DayMode, type MergeOnReadThresholds,
} from './merge-on-read';
import { dailyTagName, tagCurrentSnapshot, tagRefOptions } from './maintenance/tag-policy';
import { parseCalendarDate } from './strict-time';
import type { LakePorts } from './ports';
import { METER_READINGS, READINGS_HISTORY, SNAPSHOT_LOG } from './tables';
import { localPathResolver, writeRowsAsDataFiles } from './table-files';

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

export interface DailyRunOptions {
  /** The run's date (YYYY-MM-DD) for its tag `daily-<date>`; default: today (UTC). */
  runDate?: string;
  targetFileSizeBytes?: number;
  dailyTagMaxAgeMs?: number;
  hooks?: AfterCommitHook[];
  /** Called after each merged day. */
  onDay?: (done: number, total: number) => void;
  /** Called between planning and commit (tests use it to commit a batch concurrently). */
  afterPlan?: (plan: DailyPlan) => Promise<void>;
  /** When a touched day is merged on read instead of rewritten; @default DEFAULT_MERGE_ON_READ. */
  mergeOnRead?: Partial<MergeOnReadThresholds>;
}

export interface DailyRunResult {
  tag: string;
  plan: DailyPlan;
  /** The meter_readings snapshot the run ends on (its own commit, or the current one when nothing was new). */
  snapshot: Snapshot | undefined;
  /** Whether the run committed a meter_readings snapshot. */
  committed: boolean;
  /** Whether the run created or moved its daily tag. */
  tagPlaced: boolean;
  hooks: { name: string; outcome: HookOutcome }[];
  days: DayResult[];
  newVersions: number;
  rowsWritten: number;
  durationMs: number;
}

const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

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

/**
 * Stage the new versions, split by interval day, as local Parquet files (one folder per day):
 * each day then merges independently, as one Lambda of the Step Functions Map would.
 */
async function stageNewVersions(ports: LakePorts, history: IcebergTable, plan: DailyPlan, stageDir: string): Promise<Map<number, string>> {
  const byDay = new Map<number, string>();
  const metadata = await history.metadata();
  const tasks = await newHistoryTasks(history, metadata, plan);
  if (!tasks.length) return byDay;
  const view = scratchName('new_versions');
  await createScanView(ports.session, view, currentSchema(metadata), tasks, localPathResolver(ports.store, ports.tempDir));
  await ports.session.run(
    `COPY (SELECT *, CAST(floor(epoch_us(interval_start) / ${DAY_MS * 1000}) AS INTEGER) AS day FROM ${view}) ` +
      `TO ${sqlString(stageDir)} (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)`,
  );
  await ports.session.run(`DROP VIEW ${view}`);
  for (const entry of await readdir(stageDir)) {
    const m = /^day=(-?\d+)$/.exec(entry);
    if (m) byDay.set(Number(m[1]), path.join(stageDir, entry, '*.parquet'));
  }
  return byDay;
}

/** Copy-on-write: rewrite the whole day (deletes applied), replacing all its data and delete files. */
async function rewriteDay(
  ports: LakePorts, metadata: TableMetadata, day: number, files: DayFiles, newVersions: string, targetFileSizeBytes: number,
): Promise<DayResult> {
  const currentView = scratchName('current_day');
  await createScanView(ports.session, currentView, currentSchema(metadata), files.data, localPathResolver(ports.store, ports.tempDir));
  try {
    const added = await writeRowsAsDataFiles(ports.session, ports.store, metadata, {
      sourceSql: latestVersionSql(currentView, newVersions),
      sortBy: ['meter_id', 'interval_start'], targetFileSizeBytes, expectSinglePartition: true,
    });
    return {
      day, mode: 'copy-on-write', removed: files.data.map((t) => t.dataFile), added, removedDeletes: files.deletes, addedDeletes: [],
      rows: added.reduce((n, f) => n + f.record_count, 0), deletedRows: 0, deletedFrom: [],
    };
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${currentView}`);
  }
}

/** Merge one touched day in the mode its share of new keys and its delete files call for. */
async function mergeDay(
  ports: LakePorts, metadata: TableMetadata, day: number, files: DayFiles, newVersionsGlob: string,
  opts: { targetFileSizeBytes: number; thresholds: MergeOnReadThresholds },
): Promise<DayResult> {
  const newVersions = `read_parquet(${sqlString(newVersionsGlob)})`;
  const newKeys = await countDistinctKeys(ports.session, newVersions);
  if (chooseDayMode(files, newKeys, opts.thresholds) === 'copy-on-write') {
    return rewriteDay(ports, metadata, day, files, newVersions, opts.targetFileSizeBytes);
  }
  const merged = await mergeDayOnRead(ports.session, ports.store, metadata, files, newVersions, {
    resolveLocalPath: localPathResolver(ports.store, ports.tempDir), targetFileSizeBytes: opts.targetFileSizeBytes,
  });
  return {
    day, mode: 'merge-on-read', removed: [], added: merged.added, removedDeletes: [],
    addedDeletes: merged.deleteFile ? [merged.deleteFile] : [],
    rows: merged.added.reduce((n, f) => n + f.record_count, 0), deletedRows: merged.deletedRows, deletedFrom: merged.deletedFrom,
  };
}

/** The live files of a meter_readings snapshot, grouped by interval day (deletes paired within each day). */
async function filesByDay(meterReadings: IcebergTable, metadata: TableMetadata, snapshotId: bigint | null): Promise<Map<number, DayFiles>> {
  const snapshot = snapshotId === null ? undefined : snapshotById(metadata, snapshotId);
  if (!snapshot) return new Map();
  const entriesByDay = new Map<number, LiveEntry[]>();
  for (const e of await liveFiles(meterReadings.io, metadata, snapshot)) {
    const day = e.data_file.partition.interval_start_day as number;
    const entries = entriesByDay.get(day);
    if (entries) entries.push(e);
    else entriesByDay.set(day, [e]);
  }
  return new Map([...entriesByDay].map(([day, entries]) => [day, {
    data: attachDeletes(entries),
    deletes: entries.filter((e) => e.data_file.content !== FileContent.DATA).map((e) => e.data_file),
  }]));
}

/**
 * The daily run: plan by snapshot ids, merge each touched day, commit ONE overwrite snapshot
 * replacing exactly those days' files (checked against the snapshot it planned from), tag it
 * `daily-<date>`, log it in snapshot_log, then run the after-commit hooks.
 */
export async function runDailySnapshot(ports: LakePorts, opts: DailyRunOptions = {}): Promise<DailyRunResult> {
  const started = ports.now();
  const runDate = opts.runDate ?? new Date(started).toISOString().slice(0, 10);
  // A date that is not a real day (2021-13-45) is refused before any work, never read as another day.
  const tag = dailyTagName(new Date(parseCalendarDate(runDate)));
  const history = await tableFor(ports, READINGS_HISTORY);
  const meterReadings = await tableFor(ports, METER_READINGS);
  const plan = await planDailySnapshot(history, meterReadings);
  // A daily tag is never moved once placed: time travel to it must keep its answer.
  const placed = (await meterReadings.metadata()).refs[tag];
  if (placed && plan.historySnapshotId !== null && plan.historySnapshotId !== plan.previousHistorySnapshotId) {
    throw new DailyTagPlacedError(tag, placed['snapshot-id']);
  }
  const stageDir = path.join(ports.tempDir, scratchName('daily'));
  await mkdir(stageDir, { recursive: true });
  const days: DayResult[] = [];
  let newVersions = 0;
  try {
    const staged = await stageNewVersions(ports, history, plan, stageDir);
    newVersions = plan.newFiles.reduce((n, f) => n + f.record_count, 0);
    const dayList = [...staged.keys()].sort((a, b) => a - b);
    // Plan meter_readings once (not at all when nothing is new); each day then merges from its own partition's files.
    const metadata = await meterReadings.metadata();
    const current = dayList.length ? await filesByDay(meterReadings, metadata, plan.meterReadingsSnapshotId) : new Map<number, DayFiles>();
    const mergeOpts = {
      targetFileSizeBytes: opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE_BYTES,
      thresholds: { ...DEFAULT_MERGE_ON_READ, ...opts.mergeOnRead },
    };
    for (const day of dayList) {
      const files = current.get(day) ?? { data: [], deletes: [] };
      days.push(await mergeDay(ports, metadata, day, files, staged.get(day)!, mergeOpts));
      opts.onDay?.(days.length, dayList.length);
    }
  } finally {
    await rm(stageDir, { recursive: true, force: true });
  }
  await opts.afterPlan?.(plan);

  let snapshot: Snapshot | undefined;
  const changedDays = new Set(days.map((d) => d.day));
  const historyMoved = plan.historySnapshotId !== plan.previousHistorySnapshotId;
  const committed = plan.historySnapshotId !== null && (days.length > 0 || historyMoved);
  if (committed) {
    const result = await meterReadings.commit({
      operation: 'overwrite',
      addDataFiles: days.flatMap((d) => d.added),
      addDeleteFiles: days.flatMap((d) => d.addedDeletes),
      removePaths: days.flatMap((d) => [...d.removed, ...d.removedDeletes].map((f) => f.file_path)),
      // A position delete file is void if a data file it names left the table meanwhile.
      requireLivePaths: days.flatMap((d) => d.deletedFrom),
      plannedFromSnapshotId: plan.meterReadingsSnapshotId,
      conflictFilter: (f) => changedDays.has(f.partition.interval_start_day as number),
      summary: {
        [HISTORY_SNAPSHOT_PROPERTY]: String(plan.historySnapshotId), 'meterlake.run-date': runDate, 'meterlake.days-changed': String(days.length),
        [DAYS_MERGE_ON_READ_PROPERTY]: String(days.filter((d) => d.mode === 'merge-on-read').length),
        [DAYS_COPY_ON_WRITE_PROPERTY]: String(days.filter((d) => d.mode === 'copy-on-write').length),
      },
    });
    snapshot = result.snapshot;
  } else {
    snapshot = currentSnapshot(await meterReadings.metadata());
  }
  // A tag is placed once: on the new snapshot, or — a new date with nothing new — on the current
  // one (metadata only), so every run date has its tag. (A placed tag with new data was refused above.)
  const tagged = (await meterReadings.metadata()).refs[tag];
  const tagPlaced = snapshot !== undefined && !tagged;
  if (tagPlaced) {
    await meterReadings.setRef(tag, { ...tagRefOptions(tag, opts.dailyTagMaxAgeMs), snapshotId: snapshot!['snapshot-id'] });
  }
  const result: DailyRunResult = {
    tag, plan, snapshot, committed, tagPlaced, hooks: [], days, newVersions,
    rowsWritten: days.reduce((n, d) => n + d.rows, 0),
    durationMs: ports.now() - started,
  };
  // snapshot_log has a row per meter_readings snapshot or tag a run made; a run that made neither is not logged.
  if (committed || tagPlaced) await logRun(ports, result);
  // Hooks build from the snapshot the run's tag names; a re-run of a past date whose tag stays on an
  // older snapshot has nothing to build (its outputs were built, and tagged, when that snapshot was).
  const tagOnSnapshot = tagPlaced || tagged?.['snapshot-id'] === snapshot?.['snapshot-id'];
  if (snapshot && tagOnSnapshot) {
    for (const hook of opts.hooks ?? []) {
      const outcome = await hook.run({ ports, tag, runDate, meterReadings, snapshot, days: [...changedDays], plan });
      result.hooks.push({ name: hook.name, outcome: outcome ?? 'rebuilt' });
    }
  }
  return result;
}

/** A run for a date whose tag exists found new data: merging it would have to move the tag. */
export class DailyTagPlacedError extends Error {
  override readonly name = 'DailyTagPlacedError';
  constructor(readonly tag: string, readonly snapshotId: bigint) {
    super(`${tag} already names meter_readings snapshot ${snapshotId} and a daily tag is never moved (time travel to it keeps its answer); ` +
      'new readings are waiting: run the daily snapshot for a later date (--date YYYY-MM-DD)');
  }
}

/** True when a run found nothing new and wrote nothing: no commit, no tag, no hook output. */
export function nothingDone(r: DailyRunResult): boolean {
  return !r.committed && !r.tagPlaced && r.hooks.every((h) => h.outcome === 'unchanged');
}

async function logRun(ports: LakePorts, r: DailyRunResult): Promise<void> {
  const log = await tableFor(ports, SNAPSHOT_LOG);
  const id = (v: bigint | null | undefined) => (v === null || v === undefined ? 'NULL' : `${v}::BIGINT`);
  const scratch = scratchName('snapshot_log_row');
  await ports.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT
    ${sqlString(`${r.tag}@${ports.now()}`)} AS run_id, ${sqlString(r.tag)} AS tag, ${id(r.snapshot?.['snapshot-id'])} AS meter_readings_snapshot_id,
    ${id(r.plan.historySnapshotId)} AS history_snapshot_id, ${id(r.plan.previousHistorySnapshotId)} AS previous_history_snapshot_id,
    ${r.plan.newFiles.length}::INTEGER AS history_files, ${r.newVersions}::BIGINT AS new_versions, ${r.days.length}::INTEGER AS days_changed,
    ${sqlString(r.days.map((d) => dayString(d.day)).join(','))} AS days, ${r.rowsWritten}::BIGINT AS rows_written,
    ${r.days.reduce((n, d) => n + d.added.length + d.addedDeletes.length, 0)}::INTEGER AS files_added,
    ${r.days.reduce((n, d) => n + d.removed.length + d.removedDeletes.length, 0)}::INTEGER AS files_removed,
    ${r.durationMs}::BIGINT AS duration_ms, to_timestamp(${ports.now() / 1000}) AS run_at`);
  try {
    await log.append(await writeRowsAsDataFiles(ports.session, ports.store, await log.metadata(), { sourceSql: scratch }), { 'meterlake.tag': r.tag });
    // The run's tag on its own log row, so time travel to the tag reads the log as the run left it.
    await tagCurrentSnapshot(log, r.tag);
  } finally {
    await ports.session.run(`DROP TABLE ${scratch}`);
  }
}
