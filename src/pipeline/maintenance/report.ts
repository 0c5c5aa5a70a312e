/** What one maintenance run did (or, on a dry run, would do), per table and step. */

export type MaintenanceStep = 'expire' | 'orphans' | 'compact' | 'manifests';
export const MAINTENANCE_STEPS: readonly MaintenanceStep[] = ['expire', 'orphans', 'compact', 'manifests'];

export interface ExpireStepReport {
  expiredSnapshotIds: bigint[];
  /** Tags and branches removed: past their max-ref-age, or daily tags past the daily tag age. */
  removedRefs: string[];
  /** Settlement tags that carried a max-ref-age and were re-set without one (they never expire). */
  protectedRefs: string[];
  /** Files deleted because no retained snapshot references them (empty on a dry run). */
  deletedDataFiles: string[];
  deletedManifests: string[];
  deletedManifestLists: string[];
}

export interface OrphanStepReport {
  scannedFiles: number;
  /** Unreferenced files older than the window: deleted (listed only on a dry run). */
  deleted: { uri: string; size: number }[];
  deletedBytes: number;
  /** Unreferenced files younger than the window, kept (a commit may still be in flight). */
  keptTooYoung: number;
}

export interface CompactionStepReport {
  /** Partitions with files rewritten. */
  partitions: number;
  removedFiles: string[];
  addedFiles: string[];
  /** Live rows rewritten (deletes applied): equal before and after by construction and check. */
  rows: number;
  /** Rows that delete files had already removed and the rewrite dropped physically. */
  purgedDeletedRows: number;
  bytesBefore: number;
  bytesAfter: number;
  /** The `replace` snapshot; undefined when nothing was compacted or on a dry run. */
  snapshotId?: bigint;
}

export interface ManifestStepReport {
  manifestsBefore: number;
  manifestsAfter: number;
  replacedManifests: string[];
  createdManifests: string[];
  snapshotId?: bigint;
}

export interface TableMaintenanceReport {
  table: string;
  expire?: ExpireStepReport;
  orphans?: OrphanStepReport;
  compact?: CompactionStepReport;
  manifests?: ManifestStepReport;
}

export interface MaintenanceReport {
  dryRun: boolean;
  tables: TableMaintenanceReport[];
}

/** A progress note: which table and step is running and what it found. */
export interface MaintenanceProgress { table: string; step: MaintenanceStep; message: string }
