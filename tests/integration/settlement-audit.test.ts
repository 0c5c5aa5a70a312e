/**
 * The audit story: a month is settled; later corrections arrive, daily runs merge them and
 * maintenance expires, removes orphans and compacts. The first run still re-runs to the same
 * bytes; a resettlement differs, and the diff names exactly the corrected meters and intervals.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openTable } from '../../src/catalog/open-table';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../../src/local/landing';
import type { LocalLake } from '../../src/local/local-lake';
import { maintainTables } from '../../src/pipeline/maintenance';
import type { MaintenanceReport } from '../../src/pipeline/maintenance/report';
import { AuditError, diffRuns, listRuns, openAuditRun, traceRun, verifyRun } from '../../src/pipeline/settlement/audit';
import { settleMonth } from '../../src/pipeline/settlement/settle';
import { sha256Hex } from '../../src/pipeline/settlement/report-files';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';

let lake: LocalLake;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-audit-');

const FORMULA_METER = "=cmd|' /C calc'!A0";
const SQL_METER = "M9'); DROP TABLE meter_readings; --";
const METERS = ['M1', 'M2', FORMULA_METER, SQL_METER];
const DAY_MS = 86_400_000;

/** February 2021 for every meter, half-hourly, 0.5 kWh, as one default-source CSV. */
async function ingestFebruary(): Promise<void> {
  const lines = ['meter_id,interval_start,interval_minutes,kwh,quality'];
  for (const meter of METERS) {
    const id = `"${meter.replaceAll('"', '""')}"`;
    for (let t = Date.parse('2021-02-01T00:00:00Z'); t < Date.parse('2021-03-01T00:00:00Z'); t += 1_800_000) lines.push(`${id},${new Date(t).toISOString()},30,0.5,actual`);
  }
  await ingestCsv('february.csv', lines);
}

async function ingestCsv(name: string, lines: string[]): Promise<void> {
  const file = path.join(lake.tempDir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  await ingestAndCommit(lake, [await landLocalFile(lake, file, 'landing/default/readings')], emptyTotals());
}

/** Settle February, then correct two intervals, run two daily snapshots and a harsh maintenance. */
async function settleThenCorrectAndMaintain(): Promise<{ runId: string; maintenance: MaintenanceReport }> {
  await ingestFebruary();
  await runDailySnapshot(lake, { runDate: '2021-03-01' });
  const { runId } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });
  await ingestCsv('corrections.csv', [
    'meter_id,interval_start,interval_minutes,kwh,quality',
    'M2,2021-02-10T12:00:00Z,30,0.75,estimated',
    `"${FORMULA_METER}",2021-02-20T08:30:00Z,30,0.1,substituted`,
  ]);
  await runDailySnapshot(lake, { runDate: '2021-03-02' });
  await ingestCsv('march.csv', ['meter_id,interval_start,interval_minutes,kwh,quality', 'M1,2021-03-02T00:00:00Z,30,0.5,actual']);
  await runDailySnapshot(lake, { runDate: '2021-03-03' });
  // Everything untagged is old enough to expire, every daily tag too, every unreferenced file is an orphan.
  const now = lake.now;
  lake.now = () => now() + 2 * DAY_MS;
  const maintenance = await maintainTables(lake, { retentionMs: 1, dailyTagMaxAgeMs: 1, orphanWindowMs: 1, targetFileSizeBytes: 64 * 1024 * 1024 });
  lake.now = now;
  // The next night's run tags the state a resettlement reads.
  await ingestCsv('march-4.csv', ['meter_id,interval_start,interval_minutes,kwh,quality', 'M1,2021-03-04T00:00:00Z,30,0.5,actual']);
  await runDailySnapshot(lake, { runDate: '2021-03-04' });
  return { runId, maintenance };
}

test('after corrections, daily runs and maintenance the old run re-runs identical, a new run differs, and diff names exactly the corrections', async () => {
  // Prepare
  const { runId: first, maintenance } = await settleThenCorrectAndMaintain();
  const step = (table: string) => maintenance.tables.find((t) => t.table === table)!;

  // Act
  const verified = await verifyRun(lake, await openAuditRun(lake, first));
  const { runId: second } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });
  const diff = await diffRuns(lake, await openAuditRun(lake, first), await openAuditRun(lake, second));
  const [a, b] = await Promise.all([first, second].map(async (id) => (await openAuditRun(lake, id)).manifest.outputs.find((o) => o.file === 'energy_meters.csv')!.sha256));

  // Assert: maintenance did expire, delete and compact around the pinned snapshots.
  expect(step('meter_readings').expire!.expiredSnapshotIds.length).toBeGreaterThan(0);
  expect(step('meter_readings').expire!.deletedManifestLists.length).toBeGreaterThan(0);
  expect(step('readings_history').compact!.removedFiles.length).toBeGreaterThan(1);
  expect(verified).toMatchObject({ identical: true });
  expect(verified.files.map((f) => f.file)).toEqual(expect.arrayContaining(['energy_periods.csv', 'energy_meters.parquet', 'energy_missing.csv']));
  expect(a).not.toBe(b);
  expect(diff.meters.map((m) => [m.meter_id, m.kwh_total_before, m.kwh_total_after])).toEqual([
    [FORMULA_METER, '672.000000000', '671.600000000'],
    ['M2', '672.000000000', '672.250000000'],
  ]);
  expect(diff.intervals.map((i) => [i.meter_id, i.interval_start.toISOString(), i.kwh_after, i.source_file])).toEqual([
    [FORMULA_METER, '2021-02-20T08:30:00.000Z', 0.1, 'landing/default/readings/corrections.csv'],
    ['M2', '2021-02-10T12:00:00.000Z', 0.75, 'landing/default/readings/corrections.csv'],
  ]);
}, 120_000);

test('trace shows every version of an interval as of the run and the one that won', async () => {
  const { runId: first } = await settleThenCorrectAndMaintain();
  const { runId: second } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });

  const before = await traceRun(lake, await openAuditRun(lake, first), { partner: 'default', meter: 'M2', day: '2021-02-10', period: 25 });
  const after = await traceRun(lake, await openAuditRun(lake, second), { partner: 'default', meter: 'M2', day: '2021-02-10', period: 25 });

  expect(before.map((v) => [v.kwh, v.won])).toEqual([[0.5, true]]);
  expect(after.map((v) => [v.kwh, v.source_file, v.won])).toEqual([
    [0.5, 'landing/default/readings/february.csv', false],
    [0.75, 'landing/default/readings/corrections.csv', true],
  ]);
}, 120_000);

test('a run whose pinned snapshot was removed by hand fails verify naming the table and snapshot', async () => {
  // Prepare: settle, let the lake move on, then remove the settlement tag by hand and expire.
  await ingestFebruary();
  await runDailySnapshot(lake, { runDate: '2021-03-01' });
  const { runId, manifest } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });
  await ingestCsv('march.csv', ['meter_id,interval_start,interval_minutes,kwh,quality', 'M1,2021-03-02T00:00:00Z,30,0.5,actual']);
  await runDailySnapshot(lake, { runDate: '2021-03-02' });
  const table = openTable(lake.catalog, 'meter_readings', lake.io, { now: () => Date.now() + 2 * DAY_MS });
  await table.removeRef(runId);
  await table.removeRef('daily-2021-03-01');
  await table.expireSnapshots({ olderThanMs: Date.now() + DAY_MS });
  const pinned = manifest.inputs.find((i) => i.table === 'meter_readings')!.snapshotId;

  // Act / Assert
  const verifying = verifyRun(lake, await openAuditRun(lake, runId));
  await expect(verifying).rejects.toBeInstanceOf(AuditError);
  await expect(verifying).rejects.toThrow(`pinned snapshot ${pinned} of meter_readings no longer exists`);
}, 120_000);

test('a stored report and manifest altered after the run verify as different, naming the file and first differing row', async () => {
  await ingestFebruary();
  await runDailySnapshot(lake, { runDate: '2021-03-01' });
  const { runId, manifestKey } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });
  const key = `audit/${runId}/energy_meters.csv`;
  const lines = (await lake.store.get(key)).toString('utf8').split('\n');
  lines[2] = lines[2].replace('672.000000000', '700.000000000');
  const altered = Buffer.from(lines.join('\n'));
  await lake.store.put(key, altered);
  const manifest = JSON.parse((await lake.store.get(manifestKey)).toString('utf8'));
  manifest.outputs.find((o: { file: string }) => o.file === 'energy_meters.csv').sha256 = sha256Hex(altered);
  await lake.store.put(manifestKey, JSON.stringify(manifest));

  const result = await verifyRun(lake, await openAuditRun(lake, runId));

  expect(result.identical).toBe(false);
  expect(result.files.filter((f) => !f.identical)).toEqual([{
    file: 'energy_meters.csv', identical: false,
    firstDifference: { line: 3, stored: expect.stringContaining('700.000000000'), rerun: expect.stringContaining('672.000000000') },
  }]);
}, 120_000);

test('partner and meter names that look like formulas or SQL are data: escaped in CSV, read back intact in Parquet', async () => {
  await ingestFebruary();
  await runDailySnapshot(lake, { runDate: '2021-03-01' });
  const { runId } = await settleMonth(lake, { month: '2021-02', sourceRevision: 'test' });

  const csv = (await lake.store.get(`audit/${runId}/energy_meters.csv`)).toString('utf8');
  const parquet = lake.store.localPath(`audit/${runId}/energy_meters.parquet`)!;
  const ids = await lake.session.all<{ meter_id: string }>(`SELECT meter_id FROM read_parquet($p) ORDER BY meter_id`, { p: parquet });

  expect(csv.split('\n')[1]).toBe(`default,"'${FORMULA_METER}",672.000000000,672.000000000,0.000000000,0.000000000,1344,1344,0`);
  expect(csv).toContain(`default,${SQL_METER},672.000000000`);
  expect(ids.map((r) => r.meter_id)).toEqual([FORMULA_METER, 'M1', 'M2', SQL_METER]);
  expect(await lake.catalog.tableExists('meter_readings')).toBe(true);
  expect((await listRuns(lake)).map((r) => [r.run_id, r.status])).toEqual([[runId, 'succeeded']]);
}, 120_000);
