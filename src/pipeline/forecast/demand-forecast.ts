/**
 * demand_forecast: every forecast issue appended (one snapshot per issue), so any past forecast
 * stays readable; issued by the daily run's after-commit hook from features_hourly as known at
 * the newest arrival the run consumed, or by hand for any known-at time.
 */
import { openTable } from '../../catalog/open-table';
import { sqlIdent, scratchName } from '../../engine/duckdb-session';
import type { IcebergTable } from '../../iceberg/table';
import { currentSnapshot } from '../../iceberg/table-metadata';
import type { TableMetadata } from '../../iceberg/types';
import type { AfterCommitHook, HookOutcome } from '../daily-plan';
import { tableFor } from '../lake-tables';
import { tagCurrentSnapshot, tagRefOptions } from '../maintenance/tag-policy';
import type { LakePorts } from '../ports';
import { READINGS_HISTORY, optionalField as f, type TableDefinition } from '../tables';
import { registerTableView, writeRowsAsDataFiles } from '../table-files';
import { englandBankHolidays, type HolidayCalendar } from './calendar';
import { buildFeaturesHourly, dropFeatures, FEATURES_HOURLY, KNOWN_AT_PROPERTY, writeFeaturesHourly } from './features';
import { forecastFromFeatures, type ForecastIssue, type ForecastRow } from './issue';
import { PROFILE_MODEL } from './profile-model';

/** demand_forecast summary property: the issue a snapshot appended. */
export const FORECAST_ISSUE_PROPERTY = 'meterlake.forecast-issue';

export const DEMAND_FORECAST: TableDefinition = {
  name: 'demand_forecast',
  definition: {
    fields: [
      f(1, 'issue_id', 'string', 'forecast-<trained_known_at ISO>: one issue per known-at time'),
      f(2, 'region', 'string', 'the region of a region group; null for the fleet and product groups'),
      f(3, 'group_kind', 'string', 'fleet | region | product'),
      f(4, 'group_value', 'string'),
      f(5, 'target_hour', 'timestamptz', 'UTC hour start'),
      f(6, 'horizon_hours', 'int', '1 = the hour after the newest complete hour of data'),
      f(7, 'forecast_kwh', 'double'),
      f(8, 'lower_80', 'double', '10th percentile from backtest errors of this horizon day; null while too few'),
      f(9, 'upper_80', 'double', '90th percentile from backtest errors of this horizon day; null while too few'),
      f(10, 'expected_meters', 'int'),
      f(11, 'model', 'string'),
      f(12, 'issued_at', 'timestamptz', 'when the forecast was computed (wall clock)'),
      f(13, 'trained_on_snapshot_id', 'long', 'readings_history snapshot current when the features were read'),
      f(14, 'trained_known_at', 'timestamptz', 'the features held only versions received at or before this time'),
    ],
    partitionBy: [{ column: 'issued_at', transform: 'day' }],
  },
};

/** The issue id of a known-at time. */
export const issueIdOf = (knownAtMs: number) => `forecast-${new Date(knownAtMs).toISOString()}`;

export interface IssueRequest {
  knownAtMs: number;
  /** Tag placed on features_hourly and demand_forecast (the daily run's). */
  tag?: string;
  holidays?: HolidayCalendar;
}

export interface IssueResult {
  issueId: string;
  /** 'rebuilt': appended now (or, with too little history to forecast, features_hourly written); 'tagged'/'unchanged': nothing new written. */
  outcome: HookOutcome;
  issue?: ForecastIssue;
  /** The demand_forecast rows of the issue as the canonical text compared by re-issues (see forecastRowsText). */
  stored?: string;
}

/** The readings_history snapshot current now (the one whose rows the features read). */
async function currentHistorySnapshotId(ports: LakePorts): Promise<bigint | null> {
  return currentSnapshot(await (await tableFor(ports, READINGS_HISTORY)).metadata())?.['snapshot-id'] ?? null;
}

/** Whether a retained snapshot of demand_forecast appended this issue (the commit's check against a concurrent writer). */
const issueInSnapshots = (metadata: TableMetadata, issueId: string) => metadata.snapshots.some((s) => s.summary[FORECAST_ISSUE_PROPERTY] === issueId);

/** Another writer appended the same issue while this one was computed. */
export class ForecastIssuedMeanwhileError extends Error {
  override readonly name = 'ForecastIssuedMeanwhileError';
}

/**
 * The forecast rows as canonical text, one CSV line per row in group and hour order: what "byte
 * identical" compares. issued_at and trained_on_snapshot_id say when and from which table state a
 * forecast was computed, not what it says, so they are left out.
 */
export function forecastRowsText(rows: readonly ForecastRow[], model: string, knownAtMs: number): string {
  const num = (v: number | null) => (v === null ? '' : String(v));
  const known = new Date(knownAtMs).toISOString();
  return rows.map((r) => [
    r.groupKind, r.groupValue, new Date(r.targetHourMs).toISOString(), r.horizonHours, num(r.forecastKwh), num(r.lower80), num(r.upper80), r.expectedMeters, model, known,
  ].join(',')).join('\n');
}

/** The stored rows of one issue, as forecastRowsText renders them. */
export async function storedIssueText(ports: LakePorts, table: IcebergTable, issueId: string): Promise<string> {
  const view = scratchName('demand_forecast');
  await registerTableView(ports.session, ports.store, table, view);
  try {
    const rows = await ports.session.all<{
      group_kind: ForecastRow['groupKind']; group_value: string; t_us: bigint; horizon_hours: number; forecast_kwh: number;
      lower_80: number | null; upper_80: number | null; expected_meters: number; model: string; k_us: bigint;
    }>(`SELECT group_kind, group_value, epoch_us(target_hour) AS t_us, horizon_hours, forecast_kwh, lower_80, upper_80, expected_meters, model, epoch_us(trained_known_at) AS k_us
        FROM ${sqlIdent(view)} WHERE issue_id = ? ORDER BY group_kind, group_value, target_hour`, [issueId]);
    if (!rows.length) return '';
    return forecastRowsText(rows.map((r) => ({
      groupKind: r.group_kind, groupValue: r.group_value, targetHourMs: Number(r.t_us / 1000n), horizonHours: r.horizon_hours,
      forecastKwh: r.forecast_kwh, lower80: r.lower_80, upper80: r.upper_80, expectedMeters: r.expected_meters,
    })), rows[0].model, Number(rows[0].k_us / 1000n));
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
  }
}

/**
 * Issue the forecast as known at `knownAtMs`: build features_hourly as known then (written to the
 * lake: the forecast trains only from it), forecast every group, append the rows as one snapshot.
 * Idempotent on the known-at time: an issue already in the table is not appended again (a retried
 * hook, a re-run) — only tagged.
 */
export async function issueDemandForecast(ports: LakePorts, request: IssueRequest): Promise<IssueResult> {
  const issueId = issueIdOf(request.knownAtMs);
  const table = await tableFor(ports, DEMAND_FORECAST);
  // The rows, not snapshot summaries, say whether the issue exists: rows outlive expired snapshots.
  const existing = await storedIssueText(ports, table, issueId);
  if (existing) {
    const tagged = request.tag ? await tagCurrentSnapshot(table, request.tag) : false;
    if (request.tag && (await ports.catalog.tableExists(FEATURES_HOURLY.name))) await tagCurrentSnapshot(openTable(ports.catalog, FEATURES_HOURLY.name, ports.io), request.tag);
    return { issueId, outcome: tagged ? 'tagged' : 'unchanged', stored: existing };
  }
  const trainedOn = await currentHistorySnapshotId(ports);
  const features = await buildFeaturesHourly(ports, request.knownAtMs, { holidays: request.holidays });
  try {
    // Features already written as known at this time (a run with nothing new, before the history
    // sufficed for a forecast) are the same rows: only tagged, not written again.
    const featuresTable = await tableFor(ports, FEATURES_HOURLY);
    const knownAtIso = new Date(request.knownAtMs).toISOString();
    const featuresCurrent = currentSnapshot(await featuresTable.metadata())?.summary[KNOWN_AT_PROPERTY] === knownAtIso;
    let outcome: HookOutcome = 'unchanged';
    if (featuresCurrent) {
      if (request.tag && (await tagCurrentSnapshot(featuresTable, request.tag))) outcome = 'tagged';
    } else {
      const featureSnapshot = await writeFeaturesHourly(ports, features);
      if (request.tag) await placeTag(featuresTable, request.tag, featureSnapshot['snapshot-id']);
      outcome = 'rebuilt';
    }
    const issue = forecastFromFeatures(features.rows, request.knownAtMs, { holidays: request.holidays ?? englandBankHolidays() });
    if (!issue.rows.length) return { issueId, outcome, issue };
    const rowsTable = scratchName('forecast_rows');
    await insertForecastRows(ports, rowsTable, issueId, issue, trainedOn);
    try {
      const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), {
        sourceSql: `SELECT * FROM ${sqlIdent(rowsTable)}`, sortBy: ['group_kind', 'group_value', 'target_hour'],
      });
      const commit = await table.commit({
        operation: 'append', addDataFiles: files,
        summary: { [FORECAST_ISSUE_PROPERTY]: issueId, ...(request.tag ? { 'meterlake.tag': request.tag } : {}) },
        checkBase: (base) => {
          if (issueInSnapshots(base, issueId)) throw new ForecastIssuedMeanwhileError(`${issueId} was appended to demand_forecast by another writer meanwhile`);
        },
      });
      if (request.tag) await placeTag(table, request.tag, commit.snapshot['snapshot-id']);
    } finally {
      await ports.session.run(`DROP TABLE IF EXISTS ${sqlIdent(rowsTable)}`);
    }
    return { issueId, outcome: 'rebuilt', issue, stored: forecastRowsText(issue.rows, PROFILE_MODEL.name, request.knownAtMs) };
  } finally {
    await dropFeatures(ports, features);
  }
}

/**
 * Re-compute the forecast as known at `knownAtMs` without writing anything: features rebuilt from
 * the versions received by then, the same model. Its text equals the stored issue's when nothing
 * received by then has changed (see forecastRowsText).
 */
export async function recomputeForecast(ports: LakePorts, knownAtMs: number, holidays?: HolidayCalendar): Promise<{ issue: ForecastIssue; text: string }> {
  const features = await buildFeaturesHourly(ports, knownAtMs, { holidays });
  try {
    const issue = forecastFromFeatures(features.rows, knownAtMs, { holidays: holidays ?? englandBankHolidays() });
    return { issue, text: forecastRowsText(issue.rows, PROFILE_MODEL.name, knownAtMs) };
  } finally {
    await dropFeatures(ports, features);
  }
}

/** A daily tag is never moved: placed only when the table does not hold it yet. */
async function placeTag(table: IcebergTable, tag: string, snapshotId: bigint): Promise<void> {
  if (!(await table.metadata()).refs[tag]) await table.setRef(tag, { ...tagRefOptions(tag), snapshotId });
}

/** The issue's rows in a TEMP table with demand_forecast's columns. */
async function insertForecastRows(ports: LakePorts, name: string, issueId: string, issue: ForecastIssue, trainedOn: bigint | null): Promise<void> {
  const us = (ms: number) => `make_timestamptz(${Math.round(ms * 1000)}::BIGINT)`;
  const num = (v: number | null) => (v === null ? 'NULL' : `'${v}'::DOUBLE`); // a text literal: DuckDB reads a bare one as DECIMAL, losing digits
  const str = (v: string | null) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`);
  await ports.session.run(`CREATE TEMP TABLE ${sqlIdent(name)} (issue_id VARCHAR, region VARCHAR, group_kind VARCHAR, group_value VARCHAR,
    target_hour TIMESTAMPTZ, horizon_hours INTEGER, forecast_kwh DOUBLE, lower_80 DOUBLE, upper_80 DOUBLE, expected_meters INTEGER,
    model VARCHAR, issued_at TIMESTAMPTZ, trained_on_snapshot_id BIGINT, trained_known_at TIMESTAMPTZ)`);
  const issuedAt = us(ports.now());
  for (let i = 0; i < issue.rows.length; i += 1000) {
    const values = issue.rows.slice(i, i + 1000).map((r) => `(${str(issueId)}, ${str(r.groupKind === 'region' ? r.groupValue : null)}, ${str(r.groupKind)}, ${str(r.groupValue)},
      ${us(r.targetHourMs)}, ${r.horizonHours}, ${num(r.forecastKwh)}, ${num(r.lower80)}, ${num(r.upper80)}, ${r.expectedMeters},
      ${str(PROFILE_MODEL.name)}, ${issuedAt}, ${trainedOn === null ? 'NULL' : `${trainedOn}::BIGINT`}, ${us(issue.knownAtMs)})`);
    await ports.session.run(`INSERT INTO ${sqlIdent(name)} VALUES ${values.join(',')}`);
  }
}

/** The newest arrival among the readings_history rows of a snapshot: what a daily run knew. */
export async function knownAtOfHistorySnapshot(ports: LakePorts, snapshotId: bigint): Promise<number | undefined> {
  const view = scratchName('history_at');
  await registerTableView(ports.session, ports.store, await tableFor(ports, READINGS_HISTORY), view, { snapshot: { snapshotId } });
  try {
    const us = await ports.session.scalar<bigint | null>(`SELECT epoch_us(max(received_at)) FROM ${sqlIdent(view)}`);
    return us === null ? undefined : Number(us / 1000n);
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
  }
}

/**
 * After-commit hook: issue the forecast as known at the newest arrival the run consumed. A run
 * with nothing new has the same known-at time as the one before: the issue exists, it is tagged.
 */
export function demandForecastHook(opts: { holidays?: HolidayCalendar } = {}): AfterCommitHook {
  return {
    name: 'demand_forecast',
    async run(ctx): Promise<HookOutcome> {
      if (ctx.plan.historySnapshotId === null) return 'unchanged';
      const knownAtMs = await knownAtOfHistorySnapshot(ctx.ports, ctx.plan.historySnapshotId);
      if (knownAtMs === undefined) return 'unchanged';
      return (await issueDemandForecast(ctx.ports, { knownAtMs, tag: ctx.tag, holidays: opts.holidays })).outcome;
    },
  };
}
