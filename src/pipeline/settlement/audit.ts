/**
 * Audit of settlement runs: verify (re-run the stored SQL on the pinned snapshots and compare
 * bytes), trace (the versions behind a reported number), diff (a resettlement against an earlier
 * run of the same month) and list.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openTable } from '../../catalog/open-table';
import { scratchName, sqlIdent } from '../../engine/duckdb-session';
import { auditStore, type LakePorts } from '../ports';
import { registerTableView } from '../table-files';
import { METER_READINGS, READINGS_HISTORY } from '../tables';
import { sha256Hex } from './report-files';
import { AUDIT_PREFIX, CALENDAR_FILE, engineViews, MANIFEST_FILE, parseCalendarCsv, parseWindows, renderReports, type ManifestFile, type PinnedInput, type SettlementManifest } from './settle';
import { DR_REPORTS, ENERGY_REPORTS } from './reports';
import { withSettlementEngine } from './settlement-engine';
import { SETTLEMENT_RUNS } from './settlement-tables';

/** A run cannot be audited as asked: unknown run, tampered file, a pinned snapshot gone. */
export class AuditError extends Error {
  override name = 'AuditError';
}

const RUN_ID = /^settlement-\d{4}-\d{2}-r\d+$/;

/** Where a run's audit files are read from: the lake's audit/<run id>/ folder. */
export interface AuditRun {
  readonly manifest: SettlementManifest;
  /** Reads one file of the run (a path relative to its folder). */
  readonly read: (file: string) => Promise<Buffer>;
}

/** Opens a run by id (`settlement-YYYY-MM-rN`) from the lake's audit folder. */
export async function openAuditRun(ports: LakePorts, runId: string): Promise<AuditRun> {
  if (!RUN_ID.test(runId)) throw new AuditError(`'${runId}' is not a settlement run id (settlement-YYYY-MM-rN); \`meterlake audit list\` lists them`);
  const dir = `${AUDIT_PREFIX}/${runId}`;
  if (!(await auditStore(ports).head(`${dir}/${MANIFEST_FILE}`))) {
    const claimed = await auditStore(ports).head(`${dir}/run.json`);
    throw new AuditError(claimed ? `run ${runId} has no ${MANIFEST_FILE}: it did not finish` : `no settlement run ${runId} in ${AUDIT_PREFIX}/; \`meterlake audit list\` lists the runs`);
  }
  const manifest = JSON.parse((await auditStore(ports).get(`${dir}/${MANIFEST_FILE}`)).toString('utf8')) as SettlementManifest;
  return { manifest, read: (file) => auditStore(ports).get(`${dir}/${file}`) };
}

/** A stored file of the run, checked against the manifest's SHA-256 (a changed audit file is an error). */
async function readChecked(run: AuditRun, entry: ManifestFile): Promise<Buffer> {
  const bytes = await run.read(entry.file);
  if (sha256Hex(bytes) !== entry.sha256) throw new AuditError(`${run.manifest.run_id}: stored ${entry.file} does not match its SHA-256 in the manifest (changed after the run)`);
  return bytes;
}

/** Throws AuditError naming the table, snapshot and tag when a pinned snapshot no longer exists. */
async function assertPinnedSnapshotsExist(ports: LakePorts, runId: string, inputs: readonly PinnedInput[]): Promise<void> {
  for (const input of inputs) {
    if (!(await ports.catalog.tableExists(input.table))) throw new AuditError(`${runId}: input table ${input.table} no longer exists; cannot re-run`);
    const m = await openTable(ports.catalog, input.table, ports.io).metadata();
    if (!m.snapshots.some((s) => String(s['snapshot-id']) === input.snapshotId)) {
      const tag = m.refs[input.tag] ? `tag ${input.tag} now names snapshot ${m.refs[input.tag]['snapshot-id']}` : `tag ${input.tag} is gone too`;
      throw new AuditError(`${runId}: pinned snapshot ${input.snapshotId} of ${input.table} no longer exists (${tag}); it was removed outside meterlake (maintenance keeps settlement-tagged snapshots), so the run cannot be re-run`);
    }
  }
}

export interface FileVerdict {
  readonly file: string;
  readonly identical: boolean;
  /** For a differing CSV: the first differing line (1 = the header) as stored and as re-run. */
  readonly firstDifference?: { line: number; stored: string; rerun: string };
}

export interface VerifyResult {
  readonly runId: string;
  readonly identical: boolean;
  readonly files: FileVerdict[];
}

function firstDifferentLine(stored: Buffer, rerun: Buffer): FileVerdict['firstDifference'] {
  const a = stored.toString('utf8').split('\n');
  const b = rerun.toString('utf8').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i + 1, stored: a[i] ?? '(no line)', rerun: b[i] ?? '(no line)' };
  }
  return undefined;
}

/** Re-run a settlement from its stored SQL and calendar on its pinned snapshots and compare every output's bytes. */
export async function verifyRun(ports: LakePorts, run: AuditRun, onProgress?: (step: string) => void): Promise<VerifyResult> {
  const { manifest } = run;
  await assertPinnedSnapshotsExist(ports, manifest.run_id, manifest.inputs);
  const sqlRoot = await mkdtemp(path.join(tmpdir(), 'meterlake-verify-'));
  try {
    for (const entry of manifest.sql) {
      const target = path.join(sqlRoot, path.relative('sql', entry.file));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, await readChecked(run, entry));
    }
    const calendarEntry = manifest.input_files.find((f) => f.file === CALENDAR_FILE);
    if (!calendarEntry) throw new AuditError(`${manifest.run_id}: the manifest lists no ${CALENDAR_FILE}`);
    const calendar = parseCalendarCsv((await readChecked(run, calendarEntry)).toString('utf8'));
    const names = new Set(manifest.outputs.map((o) => o.file.replace(/\.(csv|parquet)$/, '')));
    const reports = [...ENERGY_REPORTS, ...DR_REPORTS].filter((r) => names.has(r.name));
    const outputs = await withSettlementEngine(ports, { calendar, windows: parseWindows(manifest.parameters.windows), ...engineViews(sqlRoot, manifest.inputs) },
      (engine) => renderReports(ports, engine, manifest.month, reports, manifest.inputs, sqlRoot, onProgress));
    const rerun = new Map<string, Buffer>(outputs.flatMap((o) => [[`${o.report.name}.csv`, o.csv], [`${o.report.name}.parquet`, o.parquet]]));
    const files: FileVerdict[] = [];
    for (const entry of manifest.outputs) {
      const bytes = rerun.get(entry.file);
      if (!bytes) throw new AuditError(`${manifest.run_id}: output ${entry.file} has no report to re-run`);
      if (sha256Hex(bytes) === entry.sha256) {
        files.push({ file: entry.file, identical: true });
      } else {
        const stored = await run.read(entry.file);
        files.push({ file: entry.file, identical: false, ...(entry.file.endsWith('.csv') ? { firstDifference: firstDifferentLine(stored, bytes) } : {}) });
      }
    }
    return { runId: manifest.run_id, identical: files.every((f) => f.identical), files };
  } finally {
    await rm(sqlRoot, { recursive: true, force: true });
  }
}

/** Register a view of `table` at the run's pinned snapshot; returns its name. */
async function pinnedView(ports: LakePorts, manifest: SettlementManifest, table: string): Promise<string> {
  const input = manifest.inputs.find((i) => i.table === table);
  if (!input) throw new AuditError(`${manifest.run_id} did not pin ${table}`);
  await assertPinnedSnapshotsExist(ports, manifest.run_id, [input]);
  const name = scratchName(`audit_${table}`);
  const window = parseWindows(manifest.parameters.windows)[METER_READINGS.name];
  const filter = table === METER_READINGS.name && window
    ? { op: 'and' as const, args: [{ op: 'gte' as const, field: 'interval_start', value: new Date(window.fromMs) }, { op: 'lt' as const, field: 'interval_start', value: new Date(window.toMs) }] }
    : undefined;
  await registerTableView(ports.session, ports.store, openTable(ports.catalog, table, ports.io), name, { snapshot: { snapshotId: BigInt(input.snapshotId) }, filter });
  return name;
}

export interface TraceOptions {
  readonly partner: string;
  readonly meter: string;
  /** A settlement day (YYYY-MM-DD) and optionally its period: only those intervals. */
  readonly day?: string;
  readonly period?: number;
}

/** One version of one interval in readings_history, and whether it is the one the run settled. */
export type TracedVersion = {
  interval_start: Date;
  kwh: number;
  quality: string;
  received_at: Date;
  source_file: string;
  source_row: bigint;
  won: boolean;
};

/** The readings behind a reported number: every version of each interval as of the run's pinned readings_history, and which one won. */
export async function traceRun(ports: LakePorts, run: AuditRun, opts: TraceOptions): Promise<TracedVersion[]> {
  const { manifest } = run;
  if (opts.period !== undefined && !opts.day) throw new AuditError('--period needs --day');
  const calendarEntry = manifest.input_files.find((f) => f.file === CALENDAR_FILE)!;
  const periods = parseCalendarCsv((await readChecked(run, calendarEntry)).toString('utf8')).filter((p) => p.partner === opts.partner);
  if (!periods.length) throw new AuditError(`${manifest.run_id} settled no partner '${opts.partner}' (partners: ${Object.keys(manifest.parameters.partners).join(', ')})`);
  const chosen = periods.filter((p) => (!opts.day || p.settlementDay === opts.day) && (opts.period === undefined || p.period === opts.period));
  if (!chosen.length) throw new AuditError(`${manifest.run_id}: partner ${opts.partner} has no settlement period ${opts.day ?? ''}${opts.period === undefined ? '' : ` #${opts.period}`} in ${manifest.month}`);
  const fromMs = chosen[0].periodStart.getTime();
  const toMs = chosen[chosen.length - 1].periodStart.getTime() + 1_800_000;
  const history = await pinnedView(ports, manifest, READINGS_HISTORY.name);
  const latest = await pinnedView(ports, manifest, METER_READINGS.name);
  try {
    // Values are bound parameters: a meter id or partner name is never SQL text.
    return await ports.session.all<TracedVersion>(`SELECT h.interval_start, h.kwh, h.quality, h.received_at, h.source_file, h.source_row,
        (l.meter_id IS NOT NULL) AS won
      FROM ${sqlIdent(history)} h
      LEFT JOIN ${sqlIdent(latest)} l ON l.meter_id = h.meter_id AND l.interval_start = h.interval_start
        AND l.received_at = h.received_at AND l.source_file = h.source_file AND l.source_row = h.source_row
      WHERE h.meter_id = $meter AND h.source = $partner AND h.interval_start >= CAST($from AS TIMESTAMPTZ) AND h.interval_start < CAST($to AS TIMESTAMPTZ)
      ORDER BY h.interval_start, h.received_at, h.source_file, h.source_row`,
    { meter: opts.meter, partner: opts.partner, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(history)}; DROP VIEW IF EXISTS ${sqlIdent(latest)}`);
  }
}

/** One interval whose settled version differs between two runs. */
export type ChangedInterval = {
  partner: string;
  meter_id: string;
  interval_start: Date;
  kwh_before: number | null;
  kwh_after: number | null;
  quality_before: string | null;
  quality_after: string | null;
  /** The version that settled it in the later run (what caused the change). */
  received_at: Date | null;
  source_file: string | null;
  source_row: bigint | null;
};

export interface RunDiff {
  readonly before: string;
  readonly after: string;
  /** Per partner and meter whose monthly totals changed. */
  readonly meters: { partner: string; meter_id: string; kwh_total_before: string | null; kwh_total_after: string | null }[];
  readonly intervals: ChangedInterval[];
}

/** What changed between two runs of the same month: meters whose totals moved, and the intervals (with the versions) behind it. */
export async function diffRuns(ports: LakePorts, a: AuditRun, b: AuditRun): Promise<RunDiff> {
  if (a.manifest.month !== b.manifest.month) throw new AuditError(`${a.manifest.run_id} settles ${a.manifest.month} and ${b.manifest.run_id} ${b.manifest.month}: diff compares runs of one month`);
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-diff-'));
  const metersOf = async (run: AuditRun, name: string) => {
    const entry = run.manifest.outputs.find((o) => o.file === 'energy_meters.parquet');
    if (!entry) throw new AuditError(`${run.manifest.run_id} has no energy_meters.parquet`);
    const file = path.join(dir, `${name}.parquet`);
    await writeFile(file, await readChecked(run, entry));
    return file;
  };
  const fileA = await metersOf(a, 'a');
  const fileB = await metersOf(b, 'b');
  const readingsA = await pinnedView(ports, a.manifest, METER_READINGS.name);
  const readingsB = await pinnedView(ports, b.manifest, METER_READINGS.name);
  try {
    const meters = await ports.session.all<RunDiff['meters'][number]>(`SELECT coalesce(x.partner, y.partner) AS partner, coalesce(x.meter_id, y.meter_id) AS meter_id,
        CAST(x.kwh_total AS VARCHAR) AS kwh_total_before, CAST(y.kwh_total AS VARCHAR) AS kwh_total_after
      FROM read_parquet($a) x FULL OUTER JOIN read_parquet($b) y ON x.partner = y.partner AND x.meter_id = y.meter_id
      WHERE x.kwh_total IS DISTINCT FROM y.kwh_total OR x.periods_reported IS DISTINCT FROM y.periods_reported
      ORDER BY 1, 2`, { a: fileA, b: fileB });
    // The intervals of the settled partners and periods whose winning version differs.
    const window = b.manifest.parameters.windows[METER_READINGS.name];
    const intervals = await ports.session.all<ChangedInterval>(`SELECT coalesce(y.source, x.source) AS partner, coalesce(y.meter_id, x.meter_id) AS meter_id,
        coalesce(y.interval_start, x.interval_start) AS interval_start, x.kwh AS kwh_before, y.kwh AS kwh_after,
        x.quality AS quality_before, y.quality AS quality_after, y.received_at, y.source_file, y.source_row
      FROM ${sqlIdent(readingsA)} x FULL OUTER JOIN ${sqlIdent(readingsB)} y ON x.meter_id = y.meter_id AND x.interval_start = y.interval_start
      WHERE (x.received_at IS DISTINCT FROM y.received_at OR x.source_file IS DISTINCT FROM y.source_file OR x.source_row IS DISTINCT FROM y.source_row)
        AND coalesce(y.interval_start, x.interval_start) >= CAST($from AS TIMESTAMPTZ) AND coalesce(y.interval_start, x.interval_start) < CAST($to AS TIMESTAMPTZ)
      ORDER BY 1, 2, 3`, { from: window.from, to: window.to });
    return { before: a.manifest.run_id, after: b.manifest.run_id, meters, intervals };
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(readingsA)}; DROP VIEW IF EXISTS ${sqlIdent(readingsB)}`);
    await rm(dir, { recursive: true, force: true });
  }
}

export type RunListing = {
  run_id: string;
  month: string;
  as_of: string;
  status: string;
  settled_at: string;
};

/** Every run in the audit folder: finished ones from settlement_runs, claimed ones without a manifest as incomplete. */
export async function listRuns(ports: LakePorts): Promise<RunListing[]> {
  const runs = new Map<string, RunListing>();
  for await (const o of auditStore(ports).list(`${AUDIT_PREFIX}/`)) {
    const [, runId, file] = o.key.split('/');
    if (!RUN_ID.test(runId ?? '') || file !== 'run.json') continue;
    const claim = JSON.parse((await auditStore(ports).get(o.key)).toString('utf8')) as { month: string; as_of: string; claimed_at: string };
    runs.set(runId, { run_id: runId, month: claim.month, as_of: claim.as_of, status: 'incomplete', settled_at: '' });
  }
  if (await ports.catalog.tableExists(SETTLEMENT_RUNS.name)) {
    const view = scratchName('settlement_runs');
    await registerTableView(ports.session, ports.store, openTable(ports.catalog, SETTLEMENT_RUNS.name, ports.io), view);
    try {
      for (const r of await ports.session.all<{ run_id: string; month: string; as_of: string; status: string; settled_at: Date }>(`SELECT run_id, month, as_of, status, settled_at FROM ${sqlIdent(view)}`)) {
        runs.set(r.run_id, { ...r, settled_at: r.settled_at.toISOString() });
      }
    } finally {
      await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
    }
  }
  const order = (id: string) => { const m = /^settlement-(\d{4}-\d{2})-r(\d+)$/.exec(id)!; return `${m[1]}-${m[2].padStart(9, '0')}`; };
  return [...runs.values()].sort((x, y) => order(x.run_id).localeCompare(order(y.run_id)));
}
