/**
 * The daily repair of device_energy: the day partitions touched by late or duplicate readings
 * since the last repair are recomputed from the ledger (device_measurements) with a window over
 * time per device, and replaced in ONE overwrite snapshot. After it, those days equal a batch
 * recomputation from the ledger, whatever order the readings arrived in.
 *
 * It works on complete batches only: a stream batch is committed table by table and logged in
 * ingest_log last, so a batch id in the stream tables' snapshots but not yet in ingest_log is in
 * flight. The repair then waits briefly and, if the batch is still in flight, leaves the work to
 * the next run (the events stay unconsumed). A batch that commits device_energy files into a day
 * being repaired makes the repair's commit conflict, and it starts over.
 */
import { sqlString, scratchName } from '../../engine/duckdb-session';
import { createScanView } from '../../engine/snapshot-view';
import { CommitConflictError } from '../../iceberg/errors';
import { appendedDataFiles } from '../../iceberg/scan';
import { SnapshotNotFoundError } from '../../iceberg/errors';
import { currentSchema } from '../../iceberg/table-metadata';
import type { TableMetadata } from '../../iceberg/types';
import { batchIdsInMetadata } from '../commit';
import type { AfterCommitContext, AfterCommitHook, HookOutcome } from '../daily-plan';
import { tableFor } from '../lake-tables';
import { tagCurrentSnapshot } from '../maintenance/tag-policy';
import type { LakePorts } from '../ports';
import { INGEST_LOG } from '../tables';
import { localPathResolver, registerTableView } from '../table-files';
import type { EnergyDelta } from './deltas';
import { writeEnergyFiles } from './files';
import { DEVICE_ENERGY, DEVICE_MEASUREMENTS, DEVICE_STREAM_EVENTS } from './tables';

/** device_energy snapshot property: the device_stream_events snapshot the repair consumed up to. */
export const REPAIRED_EVENTS_PROPERTY = 'meterlake.repaired-events-snapshot-id';
const MS_PER_DAY = 86_400_000;

export interface RepairOptions {
  /** Waits for batches in flight before giving up for this run. @default 5 */
  readonly inFlightAttempts?: number;
  /** @default 2000 */
  readonly inFlightWaitMs?: number;
}

export type RepairResult =
  | { outcome: 'repaired'; days: number[]; rows: number; snapshotId: bigint }
  | { outcome: 'nothing-to-repair' }
  | { outcome: 'postponed'; inFlight: string[] };

/** The events snapshot the last repair consumed (null: none yet). */
function lastRepairedEvents(energy: TableMetadata): bigint | null {
  const repaired = energy.snapshots
    .filter((s) => s.summary[REPAIRED_EVENTS_PROPERTY] !== undefined)
    .sort((a, b) => Number(b['sequence-number'] - a['sequence-number']))[0];
  return repaired ? BigInt(repaired.summary[REPAIRED_EVENTS_PROPERTY]) : null;
}

/** Stream batch ids in the tables' retained snapshots that ingest_log does not list yet. */
async function batchesInFlight(ports: LakePorts, logView: string, metadatas: TableMetadata[]): Promise<string[]> {
  const candidates = [...new Set(metadatas.flatMap((m) => [...batchIdsInMetadata(m)]))];
  if (!candidates.length) return [];
  const logged = new Set((await ports.session.all<{ batch_id: string }>(
    `SELECT DISTINCT batch_id FROM ${logView} WHERE batch_id IN (${candidates.map(sqlString).join(', ')})`,
  )).map((r) => r.batch_id));
  return candidates.filter((id) => !logged.has(id));
}

/** One attempt; throws CommitConflictError when a stream commit touched a day being repaired. */
async function repairOnce(ports: LakePorts): Promise<RepairResult | { inFlight: string[] }> {
  const [log, energy, measurements, events] = await Promise.all(
    [INGEST_LOG, DEVICE_ENERGY, DEVICE_MEASUREMENTS, DEVICE_STREAM_EVENTS].map((t) => tableFor(ports, t)),
  );
  const views = { log: scratchName('repair_log'), ledger: scratchName('repair_ledger'), events: scratchName('repair_events') };
  const scratch = { winners: scratchName('repair_winners'), days: scratchName('repair_days'), rows: scratchName('repair_rows') };
  try {
    // Read order matters: the log first, so every batch it lists is complete in what is read after it.
    await registerTableView(ports.session, ports.store, log, views.log);
    const energyMeta = await energy.metadata();
    const ledgerMeta = await measurements.metadata();
    const eventsMeta = await events.metadata();
    const inFlight = await batchesInFlight(ports, views.log, [energyMeta, ledgerMeta, eventsMeta]);
    if (inFlight.length) return { inFlight };

    const eventsTo = eventsMeta['current-snapshot-id'];
    const eventsFrom = lastRepairedEvents(energyMeta);
    if (eventsTo === -1n || eventsTo === eventsFrom) return { outcome: 'nothing-to-repair' };
    let newEvents;
    try {
      newEvents = await appendedDataFiles(events.io, eventsMeta, eventsFrom, eventsTo);
    } catch (err) {
      // The consumed snapshot was expired: take every event again (more work, same answer).
      if (!(err instanceof SnapshotNotFoundError)) throw err;
      newEvents = await appendedDataFiles(events.io, eventsMeta, null, eventsTo);
    }
    await createScanView(ports.session, views.events, currentSchema(eventsMeta),
      newEvents.map((e) => ({ dataFile: e.data_file, dataSequenceNumber: 0, deletes: [] })), localPathResolver(ports.store, ports.tempDir));
    await registerTableView(ports.session, ports.store, measurements, views.ledger);

    // One reading per (device, time): the greatest cumulative_energy, then the greatest device_name (deltas.ts winsOver).
    await ports.session.run(`CREATE TEMP TABLE ${scratch.winners} AS
      SELECT device_id, device_name, time, cumulative_energy FROM ${views.ledger}
      QUALIFY row_number() OVER (PARTITION BY device_id, time ORDER BY cumulative_energy DESC, device_name DESC) = 1`);
    // The days of the late/duplicate readings, and of each one's successor (whose delta it changes).
    await ports.session.run(`CREATE TEMP TABLE ${scratch.days} AS
      WITH touched AS (SELECT DISTINCT device_id, time FROM ${views.events} WHERE kind IN ('late', 'duplicate'))
      SELECT DISTINCT CAST(floor(epoch_ms(time) / ${MS_PER_DAY}) AS INTEGER) AS day FROM touched
      UNION
      SELECT CAST(floor(epoch_ms(min(w.time)) / ${MS_PER_DAY}) AS INTEGER) FROM touched t
        JOIN ${scratch.winners} w ON w.device_id = t.device_id AND w.time > t.time GROUP BY t.device_id, t.time`);
    const days = (await ports.session.all<{ day: number }>(`SELECT day FROM ${scratch.days} ORDER BY day`)).map((r) => r.day);
    if (!days.length) return { outcome: 'nothing-to-repair' };
    // Doubles as in deltas.ts (the same IEEE arithmetic), cast to FLOAT once at the end.
    await ports.session.run(`CREATE TEMP TABLE ${scratch.rows} AS
      SELECT device_id, device_name, epoch_ms(time) AS time_ms,
        CAST((epoch_ms(time) - epoch_ms(prev_time)) / 60000.0 AS FLOAT) AS duration,
        CAST(CASE WHEN cumulative_energy < prev_energy THEN cumulative_energy ELSE cumulative_energy - prev_energy END AS FLOAT) AS delta_energy
      FROM (SELECT *, lag(time) OVER w AS prev_time, lag(cumulative_energy) OVER w AS prev_energy
            FROM ${scratch.winners} WINDOW w AS (PARTITION BY device_id ORDER BY time))
      WHERE CAST(floor(epoch_ms(time) / ${MS_PER_DAY}) AS INTEGER) IN (SELECT day FROM ${scratch.days})`);
    const rows = (await ports.session.all<{ device_id: number; device_name: string; time_ms: bigint; duration: number | null; delta_energy: number | null }>(
      `SELECT * FROM ${scratch.rows}`,
    )).map((r): EnergyDelta => ({ deviceId: r.device_id, deviceName: r.device_name, timeMs: Number(r.time_ms), duration: r.duration, deltaEnergy: r.delta_energy }));
    const added = await writeEnergyFiles(ports, energyMeta, rows);
    const repaired = new Set(days);
    const inRepairedDay = (f: { partition: Record<string, unknown> }) => repaired.has(f.partition.time_day as number);
    const result = await energy.commit({
      operation: 'overwrite', addDataFiles: added, removeWhere: inRepairedDay,
      plannedFromSnapshotId: energyMeta['current-snapshot-id'] === -1n ? null : energyMeta['current-snapshot-id'],
      conflictFilter: inRepairedDay,
      summary: {
        [REPAIRED_EVENTS_PROPERTY]: String(eventsTo),
        'meterlake.days-repaired': days.map((d) => new Date(d * MS_PER_DAY).toISOString().slice(0, 10)).join(','),
      },
    });
    return { outcome: 'repaired', days, rows: rows.length, snapshotId: result.snapshot['snapshot-id'] };
  } finally {
    for (const view of Object.values(views)) await ports.session.run(`DROP VIEW IF EXISTS ${view}`);
    for (const table of Object.values(scratch)) await ports.session.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Repair device_energy (see the module comment). */
export async function repairDeviceEnergy(ports: LakePorts, opts: RepairOptions = {}): Promise<RepairResult> {
  const attempts = opts.inFlightAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    let result: RepairResult | { inFlight: string[] };
    try {
      result = await repairOnce(ports);
    } catch (err) {
      if (!(err instanceof CommitConflictError) || attempt >= attempts) throw err;
      continue;
    }
    if ('outcome' in result) return result;
    if (attempt >= attempts) return { outcome: 'postponed', inFlight: result.inFlight };
    await new Promise((resolve) => setTimeout(resolve, opts.inFlightWaitMs ?? 2000));
  }
}

/** The after-commit hook of the daily run: repair device_energy, then tag it with the run's tag. */
export const deviceEnergyRepairHook: AfterCommitHook = {
  name: 'device_energy_repair',
  async run(ctx: AfterCommitContext): Promise<HookOutcome> {
    // A lake without a sensor stream has nothing to repair (and gets no empty stream tables).
    if (!(await ctx.ports.catalog.tableExists(DEVICE_STREAM_EVENTS.name))) return 'unchanged';
    const result = await repairDeviceEnergy(ctx.ports);
    const tagged = await tagCurrentSnapshot(await tableFor(ctx.ports, DEVICE_ENERGY), ctx.tag);
    if (result.outcome === 'repaired') return 'rebuilt';
    return tagged ? 'tagged' : 'unchanged';
  },
};
