/**
 * maintenance: the weekly schedule's task (input {}) → `maintainTables` with its defaults
 * (expire snapshots by the tag policy, remove orphan files past the safety window, compact
 * readings_history's small files, merge manifests) → a short summary per table.
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { maintainTables, type MaintenanceReport } from '../../src/pipeline/maintenance';
import type { LakePorts } from '../../src/pipeline/ports';
import { logger } from '../commons/logger';

/** What one table's maintenance did, in counts (the full report can list thousands of files). */
export interface TableMaintenanceSummary {
  table: string;
  expiredSnapshots: number;
  removedRefs: number;
  deletedFiles: number;
  orphansDeleted: number;
  orphanBytesDeleted: number;
  compactedFilesRemoved: number;
  compactedFilesAdded: number;
  manifestsBefore?: number;
  manifestsAfter?: number;
  snapshotIds: string[];
}

/** The maintenance report in counts. */
export function summarizeMaintenance(report: MaintenanceReport): { dryRun: boolean; tables: TableMaintenanceSummary[] } {
  return {
    dryRun: report.dryRun,
    tables: report.tables.map((t) => ({
      table: t.table,
      expiredSnapshots: t.expire?.expiredSnapshotIds.length ?? 0,
      removedRefs: t.expire?.removedRefs.length ?? 0,
      deletedFiles: (t.expire?.deletedDataFiles.length ?? 0) + (t.expire?.deletedManifests.length ?? 0) + (t.expire?.deletedManifestLists.length ?? 0),
      orphansDeleted: t.orphans?.deleted.length ?? 0,
      orphanBytesDeleted: t.orphans?.deletedBytes ?? 0,
      compactedFilesRemoved: t.compact?.removedFiles.length ?? 0,
      compactedFilesAdded: t.compact?.addedFiles.length ?? 0,
      ...(t.manifests ? { manifestsBefore: t.manifests.manifestsBefore, manifestsAfter: t.manifests.manifestsAfter } : {}),
      snapshotIds: [t.compact?.snapshotId, t.manifests?.snapshotId].filter((id) => id !== undefined).map(String),
    })),
  };
}

export interface MaintenanceDependencies {
  readonly ports: () => Promise<LakePorts>;
}

/** The maintenance handler over its dependencies. */
export function createMaintenanceHandler(deps: MaintenanceDependencies) {
  return async (_event: unknown, context: Context): Promise<ReturnType<typeof summarizeMaintenance>> => {
    logger.addContext(context);
    const ports = await deps.ports();
    const summary = summarizeMaintenance(await maintainTables(ports, {
      onProgress: (p) => logger.debug(p.message, { table: p.table, step: p.step }),
    }));
    for (const table of summary.tables) logger.info('table maintained', { ...table });
    return summary;
  };
}

const environment = readEnvironment('maintenance');
export const handler = createMaintenanceHandler({ ports: () => lakePortsFromEnvironment(environment) });
