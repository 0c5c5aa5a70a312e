import { openTable } from '../catalog/open-table';
import { compactTable } from './maintenance/compaction-step';
import { expireTableSnapshots } from './maintenance/expire-step';
import { mergeTableManifests } from './maintenance/manifests-step';
import { removeOrphanFiles } from './maintenance/orphans-step';
import {
  MAINTENANCE_STEPS, type MaintenanceProgress, type MaintenanceReport, type MaintenanceStep, type TableMaintenanceReport,
} from './maintenance/report';
import { DEFAULT_RETENTION } from './maintenance/tag-policy';
import type { LakePorts } from './ports';
import { READINGS_HISTORY } from './tables';

export * from './maintenance/report';
export * from './maintenance/tag-policy';
export { binPack, CompactionAbortedError, MAINTENANCE_PROPERTY } from './maintenance/compaction-step';

export interface MaintenanceOptions {
  /** Tables to maintain. @default - every table of the catalog */
  readonly tables?: readonly string[];
  /** Tables whose small files are compacted (only those also in `tables`). @default - ['readings_history'] */
  readonly compactTables?: readonly string[];
  /** Steps to run, always in the order expire → orphans → compact → manifests. @default - all */
  readonly steps?: readonly MaintenanceStep[];
  /** @default - DEFAULT_RETENTION.snapshotAgeMs (30 days) */
  readonly retentionMs?: number;
  /** @default - DEFAULT_RETENTION.dailyTagMaxAgeMs (400 days) */
  readonly dailyTagMaxAgeMs?: number;
  /** @default - DEFAULT_RETENTION.orphanWindowMs (3 days) */
  readonly orphanWindowMs?: number;
  /** @default - DEFAULT_RETENTION.targetFileSizeBytes (256 MB) */
  readonly targetFileSizeBytes?: number;
  /** @default - DEFAULT_RETENTION.smallFileRatio (0.5) */
  readonly smallFileRatio?: number;
  /** Report what would be done; change nothing. @default - false */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: MaintenanceProgress) => void;
}

/** Problems with maintenance options, all at once. */
export class InvalidMaintenanceOptionsError extends Error {
  override readonly name = 'InvalidMaintenanceOptionsError';
}

function checkOptions(o: MaintenanceOptions) {
  const problems: string[] = [];
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) problems.push(`${name} must be a positive number (got ${v})`);
  };
  positive('retentionMs', o.retentionMs);
  positive('dailyTagMaxAgeMs', o.dailyTagMaxAgeMs);
  positive('orphanWindowMs', o.orphanWindowMs);
  positive('targetFileSizeBytes', o.targetFileSizeBytes);
  if (o.smallFileRatio !== undefined && !(o.smallFileRatio > 0 && o.smallFileRatio <= 1)) {
    problems.push(`smallFileRatio must be in (0, 1] (got ${o.smallFileRatio})`);
  }
  for (const s of o.steps ?? []) if (!MAINTENANCE_STEPS.includes(s)) problems.push(`unknown step '${s}' (steps: ${MAINTENANCE_STEPS.join(', ')})`);
  if (problems.length) throw new InvalidMaintenanceOptionsError(`invalid maintenance options:\n- ${problems.join('\n- ')}`);
}

/**
 * Table maintenance, per table: expire snapshots (tags kept by policy), remove orphan files
 * older than the safety window, compact small files, merge manifests. Every step reports what it
 * removed or rewrote; nothing a retained snapshot or retained metadata references is deleted.
 */
export async function maintainTables(ports: LakePorts, opts: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  checkOptions(opts);
  const dryRun = opts.dryRun ?? false;
  const steps = new Set(opts.steps ?? MAINTENANCE_STEPS);
  const compactTables = new Set(opts.compactTables ?? [READINGS_HISTORY.name]);
  const names = opts.tables ?? (await ports.catalog.listTables());
  const targetFileSizeBytes = opts.targetFileSizeBytes ?? DEFAULT_RETENTION.targetFileSizeBytes;
  const report: MaintenanceReport = { dryRun, tables: [] };

  for (const name of names) {
    const table = openTable(ports.catalog, name, ports.io, { now: ports.now });
    const progress = (step: MaintenanceStep, message: string) => opts.onProgress?.({ table: name, step, message });
    const t: TableMaintenanceReport = { table: name };
    report.tables.push(t);
    if (steps.has('expire')) {
      progress('expire', 'expiring snapshots');
      t.expire = await expireTableSnapshots(table, {
        nowMs: ports.now(), dryRun,
        retentionMs: opts.retentionMs ?? DEFAULT_RETENTION.snapshotAgeMs,
        dailyTagMaxAgeMs: opts.dailyTagMaxAgeMs ?? DEFAULT_RETENTION.dailyTagMaxAgeMs,
      });
    }
    if (steps.has('orphans')) {
      progress('orphans', 'listing files');
      t.orphans = await removeOrphanFiles(table, {
        nowMs: ports.now(), dryRun, windowMs: opts.orphanWindowMs ?? DEFAULT_RETENTION.orphanWindowMs,
      });
    }
    if (steps.has('compact') && compactTables.has(name)) {
      progress('compact', 'compacting small files');
      t.compact = await compactTable(ports, table, {
        dryRun, targetFileSizeBytes, smallFileRatio: opts.smallFileRatio ?? DEFAULT_RETENTION.smallFileRatio,
      });
    }
    if (steps.has('manifests')) {
      progress('manifests', 'merging manifests');
      t.manifests = await mergeTableManifests(ports.catalog, ports.io, name, { now: ports.now, dryRun });
    }
  }
  return report;
}
