import type { Catalog, TableHandle } from '../../catalog/catalog';
import type { FileIO } from '../../iceberg/file-io';
import { rewriteManifests } from '../../iceberg/rewrite-manifests';
import type { MetadataCommitter } from '../../iceberg/snapshot-producer';
import type { ManifestStepReport } from './report';

export interface ManifestStepOptions {
  now: () => number;
  dryRun: boolean;
}

/** Merge the current snapshot's data manifests into one per partition spec (a `replace` snapshot, no data change). */
export async function mergeTableManifests(catalog: Catalog, io: FileIO, name: string, opts: ManifestStepOptions): Promise<ManifestStepReport> {
  const committer: MetadataCommitter = {
    load: () => catalog.loadTable(name),
    commit: (base, updated) => catalog.commit(base as TableHandle, updated),
  };
  const r = await rewriteManifests(io, committer, { now: opts.now, dryRun: opts.dryRun });
  return {
    manifestsBefore: r.dataManifestsBefore,
    manifestsAfter: r.dataManifestsAfter,
    replacedManifests: r.replacedManifests,
    createdManifests: r.createdManifests,
    snapshotId: r.snapshot?.['snapshot-id'],
  };
}
