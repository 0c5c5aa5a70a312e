/**
 * `settleMonth`: the monthly settlement run. It pins the snapshot of every table it reads (from
 * the latest daily tag of meter_readings, or the tag given), tags each of them with the run id
 * `settlement-YYYY-MM-rN` (settlement tags are never expired), runs the settlement SQL on those
 * snapshots, and writes the report files, the SQL it ran, its calendar and a manifest under
 * `audit/<run id>/`, then appends a settlement_runs row.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openTable } from '../../catalog/open-table';
import type { QueryEngine } from '../../engine/query-engine';
import { loadSqlTemplate, SQL_ROOT, type SqlTemplate } from '../../engine/sql-template';
import { SnapshotNotFoundError } from '../../iceberg/errors';
// Inlined by the bundlers (the CLI build and the Lambda bundles carry no package.json).
import packageJson from '../../../package.json';
import type { TableMetadata } from '../../iceberg/types';
import { resolveLakeVersions } from '../as-of';
import { isDailyTag, tagRefOptions } from '../maintenance/tag-policy';
import { auditStore, type LakePorts } from '../ports';
import { METER_READINGS, READINGS_HISTORY } from '../tables';
import { daysOfMonth, parseSettlementMonth, settlementCalendar, type SettlementPeriod } from './calendar';
import { DR_INPUT_TABLES, drLookbackFromDay } from './dr';
import { reportCsv, reportParquet, reportTexts, sha256Hex, type SettlementReport } from './report-files';
import { DR_REPORTS, ENERGY_REPORTS, settlementOwnViews, settlementViews } from './reports';
import { appendSettlementRun } from './settlement-runs';
import { withSettlementEngine } from './settlement-engine';

/** Where a run's files go: `audit/<run id>/` (in AWS, the Object-Lock audit bucket's store). */
export const AUDIT_PREFIX = 'audit';
export const MANIFEST_FILE = 'manifest.json';
export const CALENDAR_FILE = 'calendar.csv';
const RUN_ID = /^settlement-(\d{4}-\d{2})-r(\d+)$/;

/** The settlement cannot run as asked (no daily tag, an input missing, a bad month). */
export class SettlementError extends Error {
  override name = 'SettlementError';
}

/** One input table as the run read it. */
export interface PinnedInput {
  readonly table: string;
  readonly snapshotId: string;
  readonly tag: string;
}

export interface ManifestFile {
  readonly file: string;
  readonly sha256: string;
  readonly rows?: number;
  readonly bytes: number;
}

/** What `audit/<run id>/manifest.json` holds. */
export interface SettlementManifest {
  readonly run_id: string;
  readonly month: string;
  readonly as_of: string;
  readonly package_version: string;
  readonly source_revision: string;
  readonly parameters: {
    readonly month: string;
    readonly partners: Record<string, string>;
    /** Per table slot, the window of the column its files were pruned by. */
    readonly windows: Record<string, { column: string; from: string; to: string }>;
  };
  readonly sql: ManifestFile[];
  readonly inputs: PinnedInput[];
  /** Files the run read besides the tables (the calendar of periods). */
  readonly input_files: ManifestFile[];
  readonly outputs: ManifestFile[];
  readonly settled_at: string;
}

export interface SettleOptions {
  /** YYYY-MM. */
  readonly month: string;
  /** A daily tag to settle from; default: the latest daily tag of meter_readings. */
  readonly asOf?: string;
  /** The source revision (git commit) of the code running, recorded in the manifest. */
  readonly sourceRevision: string;
  /** Partner (source) → settlement time zone; default: every source profile's settlementTimezone. */
  readonly partners?: Record<string, string>;
  readonly onProgress?: (step: string) => void;
}

export interface SettlementRunResult {
  readonly runId: string;
  readonly manifest: SettlementManifest;
  readonly manifestKey: string;
}


/** The latest daily tag of meter_readings (by date), or a SettlementError when there is none. */
function latestDailyTag(m: TableMetadata): string {
  const tags = Object.keys(m.refs).filter(isDailyTag).sort();
  if (!tags.length) throw new SettlementError('meter_readings has no daily tag: run `meterlake snapshot` first');
  return tags[tags.length - 1];
}

/**
 * The snapshot of each input table at the tag: the tables that carry it read it, the others as of
 * the end of its run (resolveLakeVersions). A missing table or one empty then is left out (the
 * reports it feeds are not made); one whose history from then was expired is an error.
 */
async function pinInputs(ports: LakePorts, asOf: string): Promise<PinnedInput[]> {
  const existing = new Set(await ports.catalog.listTables());
  const names = [METER_READINGS.name, READINGS_HISTORY.name, ...DR_INPUT_TABLES].filter((t) => existing.has(t));
  const metadata = new Map(await Promise.all(names.map(async (n) => [n, await openTable(ports.catalog, n, ports.io).metadata()] as const)));
  const versions = resolveLakeVersions(metadata, { ref: asOf });
  const pinned: PinnedInput[] = [];
  for (const name of names) {
    const at = versions.get(name)!;
    if (at.kind === 'unavailable') throw at.error;
    if (at.kind === 'snapshot') pinned.push({ table: name, snapshotId: String(at.snapshot['snapshot-id']), tag: '' });
  }
  if (!pinned.some((p) => p.table === METER_READINGS.name)) throw new SettlementError(`meter_readings has no snapshot at ${asOf}`);
  return pinned;
}

/** The next free run id of the month, claimed by a put-if-absent of its run.json (two runs never share one). */
async function claimRunId(ports: LakePorts, month: string, claim: object): Promise<string> {
  let n = 0;
  for await (const o of auditStore(ports).list(`${AUDIT_PREFIX}/settlement-${month}-r`)) {
    const match = RUN_ID.exec(o.key.split('/')[1] ?? '');
    if (match && match[1] === month) n = Math.max(n, Number(match[2]));
  }
  for (;;) {
    n += 1;
    const runId = `settlement-${month}-r${n}`;
    if (await auditStore(ports).putIfAbsent(`${AUDIT_PREFIX}/${runId}/run.json`, `${JSON.stringify({ run_id: runId, ...claim }, null, 2)}\n`)) return runId;
  }
}

/** Calendar rows as the CSV stored beside the reports (so a verify reads the very periods the run used). */
export function calendarCsv(calendar: readonly SettlementPeriod[]): Buffer {
  const line = (p: SettlementPeriod) => [p.partner, p.settlementDay, p.period, p.periodStart.toISOString(), p.localHour, p.isBusinessDay, p.inMonth].join(',');
  return Buffer.from(`partner,settlement_day,period,period_start,local_hour,is_business_day,in_month\n${calendar.map(line).join('\n')}\n`);
}

/** Parses calendarCsv's output. */
export function parseCalendarCsv(text: string): SettlementPeriod[] {
  return text.trim().split('\n').slice(1).map((line) => {
    const [partner, settlementDay, period, start, hour, business, inMonth] = line.split(',');
    return { partner, settlementDay, period: Number(period), periodStart: new Date(start), localHour: Number(hour), isBusinessDay: business === 'true', inMonth: inMonth === 'true' };
  });
}

/** Which reports a run makes: energy always; demand response when its tables were pinned. */
export const reportsFor = (inputs: readonly PinnedInput[]): SettlementReport[] =>
  [...ENERGY_REPORTS, ...(DR_INPUT_TABLES.every((t) => inputs.some((i) => i.table === t)) ? DR_REPORTS : [])];

/** The SQL files a run executes (reports and the views they read), relative to the SQL root (`sql/`). */
export function sqlFilesFor(reports: readonly SettlementReport[], sqlRoot = SQL_ROOT): string[] {
  const views = settlementViews(sqlRoot);
  const files = new Set<string>();
  const visit = (slot: string) => {
    const view = views.get(slot);
    if (!view) return;
    const own = path.join('settlement', 'views', `${slot}.sql`);
    files.add(existsSync(path.join(sqlRoot, own)) ? own : path.join('views', `${slot}.sql`));
    view.slots.forEach(visit);
  };
  for (const r of reports) {
    files.add(path.join('settlement', `${r.sql ?? r.name}.sql`));
    loadSqlTemplate(path.join(sqlRoot, 'settlement', `${r.sql ?? r.name}.sql`)).slots.forEach(visit);
  }
  return [...files].sort();
}

export interface ReportOutput {
  readonly report: SettlementReport;
  readonly csv: Buffer;
  readonly parquet: Buffer;
  readonly rows: number;
}

/** Run every report on the engine and render its files. */
export async function renderReports(
  ports: LakePorts, engine: QueryEngine, month: string, reports: readonly SettlementReport[], inputs: readonly PinnedInput[], sqlRoot: string,
  onProgress?: (step: string) => void,
): Promise<ReportOutput[]> {
  const views = settlementViews(sqlRoot);
  const versions = Object.fromEntries(inputs.map((i) => [i.table, BigInt(i.snapshotId)]));
  const outputs: ReportOutput[] = [];
  for (const report of reports) {
    onProgress?.(report.name);
    const template = loadSqlTemplate(path.join(sqlRoot, 'settlement', `${report.sql ?? report.name}.sql`));
    const pins = Object.fromEntries(Object.entries(versions).filter(([t]) => expandedSlots(template, views).includes(t)));
    const sqlRows = await engine.query(template, { versions: pins, params: monthParams(month) });
    const rows = report.derive ? report.derive(sqlRows) : sqlRows;
    const texts = reportTexts(report, rows);
    outputs.push({ report, csv: reportCsv(report, texts), parquet: await reportParquet(ports.session, report, texts), rows: rows.length });
  }
  return outputs;
}

function expandedSlots(template: SqlTemplate, views: ReadonlyMap<string, SqlTemplate>): string[] {
  const slots = new Set<string>();
  const visit = (names: string[]) => names.forEach((s) => {
    const view = views.get(s);
    if (view) visit(view.slots);
    else slots.add(s);
  });
  visit(template.slots);
  return [...slots];
}

/** The file-pruning window of meter_readings: the run's calendar, first period to last. */
export function settlementWindows(calendar: readonly SettlementPeriod[]): SettlementManifest['parameters']['windows'] {
  const starts = calendar.map((p) => p.periodStart.getTime());
  const from = new Date(Math.min(...starts)).toISOString();
  const to = new Date(Math.max(...starts) + 1_800_000).toISOString();
  return { [METER_READINGS.name]: { column: 'interval_start', from, to } };
}

/** Settle a month; see the module comment. */
export async function settleMonth(ports: LakePorts, opts: SettleOptions): Promise<SettlementRunResult> {
  parseSettlementMonth(opts.month);
  const meterReadings = await openTable(ports.catalog, METER_READINGS.name, ports.io).metadata().catch((error: unknown) => {
    throw new SettlementError(`the lake has no meter_readings table to settle from (${(error as Error).message})`);
  });
  const asOf = opts.asOf ?? latestDailyTag(meterReadings);
  if (!isDailyTag(asOf)) throw new SettlementError(`--as-of ${asOf} is not a daily tag (daily-YYYY-MM-DD)`);
  if (!meterReadings.refs[asOf]) {
    throw new SnapshotNotFoundError(`meter_readings has no tag '${asOf}'`, { asked: asOf, nearestTags: Object.keys(meterReadings.refs).filter(isDailyTag).sort().slice(-3) });
  }
  const partners = opts.partners ?? Object.fromEntries([...ports.profiles].map(([name, p]) => [name, p.settlementTimezone]));
  opts.onProgress?.('pinning input snapshots');
  const pinnedAt = await pinInputs(ports, asOf);
  const runId = await claimRunId(ports, opts.month, { month: opts.month, as_of: asOf, claimed_at: new Date(ports.now()).toISOString() });
  // Tag first: from here on maintenance keeps every snapshot the run reads.
  for (const input of pinnedAt) await openTable(ports.catalog, input.table, ports.io).setRef(runId, { ...tagRefOptions(runId), snapshotId: BigInt(input.snapshotId) });
  const inputs = pinnedAt.map((i) => ({ ...i, tag: runId }));
  const reports = reportsFor(inputs);
  const calendar = settlementCalendar(partners, opts.month, reports.some((r) => r.derive) ? await drLookbackFromDay(ports, inputs, opts.month) : undefined);
  const windows = settlementWindows(calendar);
  const outputs = await withSettlementEngine(ports, { calendar, windows: parseWindows(windows), ...engineViews(SQL_ROOT, inputs) },
    (engine) => renderReports(ports, engine, opts.month, reports, inputs, SQL_ROOT, opts.onProgress));

  opts.onProgress?.('writing the audit files');
  const dir = `${AUDIT_PREFIX}/${runId}`;
  const put = async (file: string, bytes: Buffer, rows?: number): Promise<ManifestFile> => {
    await auditStore(ports).put(`${dir}/${file}`, bytes);
    return { file, sha256: sha256Hex(bytes), bytes: bytes.length, ...(rows === undefined ? {} : { rows }) };
  };
  const sql: ManifestFile[] = [];
  for (const file of sqlFilesFor(reports)) sql.push(await put(`sql/${file}`, readFileSync(path.join(SQL_ROOT, file))));
  const inputFiles = [await put(CALENDAR_FILE, calendarCsv(calendar), calendar.length)];
  const outputFiles: ManifestFile[] = [];
  for (const o of outputs) {
    outputFiles.push(await put(`${o.report.name}.csv`, o.csv, o.rows), await put(`${o.report.name}.parquet`, o.parquet, o.rows));
  }
  const manifest: SettlementManifest = {
    run_id: runId, month: opts.month, as_of: asOf, package_version: packageJson.version, source_revision: opts.sourceRevision,
    parameters: { month: opts.month, partners, windows }, sql, inputs, input_files: inputFiles, outputs: outputFiles,
    settled_at: new Date(ports.now()).toISOString(),
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const manifestKey = `${dir}/${MANIFEST_FILE}`;
  if (!(await auditStore(ports).putIfAbsent(manifestKey, manifestBytes))) throw new SettlementError(`${manifestKey} exists already; run ids are never reused`);
  await appendSettlementRun(ports, manifest, manifestKey, sha256Hex(manifestBytes));
  return { runId, manifest, manifestKey };
}

/** The views, the ones computed once per run, and the pins those read: the engine options of a run from a SQL root. */
export function engineViews(sqlRoot: string, inputs: readonly PinnedInput[]) {
  return { views: settlementViews(sqlRoot), materialize: settlementOwnViews(sqlRoot), pins: Object.fromEntries(inputs.map((i) => [i.table, BigInt(i.snapshotId)])) };
}

/** The parameters every settlement SQL file may declare. */
const monthParams = (month: string) => {
  const days = daysOfMonth(month);
  return { month_first: days[0], month_last: days[days.length - 1] };
};

/** The manifest's windows as epoch ms. */
export function parseWindows(windows: SettlementManifest['parameters']['windows']) {
  return Object.fromEntries(Object.entries(windows).map(([t, w]) => [t, { column: w.column, fromMs: Date.parse(w.from), toMs: Date.parse(w.to) }]));
}
