/**
 * The daily run as separate steps — plan → merge each day → commit → after-commit hooks — that a
 * Step Functions job runs as separate Lambdas (no shared disk) and the local runtime runs in one
 * process (runDailySnapshot). State between steps lives in the lake store under
 * `staging/daily/<runId>/`: plan.json, the new versions staged by interval day
 * (day=<n>/*.parquet) and one result per merged day (results/<day>.json), all wire JSON.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { sqlString, scratchName } from '../engine/duckdb-session';
import { createScanView } from '../engine/snapshot-view';
import { manifestEvaluator, type Predicate } from '../iceberg/expressions';
import { readManifest, readManifestList } from '../iceberg/manifest';
import { attachDeletes } from '../iceberg/scan';
import type { IcebergTable } from '../iceberg/table';
import { currentSchema, currentSnapshot, snapshotById, specsById } from '../iceberg/table-metadata';
import { EntryStatus, FileContent, type Snapshot, type TableMetadata } from '../iceberg/types';
import type { ObjectStore } from '../storage/object-store';
import {
  DAY_MS, DAYS_COPY_ON_WRITE_PROPERTY, DAYS_MERGE_ON_READ_PROPERTY, DEFAULT_TARGET_FILE_SIZE_BYTES, DailyTagPlacedError,
  HISTORY_SNAPSHOT_PROPERTY, newHistoryTasks, planDailySnapshot,
  type AfterCommitHook, type DailyPlan, type DayResult, type HookOutcome,
} from './daily-plan';
import { tableFor } from './lake-tables';
import { touchedWinnersSql, withWinnersSql } from './latest-version-sql';
import {
  DEFAULT_MERGE_ON_READ, chooseDayMode, countDistinctKeys, mergeDayOnRead, type DayFiles, type MergeOnReadThresholds,
} from './merge-on-read';
import { dailyTagName, tagCurrentSnapshot, tagRefOptions } from './maintenance/tag-policy';
import type { LakePorts } from './ports';
import { parseCalendarDate } from './strict-time';
import { METER_READINGS, READINGS_HISTORY, SNAPSHOT_LOG } from './tables';
import { localPathResolver, writeRowsAsDataFiles } from './table-files';
import { fromWireJson, toWireJson } from './wire-json';

/** Names one daily run; every step after the plan takes it (JSON-safe: a Step Functions state). */
export interface DailyRunRef { runId: string; runDate: string; tag: string }

/** The plan step's answer: the days to merge (one Map iteration each). Snapshot ids as decimal strings. */
export interface PlannedDailyRun extends DailyRunRef { days: number[]; newVersions: number; historySnapshotId: string | null }

/** One merged day (its files are in results/<day>.json, not in the answer: a Step Functions state is small). */
export interface MergedDay { day: number; mode: 'merge-on-read' | 'copy-on-write'; rows: number }

/** The commit step's answer; newestSnapshotAgeMs feeds the freshness metric (null: meter_readings is empty). */
export interface CommittedDailyRun extends DailyRunRef {
  committed: boolean;
  tagPlaced: boolean;
  snapshotId: string | null;
  daysChanged: number;
  rowsWritten: number;
  newestSnapshotAgeMs: number | null;
}

/** What plan.json holds. */
export interface StagedDailyPlan extends DailyRunRef {
  plan: DailyPlan;
  /** Interval days with staged new versions, ascending. */
  days: number[];
  newVersions: number;
  /** ports.now() when planning started (snapshot_log.duration_ms runs from it). */
  startedAt: number;
}

/** meter_readings summary properties a run's commit records, so a later step finds the run in the table. */
export const DAILY_RUN_ID_PROPERTY = 'meterlake.daily-run-id';
const DAYS_PROPERTY = 'meterlake.days';
const PREVIOUS_HISTORY_SNAPSHOT_PROPERTY = 'meterlake.previous-history-snapshot-id';
const PLANNED_FROM_PROPERTY = 'meterlake.planned-from-snapshot-id';
const ROWS_WRITTEN_PROPERTY = 'meterlake.rows-written';

/** A run id is a store key segment and a Step Functions execution name: letters, digits, '.', '_', '-'. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A run id that cannot name a staging folder. */
export class InvalidDailyRunIdError extends Error {
  override readonly name = 'InvalidDailyRunIdError';
  constructor(readonly runId: string) {
    super(`daily run id ${JSON.stringify(runId)} is not 1-128 letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
  }
}

/** A step found the run's staged state missing or inconsistent with the ref it was given. */
export class DailyRunStateError extends Error {
  override readonly name = 'DailyRunStateError';
  constructor(readonly runId: string, message: string) {
    super(`daily run ${runId}: ${message}`);
  }
}

const stagingPrefix = (runId: string) => `staging/daily/${runId}/`;
const planKey = (runId: string) => `${stagingPrefix(runId)}plan.json`;
const dayPrefix = (runId: string, day: number) => `${stagingPrefix(runId)}day=${day}/`;
const resultKey = (runId: string, day: number) => `${stagingPrefix(runId)}results/${day}.json`;
const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const idString = (id: bigint | null | undefined) => (id === null || id === undefined ? null : String(id));
const refOf = (run: DailyRunRef): DailyRunRef => ({ runId: run.runId, runDate: run.runDate, tag: run.tag });

// ---------------------------------------------------------------------------------------------
// plan

/**
 * Plan a run by snapshot ids and stage the new versions split by interval day, so that each day
 * merges on its own (a Lambda per day). Refuses, before any work, a date that is not a real day
 * and (DailyTagPlacedError) a date whose tag is placed while new readings wait.
 */
export async function planDailyRun(ports: LakePorts, opts: { runDate?: string; runId?: string } = {}): Promise<PlannedDailyRun> {
  const startedAt = ports.now();
  const runDate = opts.runDate ?? new Date(startedAt).toISOString().slice(0, 10);
  // A date that is not a real day (2021-13-45) is refused before any work, never read as another day.
  const tag = dailyTagName(new Date(parseCalendarDate(runDate)));
  const runId = opts.runId ?? `${tag}-${randomUUID()}`;
  if (!RUN_ID.test(runId)) throw new InvalidDailyRunIdError(runId);
  const history = await tableFor(ports, READINGS_HISTORY);
  const meterReadings = await tableFor(ports, METER_READINGS);
  const plan = await planDailySnapshot(history, meterReadings);
  const metadata = await meterReadings.metadata();
  // A run id names one run: a commit finding it in the table takes the run as done.
  const done = metadata.snapshots.find((s) => s.summary[DAILY_RUN_ID_PROPERTY] === runId);
  if (done) throw new DailyRunStateError(runId, `already committed meter_readings snapshot ${done['snapshot-id']}: give a new run id`);
  // A daily tag is never moved once placed: time travel to it must keep its answer.
  const placed = metadata.refs[tag];
  if (placed && plan.historySnapshotId !== null && plan.historySnapshotId !== plan.previousHistorySnapshotId) {
    throw new DailyTagPlacedError(tag, placed['snapshot-id']);
  }
  // A retried plan step starts over: what an earlier attempt staged is replaced, not mixed in.
  await deletePrefix(ports.store, stagingPrefix(runId));
  const days = await stageNewVersions(ports, history, plan, runId);
  const staged: StagedDailyPlan = {
    runId, runDate, tag, plan, days, newVersions: plan.newFiles.reduce((n, f) => n + f.record_count, 0), startedAt,
  };
  // Written last: a plan.json means the staging is complete.
  await ports.store.put(planKey(runId), toWireJson(staged));
  return { runId, runDate, tag, days, newVersions: staged.newVersions, historySnapshotId: idString(plan.historySnapshotId) };
}

/**
 * Stage the new versions, split by interval day, as Parquet under staging/daily/<runId>/day=<n>/:
 * written in place on a folder store, else written to local temp space and uploaded.
 */
async function stageNewVersions(ports: LakePorts, history: IcebergTable, plan: DailyPlan, runId: string): Promise<number[]> {
  const metadata = await history.metadata();
  const tasks = await newHistoryTasks(history, metadata, plan);
  if (!tasks.length) return [];
  const inPlace = ports.store.localPath(stagingPrefix(runId).slice(0, -1));
  const stageDir = inPlace ?? path.join(ports.tempDir, scratchName('daily_stage'));
  await mkdir(stageDir, { recursive: true });
  const view = scratchName('new_versions');
  try {
    await createScanView(ports.session, view, currentSchema(metadata), tasks, localPathResolver(ports.store, ports.tempDir));
    await ports.session.run(
      `COPY (SELECT *, CAST(floor(epoch_us(interval_start) / ${DAY_MS * 1000}) AS INTEGER) AS day FROM ${view}) ` +
        `TO ${sqlString(stageDir)} (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE)`,
    );
    const days: number[] = [];
    const uploads: [key: string, file: string][] = [];
    for (const entry of await readdir(stageDir)) {
      const m = /^day=(-?\d+)$/.exec(entry);
      if (!m) continue;
      const day = Number(m[1]);
      days.push(day);
      if (!inPlace) {
        for (const file of await readdir(path.join(stageDir, entry))) uploads.push([`${dayPrefix(runId, day)}${file}`, path.join(stageDir, entry, file)]);
      }
    }
    for (let i = 0; i < uploads.length; i += 16) await Promise.all(uploads.slice(i, i + 16).map(([key, file]) => ports.store.putFile(key, file)));
    return days.sort((a, b) => a - b);
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${view}`);
    if (!inPlace) await rm(stageDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// merge one day

/**
 * Merge one planned day into meter_readings as it was when the run was planned, and write the
 * day's result to results/<day>.json. Nothing is committed. Idempotent: a retried day writes new
 * files and overwrites its own result; the data files of an abandoned attempt are referenced by
 * no snapshot, so they are orphans that the maintenance orphan cleanup removes.
 */
export async function mergeDailyRunDay(
  ports: LakePorts, run: DailyRunRef, day: number, opts: { targetFileSizeBytes?: number; mergeOnRead?: Partial<MergeOnReadThresholds> } = {},
): Promise<MergedDay> {
  const staged = await loadDailyRunPlan(ports, run);
  if (!staged.days.includes(day)) {
    throw new DailyRunStateError(run.runId, `day ${day} (${dayString(day)}) is not one of the planned days [${staged.days.join(', ')}]`);
  }
  const meterReadings = await tableFor(ports, METER_READINGS);
  const metadata = await meterReadings.metadata();
  const files = await dayFiles(meterReadings, metadata, staged.plan.meterReadingsSnapshotId, day);
  const result = await withStagedDay(ports, run.runId, day, (glob) => mergeDay(ports, metadata, day, files, glob, {
    targetFileSizeBytes: opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE_BYTES,
    thresholds: { ...DEFAULT_MERGE_ON_READ, ...opts.mergeOnRead },
  }));
  await ports.store.put(resultKey(run.runId, day), toWireJson(result));
  return { day, mode: result.mode, rows: result.rows };
}

/** Run `use` with a local glob of the day's staged Parquet: in place on a folder store, else downloaded to temp space. */
async function withStagedDay<T>(ports: LakePorts, runId: string, day: number, use: (glob: string) => Promise<T>): Promise<T> {
  const prefix = dayPrefix(runId, day);
  const inPlace = ports.store.localPath(prefix.slice(0, -1));
  if (inPlace) return use(path.join(inPlace, '*.parquet'));
  // The folder keeps its day=<n> name, so the files read exactly as they do in place.
  const dir = path.join(ports.tempDir, scratchName('daily_day'), `day=${day}`);
  await mkdir(dir, { recursive: true });
  try {
    let files = 0;
    for await (const o of ports.store.list(prefix)) {
      await ports.store.getToFile(o.key, path.join(dir, o.key.slice(prefix.length).replaceAll('/', '__')));
      files++;
    }
    if (!files) throw new DailyRunStateError(runId, `no staged new versions under ${prefix}`);
    return await use(path.join(dir, '*.parquet'));
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
}

/**
 * The live files of one day of a meter_readings snapshot (deletes paired within the day): only
 * the manifests whose partition summaries may hold the day are read.
 */
async function dayFiles(meterReadings: IcebergTable, metadata: TableMetadata, snapshotId: bigint | null, day: number): Promise<DayFiles> {
  const snapshot = snapshotId === null ? undefined : snapshotById(metadata, snapshotId);
  if (!snapshot) return { data: [], deletes: [] };
  const filter: Predicate = {
    op: 'and',
    args: [
      { op: 'gte', field: 'interval_start', value: new Date(day * DAY_MS) },
      { op: 'lt', field: 'interval_start', value: new Date((day + 1) * DAY_MS) },
    ],
  };
  const schema = currentSchema(metadata);
  const specs = specsById(metadata);
  const mayMatch = new Map([...specs].map(([id, spec]) => [id, manifestEvaluator(filter, schema, spec)]));
  const manifests = (await readManifestList(meterReadings.io, snapshot['manifest-list']))
    .filter((mf) => mayMatch.get(mf.partition_spec_id)!(mf.partitions));
  const ctx = { io: meterReadings.io, schema, specsById: specs };
  const entries = (await Promise.all(manifests.map((mf) => readManifest(ctx, mf)))).flat()
    .filter((e) => e.status !== EntryStatus.DELETED && e.data_file.partition.interval_start_day === day);
  return {
    data: attachDeletes(entries),
    deletes: entries.filter((e) => e.data_file.content !== FileContent.DATA).map((e) => e.data_file),
  };
}

/** Copy-on-write: rewrite the whole day (deletes applied), replacing all its data and delete files. */
async function rewriteDay(
  ports: LakePorts, metadata: TableMetadata, day: number, files: DayFiles, newVersions: string, targetFileSizeBytes: number,
): Promise<DayResult> {
  const currentView = scratchName('current_day');
  const winners = scratchName('day_winners');
  await createScanView(ports.session, currentView, currentSchema(metadata), files.data, localPathResolver(ports.store, ports.tempDir));
  try {
    // Two statements, not one: ranking the touched keys and the anti-join + sort of the day in one
    // plan ran out of DuckDB's 1 GB on two threads (a 1.68 M-row day with 1 M corrections failed
    // in about half the runs); a temp table of the winners can spill between them.
    await ports.session.run(`CREATE TEMP TABLE ${winners} AS ${touchedWinnersSql(currentView, newVersions)}`);
    const added = await writeRowsAsDataFiles(ports.session, ports.store, metadata, {
      sourceSql: withWinnersSql(currentView, winners),
      sortBy: ['meter_id', 'interval_start'], targetFileSizeBytes, expectSinglePartition: true,
    });
    return {
      day, mode: 'copy-on-write', removed: files.data.map((t) => t.dataFile), added, removedDeletes: files.deletes, addedDeletes: [],
      rows: added.reduce((n, f) => n + f.record_count, 0), deletedRows: 0, deletedFrom: [],
    };
  } finally {
    await ports.session.run(`DROP TABLE IF EXISTS ${winners}`);
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

// ---------------------------------------------------------------------------------------------
// commit

/** What the tables record of a run: the meter_readings snapshot it committed, and whether it wrote its snapshot_log row. */
interface RunRecord { committedSnapshot: Snapshot | undefined; logged: boolean }

async function runRecord(ports: LakePorts, runId: string, meterReadingsMeta: TableMetadata): Promise<RunRecord> {
  const byRun = (s: Snapshot) => s.summary[DAILY_RUN_ID_PROPERTY] === runId;
  // Looked up, never created: a run that logs nothing leaves the catalog as it was.
  const logged = (await ports.catalog.tableExists(SNAPSHOT_LOG.name)) && (await tableFor(ports, SNAPSHOT_LOG).then((t) => t.metadata())).snapshots.some(byRun);
  return { committedSnapshot: meterReadingsMeta.snapshots.find(byRun), logged };
}

const newestSnapshotAgeMs = (ports: LakePorts, m: TableMetadata): number | null => {
  const current = currentSnapshot(m);
  return current ? ports.now() - current['timestamp-ms'] : null;
};

/**
 * Commit ONE overwrite snapshot replacing exactly the merged days' files (checked against the
 * snapshot the run planned from), tag it `daily-<date>`, log it in snapshot_log, then delete the
 * run's staging folder. A run with nothing new commits nothing but still tags the current snapshot
 * when its date has no tag yet. Safe to call again: the commit records the run id in its snapshot
 * summary (and snapshot_log's), so a retry — after success, or after a crash part way — finishes
 * what is missing and answers the same, never committing twice.
 */
export async function commitDailyRun(ports: LakePorts, run: DailyRunRef, opts: { dailyTagMaxAgeMs?: number } = {}): Promise<CommittedDailyRun> {
  const meterReadings = await tableFor(ports, METER_READINGS);
  if (!(await ports.store.head(planKey(run.runId)))) return finishedRunAnswer(ports, run, meterReadings);
  const staged = await loadDailyRunPlan(ports, run);
  const days = await loadDayResults(ports, run, staged.days);
  const { plan } = staged;
  const record = await runRecord(ports, run.runId, await meterReadings.metadata());

  let snapshot = record.committedSnapshot;
  const committed = snapshot !== undefined || (plan.historySnapshotId !== null && (days.length > 0 || plan.historySnapshotId !== plan.previousHistorySnapshotId));
  if (committed && !snapshot) {
    const changedDays = new Set(days.map((d) => d.day));
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
        [HISTORY_SNAPSHOT_PROPERTY]: String(plan.historySnapshotId), 'meterlake.run-date': run.runDate, 'meterlake.days-changed': String(days.length),
        [DAYS_MERGE_ON_READ_PROPERTY]: String(days.filter((d) => d.mode === 'merge-on-read').length),
        [DAYS_COPY_ON_WRITE_PROPERTY]: String(days.filter((d) => d.mode === 'copy-on-write').length),
        // What the hooks step and a retried commit need once the staging folder is gone.
        [DAILY_RUN_ID_PROPERTY]: run.runId,
        [DAYS_PROPERTY]: days.map((d) => dayString(d.day)).join(','),
        [ROWS_WRITTEN_PROPERTY]: String(days.reduce((n, d) => n + d.rows, 0)),
        ...(plan.previousHistorySnapshotId === null ? {} : { [PREVIOUS_HISTORY_SNAPSHOT_PROPERTY]: String(plan.previousHistorySnapshotId) }),
        ...(plan.meterReadingsSnapshotId === null ? {} : { [PLANNED_FROM_PROPERTY]: String(plan.meterReadingsSnapshotId) }),
      },
    });
    snapshot = result.snapshot;
  } else if (!committed) {
    snapshot = currentSnapshot(await meterReadings.metadata());
  }
  // A tag is placed once: on the new snapshot, or — a new date with nothing new — on the current
  // one (metadata only), so every run date has its tag. (A placed tag with new data was refused
  // by the plan.) A tag found on the run's own snapshot was placed by an earlier attempt.
  const tagged = (await meterReadings.metadata()).refs[run.tag];
  const placeNow = snapshot !== undefined && !tagged;
  if (placeNow) {
    await meterReadings.setRef(run.tag, { ...tagRefOptions(run.tag, opts.dailyTagMaxAgeMs), snapshotId: snapshot!['snapshot-id'] });
  }
  const tagPlaced = placeNow || (record.committedSnapshot !== undefined && tagged?.['snapshot-id'] === snapshot!['snapshot-id']) || record.logged;
  const rowsWritten = days.reduce((n, d) => n + d.rows, 0);
  // snapshot_log has a row per meter_readings snapshot or tag a run made; a run that made neither is not logged.
  if ((committed || tagPlaced) && !record.logged) await logRun(ports, staged, snapshot, days, rowsWritten);
  await deletePrefix(ports.store, stagingPrefix(run.runId), planKey(run.runId));
  return {
    ...refOf(run), committed, tagPlaced, snapshotId: idString(snapshot?.['snapshot-id']), daysChanged: days.length, rowsWritten,
    newestSnapshotAgeMs: newestSnapshotAgeMs(ports, await meterReadings.metadata()),
  };
}

/**
 * The answer for a run whose staging is gone: it committed (its snapshot records it), or only
 * placed its tag (its snapshot_log row records it), or did nothing — the answer also for a run
 * never planned, which has nothing to commit either.
 */
async function finishedRunAnswer(ports: LakePorts, run: DailyRunRef, meterReadings: IcebergTable): Promise<CommittedDailyRun> {
  const metadata = await meterReadings.metadata();
  const record = await runRecord(ports, run.runId, metadata);
  const committed = record.committedSnapshot;
  const tagged = metadata.refs[run.tag]?.['snapshot-id'];
  const snapshotId = committed?.['snapshot-id'] ?? (record.logged ? tagged : currentSnapshot(metadata)?.['snapshot-id']);
  return {
    ...refOf(run),
    committed: committed !== undefined,
    tagPlaced: committed ? tagged === committed['snapshot-id'] : record.logged,
    snapshotId: idString(snapshotId),
    daysChanged: Number(committed?.summary['meterlake.days-changed'] ?? 0),
    rowsWritten: Number(committed?.summary[ROWS_WRITTEN_PROPERTY] ?? 0),
    newestSnapshotAgeMs: newestSnapshotAgeMs(ports, metadata),
  };
}

async function logRun(ports: LakePorts, staged: StagedDailyPlan, snapshot: Snapshot | undefined, days: DayResult[], rowsWritten: number): Promise<void> {
  const { plan, tag } = staged;
  const log = await tableFor(ports, SNAPSHOT_LOG);
  const id = (v: bigint | null | undefined) => (v === null || v === undefined ? 'NULL' : `${v}::BIGINT`);
  const scratch = scratchName('snapshot_log_row');
  await ports.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT
    ${sqlString(staged.runId)} AS run_id, ${sqlString(tag)} AS tag, ${id(snapshot?.['snapshot-id'])} AS meter_readings_snapshot_id,
    ${id(plan.historySnapshotId)} AS history_snapshot_id, ${id(plan.previousHistorySnapshotId)} AS previous_history_snapshot_id,
    ${plan.newFiles.length}::INTEGER AS history_files, ${staged.newVersions}::BIGINT AS new_versions, ${days.length}::INTEGER AS days_changed,
    ${sqlString(days.map((d) => dayString(d.day)).join(','))} AS days, ${rowsWritten}::BIGINT AS rows_written,
    ${days.reduce((n, d) => n + d.added.length + d.addedDeletes.length, 0)}::INTEGER AS files_added,
    ${days.reduce((n, d) => n + d.removed.length + d.removedDeletes.length, 0)}::INTEGER AS files_removed,
    ${ports.now() - staged.startedAt}::BIGINT AS duration_ms, to_timestamp(${ports.now() / 1000}) AS run_at`);
  try {
    const files = await writeRowsAsDataFiles(ports.session, ports.store, await log.metadata(), { sourceSql: scratch });
    await log.append(files, { 'meterlake.tag': tag, [DAILY_RUN_ID_PROPERTY]: staged.runId });
    // The run's tag on its own log row, so time travel to the tag reads the log as the run left it.
    await tagCurrentSnapshot(log, tag);
  } finally {
    await ports.session.run(`DROP TABLE ${scratch}`);
  }
}

// ---------------------------------------------------------------------------------------------
// after-commit hooks

/**
 * Run the after-commit hooks of a committed run, on the snapshot its tag names — when that is the
 * run's snapshot: the one it committed, or (nothing new) the current one. A re-run of a past date
 * whose tag stays on an older snapshot has nothing to build. Everything the hooks get is read from
 * the tables (the commit recorded it in its snapshot summary), since the staging folder is gone.
 */
export async function runDailyRunHooks(ports: LakePorts, run: DailyRunRef, hooks: AfterCommitHook[]): Promise<{ name: string; outcome: HookOutcome }[]> {
  if (await ports.store.head(planKey(run.runId))) {
    throw new DailyRunStateError(run.runId, 'is planned but not committed (its plan.json is still staged): commit it before its hooks run');
  }
  const meterReadings = await tableFor(ports, METER_READINGS);
  const metadata = await meterReadings.metadata();
  const committed = metadata.snapshots.find((s) => s.summary[DAILY_RUN_ID_PROPERTY] === run.runId);
  const snapshot = committed ?? currentSnapshot(metadata);
  if (!snapshot || metadata.refs[run.tag]?.['snapshot-id'] !== snapshot['snapshot-id'] || !hooks.length) return [];
  const { plan, days } = committed ? await committedRunPlan(ports, committed) : idleRunPlan(snapshot);
  const outcomes: { name: string; outcome: HookOutcome }[] = [];
  for (const hook of hooks) {
    const outcome = await hook.run({ ports, tag: run.tag, runDate: run.runDate, meterReadings, snapshot, days, plan });
    outcomes.push({ name: hook.name, outcome: outcome ?? 'rebuilt' });
  }
  return outcomes;
}

const optionalId = (v: string | undefined) => (v === undefined || v === 'null' ? null : BigInt(v));

/** A committed run's plan and changed days, from its snapshot summary (the new history files listed again by snapshot ids). */
async function committedRunPlan(ports: LakePorts, snapshot: Snapshot): Promise<{ plan: DailyPlan; days: number[] }> {
  const s = snapshot.summary;
  const historySnapshotId = BigInt(s[HISTORY_SNAPSHOT_PROPERTY]!);
  const previousHistorySnapshotId = optionalId(s[PREVIOUS_HISTORY_SNAPSHOT_PROPERTY]);
  const history = await tableFor(ports, READINGS_HISTORY);
  const newFiles = (await history.appendedDataFiles(previousHistorySnapshotId, historySnapshotId)).map((e) => e.data_file);
  const days = (s[DAYS_PROPERTY] ?? '').split(',').filter(Boolean).map((d) => Date.parse(`${d}T00:00:00Z`) / DAY_MS);
  return { plan: { historySnapshotId, previousHistorySnapshotId, meterReadingsSnapshotId: optionalId(s[PLANNED_FROM_PROPERTY]), newFiles }, days };
}

/** A run that committed nothing consumed nothing: its plan stands where the current snapshot's run left history. */
function idleRunPlan(snapshot: Snapshot): { plan: DailyPlan; days: number[] } {
  const consumed = optionalId(snapshot.summary[HISTORY_SNAPSHOT_PROPERTY]);
  return { plan: { historySnapshotId: consumed, previousHistorySnapshotId: consumed, meterReadingsSnapshotId: snapshot['snapshot-id'], newFiles: [] }, days: [] };
}

// ---------------------------------------------------------------------------------------------
// staged state

/** The run's plan.json (the plan, its staged days, its start), checked against the ref. */
export async function loadDailyRunPlan(ports: LakePorts, run: DailyRunRef): Promise<StagedDailyPlan> {
  const key = planKey(run.runId);
  if (!(await ports.store.head(key))) throw new DailyRunStateError(run.runId, `has no plan at ${key} (never planned, or already committed)`);
  const staged = fromWireJson<StagedDailyPlan>((await ports.store.get(key)).toString('utf8'));
  if (staged.runDate !== run.runDate || staged.tag !== run.tag) {
    throw new DailyRunStateError(run.runId, `was planned for ${staged.runDate} (${staged.tag}), not ${run.runDate} (${run.tag})`);
  }
  return staged;
}

/** The merged days' results, in day order; a day without one fails, naming the day. */
export async function loadDayResults(ports: LakePorts, run: DailyRunRef, days: number[]): Promise<DayResult[]> {
  return Promise.all(days.map(async (day) => {
    const key = resultKey(run.runId, day);
    if (!(await ports.store.head(key))) {
      throw new DailyRunStateError(run.runId, `day ${day} (${dayString(day)}) has no merge result at ${key}: merge that day before the commit`);
    }
    return fromWireJson<DayResult>((await ports.store.get(key)).toString('utf8'));
  }));
}

/** Delete a run's staging folder (a run given up: the local runtime after a failed step, or a failed execution). */
export async function discardDailyRun(ports: LakePorts, run: DailyRunRef): Promise<void> {
  if (!RUN_ID.test(run.runId)) throw new InvalidDailyRunIdError(run.runId);
  await deletePrefix(ports.store, stagingPrefix(run.runId));
}

/** Delete every object under `prefix` (`last` after all others, so an interrupted delete leaves it behind to retry from). */
async function deletePrefix(store: ObjectStore, prefix: string, last?: string): Promise<void> {
  const inPlace = store.localPath(prefix.slice(0, -1));
  if (inPlace) {
    const lastName = last?.slice(prefix.length);
    const entries = await readdir(inPlace).catch(() => [] as string[]);
    for (const entry of entries) if (entry !== lastName) await rm(path.join(inPlace, entry), { recursive: true, force: true });
    await rm(inPlace, { recursive: true, force: true });
    return;
  }
  const keys: string[] = [];
  for await (const o of store.list(prefix)) if (o.key !== last) keys.push(o.key);
  for (let i = 0; i < keys.length; i += 32) await Promise.all(keys.slice(i, i + 32).map((k) => store.delete(k)));
  if (last) await store.delete(last);
}
