import { CommitConflictError } from './errors';
import { expireSnapshots, type ExpireOptions, type ExpireResult } from './expire';
import type { FileIO } from './file-io';
import { appendedDataFiles, planFiles, resolveSnapshot, type FileScanTask, type PlanOptions, type SnapshotSelector } from './scan';
import {
  commitSnapshot, type CommitResult, type MetadataCommitter, type SnapshotChange, type TableVersion,
} from './snapshot-producer';
import { currentSchema, defaultSpec, nextVersion, withAddedColumns, withoutRef, withRef, type RefOptions } from './table-metadata';
import type { DataFile, LiveEntry, NestedField, PartitionSpec, Schema, Snapshot, TableMetadata } from './types';

export interface TableOptions {
  now?: () => number;
  maxRetries?: number;
  minManifestsToMerge?: number;
}

/** One Iceberg table: its operations, each one atomic commit through the catalog. */
export class IcebergTable {
  constructor(
    readonly name: string,
    readonly io: FileIO,
    private readonly committer: MetadataCommitter,
    private readonly options: TableOptions = {},
  ) {}

  private get now() {
    return this.options.now ?? Date.now;
  }

  /** The table's current metadata, freshly loaded. */
  async load(): Promise<TableVersion> {
    return this.committer.load();
  }

  async metadata(): Promise<TableMetadata> {
    return (await this.load()).metadata;
  }

  async schema(): Promise<Schema> {
    return currentSchema(await this.metadata());
  }

  async spec(): Promise<PartitionSpec> {
    return defaultSpec(await this.metadata());
  }

  /** Commit any snapshot change (append, overwrite, replace, delete). */
  async commit(change: SnapshotChange): Promise<CommitResult> {
    return commitSnapshot(change, {
      io: this.io, committer: this.committer, now: this.now,
      maxRetries: this.options.maxRetries, minManifestsToMerge: this.options.minManifestsToMerge,
    });
  }

  /** Fast append of data files, with caller-supplied summary properties. */
  async append(files: DataFile[], summary?: Record<string, string>): Promise<CommitResult> {
    return this.commit({ operation: 'append', addDataFiles: files, summary });
  }

  /** Rewrite files without changing rows (compaction): fails if a file to replace was removed meanwhile. */
  async replace(removePaths: string[], add: DataFile[], summary?: Record<string, string>): Promise<CommitResult> {
    return this.commit({ operation: 'replace', removePaths, addDataFiles: add, summary });
  }

  /** Change metadata only (refs, schema), retrying on a lost race. */
  private async updateMetadata(change: (m: TableMetadata, nowMs: number) => TableMetadata | undefined): Promise<TableVersion> {
    for (let attempt = 0; ; attempt++) {
      const base = await this.committer.load();
      const nowMs = this.now();
      const updated = change(nextVersion(base.metadata, base.metadataLocation, nowMs), nowMs);
      // undefined: nothing to change on this base (e.g. a racing writer made the same change).
      if (!updated) return base;
      try {
        return await this.committer.commit(base, updated);
      } catch (err) {
        if (!(err instanceof CommitConflictError) || attempt >= (this.options.maxRetries ?? 8)) throw err;
      }
    }
  }

  /** Create or move a tag or branch to a snapshot (default: the current one). */
  async setRef(name: string, opts: RefOptions & { snapshotId?: bigint }): Promise<TableVersion> {
    return this.updateMetadata((m, nowMs) => {
      const id = opts.snapshotId ?? m['current-snapshot-id'];
      if (id === -1n) throw new Error(`table ${this.name} has no snapshot to tag`);
      return withRef(m, name, id, opts, nowMs);
    });
  }

  /** Add optional columns with new field ids (a metadata-only commit; see withAddedColumns); ids already present are skipped. */
  async addColumns(fields: NestedField[]): Promise<TableVersion> {
    // A writer that raced us may have added them first.
    return this.updateMetadata((m) => {
      const missing = fields.filter((f) => !currentSchema(m).fields.some((c) => c.id === f.id));
      return missing.length ? withAddedColumns(m, missing) : undefined;
    });
  }

  async removeRef(name: string): Promise<TableVersion> {
    return this.updateMetadata((m) => withoutRef(m, name));
  }

  async expireSnapshots(opts: Omit<ExpireOptions, 'now'> = {}): Promise<ExpireResult> {
    return expireSnapshots(this.io, this.committer, { ...opts, now: this.now });
  }

  async snapshot(selector?: SnapshotSelector): Promise<Snapshot | undefined> {
    return resolveSnapshot(await this.metadata(), selector);
  }

  /** Data files (with their delete files) of a version, pruned by an optional predicate. */
  async planFiles(opts: PlanOptions = {}): Promise<FileScanTask[]> {
    return planFiles(this.io, await this.metadata(), opts);
  }

  /** Data files appended after `fromExclusive` up to `toInclusive` (default: current). */
  async appendedDataFiles(fromExclusive: bigint | null, toInclusive?: bigint): Promise<LiveEntry[]> {
    const m = await this.metadata();
    const to = toInclusive ?? m['current-snapshot-id'];
    if (to === -1n) return [];
    return appendedDataFiles(this.io, m, fromExclusive, to);
  }
}
