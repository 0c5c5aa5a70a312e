import type { TableMetadata } from '../iceberg/types';

/** A table as the catalog knows it: its current metadata and where that metadata lives. */
export interface TableHandle {
  readonly name: string;
  readonly metadata: TableMetadata;
  readonly metadataLocation: string;
  /** Catalog-specific concurrency token read with the table (Glue's VersionId); opaque to callers. */
  readonly catalogVersion?: string;
}

/**
 * The catalog port. `commit` is the atomic pointer swap: it succeeds only if the table still
 * points at `base.metadataLocation`, and throws CommitConflictError otherwise.
 */
export interface Catalog {
  /** Absolute URI under which a new table's location is chosen (`<warehouse>/<name>`). */
  defaultLocation(name: string): string;
  createTable(name: string, metadata: TableMetadata): Promise<TableHandle>;
  loadTable(name: string): Promise<TableHandle>;
  commit(base: TableHandle, updated: TableMetadata): Promise<TableHandle>;
  listTables(): Promise<string[]>;
  tableExists(name: string): Promise<boolean>;
}

export { CommitConflictError, CommitStateUnknownError } from '../iceberg/errors';

export class TableNotFoundError extends Error {
  override readonly name = 'TableNotFoundError';
  constructor(readonly table: string) {
    super(`table not found: ${table}`);
  }
}

export class TableAlreadyExistsError extends Error {
  override readonly name = 'TableAlreadyExistsError';
  constructor(readonly table: string) {
    super(`table already exists: ${table}`);
  }
}
