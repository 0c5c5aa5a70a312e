import type { Snapshot } from '../iceberg/types';
import { snapshotById } from '../iceberg/table-metadata';
import type { AfterCommitHook, DailyPlan, DayResult, HookOutcome } from './daily-plan';
import {
  commitDailyRun, discardDailyRun, loadDailyRunPlan, loadDayResults, mergeDailyRunDay, planDailyRun, runDailyRunHooks,
} from './daily-run';
import { tableFor } from './lake-tables';
import type { MergeOnReadThresholds } from './merge-on-read';
import type { LakePorts } from './ports';
import { METER_READINGS } from './tables';

export * from './daily-plan';

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

/**
 * The daily run in one process: plan by snapshot ids, merge each touched day, commit ONE
 * overwrite snapshot replacing exactly those days' files (checked against the snapshot it planned
 * from), tag it `daily-<date>`, log it in snapshot_log, then run the after-commit hooks — the same
 * steps (./daily-run) the Step Functions job runs as separate Lambdas.
 */
export async function runDailySnapshot(ports: LakePorts, opts: DailyRunOptions = {}): Promise<DailyRunResult> {
  const started = ports.now();
  const run = await planDailyRun(ports, { runDate: opts.runDate });
  let plan: DailyPlan;
  let days: DayResult[];
  let committed;
  try {
    for (const [i, day] of run.days.entries()) {
      await mergeDailyRunDay(ports, run, day, { targetFileSizeBytes: opts.targetFileSizeBytes, mergeOnRead: opts.mergeOnRead });
      opts.onDay?.(i + 1, run.days.length);
    }
    // Read before the commit removes the staging folder: the result reports them in full.
    plan = (await loadDailyRunPlan(ports, run)).plan;
    days = await loadDayResults(ports, run, run.days);
    await opts.afterPlan?.(plan);
    committed = await commitDailyRun(ports, run, { dailyTagMaxAgeMs: opts.dailyTagMaxAgeMs });
  } catch (err) {
    // Nobody retries this run: its staged new versions and results go (written data files are orphans).
    await discardDailyRun(ports, run);
    throw err;
  }
  const metadata = await (await tableFor(ports, METER_READINGS)).metadata();
  const snapshot: Snapshot | undefined = committed.snapshotId === null ? undefined : snapshotById(metadata, BigInt(committed.snapshotId));
  const result: DailyRunResult = {
    tag: run.tag, plan, snapshot, committed: committed.committed, tagPlaced: committed.tagPlaced, hooks: [], days,
    newVersions: run.newVersions, rowsWritten: committed.rowsWritten, durationMs: ports.now() - started,
  };
  result.hooks = await runDailyRunHooks(ports, run, opts.hooks ?? []);
  return result;
}

/** True when a run found nothing new and wrote nothing: no commit, no tag, no hook output. */
export function nothingDone(r: DailyRunResult): boolean {
  return !r.committed && !r.tagPlaced && r.hooks.every((h) => h.outcome === 'unchanged');
}
