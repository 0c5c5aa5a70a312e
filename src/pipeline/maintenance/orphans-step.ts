import { findOrphanFiles } from '../../iceberg/orphans';
import type { IcebergTable } from '../../iceberg/table';
import type { OrphanStepReport } from './report';

export interface OrphanStepOptions {
  nowMs: number;
  /** Unreferenced files modified within this window are kept. */
  windowMs: number;
  dryRun: boolean;
}

/**
 * Delete files under the table's data/ and metadata/ that no retained snapshot or retained
 * metadata file references, and that are older than the window (so a file an ingest wrote for a
 * commit still in flight survives). Metadata is loaded before listing: anything committed later
 * references only files younger than the window.
 */
export async function removeOrphanFiles(table: IcebergTable, opts: OrphanStepOptions): Promise<OrphanStepReport> {
  const { metadata, metadataLocation } = await table.load();
  const scan = await findOrphanFiles(table.io, metadata, metadataLocation, { olderThanMs: opts.nowMs - opts.windowMs });
  if (!opts.dryRun) for (const f of scan.orphans) await table.io.delete(f.uri);
  return {
    scannedFiles: scan.scanned,
    deleted: scan.orphans.map((f) => ({ uri: f.uri, size: f.size })),
    deletedBytes: scan.orphans.reduce((n, f) => n + f.size, 0),
    keptTooYoung: scan.tooYoung.length,
  };
}
