/**
 * GlueCatalog: Iceberg tables in the AWS Glue Data Catalog, shaped exactly as the open-source Glue
 * catalog (Java `GlueTableOperations`, PyIceberg `GlueCatalog`) writes them, which is what Athena
 * recognises (ICEBERG.md §6.1–6.2).
 *
 * The pointer is the table parameter `metadata_location`. A commit reads the table (VersionId,
 * current pointer), checks the pointer is still the caller's base, writes the new metadata file
 * and swaps with UpdateTable(VersionId, SkipArchive=true): Glue's optimistic lock rejects the swap
 * with ConcurrentModificationException if anyone changed the table in between. An ambiguous
 * failure is resolved by re-reading the pointer; the new metadata file is deleted only when the
 * commit is known to have failed.
 */
import {
  CreateTableCommand,
  GetTableCommand,
  GetTablesCommand,
  UpdateTableCommand,
  type Column,
  type GlueClient,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import type { FileIO } from '../iceberg/file-io';
import { serializeTableMetadata } from '../iceberg/metadata-json';
import type { IcebergType, Schema, TableMetadata } from '../iceberg/types';
import {
  Catalog,
  CommitConflictError,
  CommitStateUnknownError,
  TableAlreadyExistsError,
  TableHandle,
  TableNotFoundError,
} from './catalog';
import { assertValidTableName } from './file-catalog';
import { MetadataCache } from './metadata-cache';
import { newMetadataFileUri, parseMetadataVersion } from './metadata-files';

const ICEBERG_TABLE_TYPE = 'ICEBERG';
const GLUE_EXTERNAL_TABLE_TYPE = 'EXTERNAL_TABLE';

/** A Glue table with that name exists but is not an Iceberg table (Parameters.table_type). */
export class NotAnIcebergTableError extends Error {
  override readonly name = 'NotAnIcebergTableError';
  constructor(readonly database: string, readonly table: string, readonly tableType: string | undefined) {
    super(`Glue table ${database}.${table} is not an Iceberg table: Parameters.table_type is ${tableType ?? 'missing'}, expected ICEBERG`);
  }
}

/** The Glue database named in the catalog options does not exist. */
export class GlueDatabaseNotFoundError extends Error {
  override readonly name = 'GlueDatabaseNotFoundError';
  constructor(readonly database: string, options?: { cause?: unknown }) {
    super(`Glue database ${database} does not exist`, options);
  }
}

export interface GlueCatalogOptions {
  readonly glue: GlueClient;
  /** Glue database holding the tables. */
  readonly database: string;
  /** Absolute URI new tables go under (`s3://bucket/prefix`); a table's location is `<warehouse>/<name>`. */
  readonly warehouse: string;
  /** Reads and writes metadata files. */
  readonly io: FileIO;
}

/** Error name of an AWS SDK v3 service exception. */
function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Whether the SDK sent the request more than once (an earlier attempt may have been applied). */
function wasRetried(error: unknown): boolean {
  return ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
}

/** Glue type string of an Iceberg type (Java `IcebergToGlueConverter.toTypeString`). */
export function glueTypeString(type: IcebergType): string {
  if (typeof type === 'string') {
    const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
    if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
    if (type.startsWith('fixed[')) return 'binary';
    switch (type) {
      case 'boolean': case 'int': case 'float': case 'double': case 'date': case 'string': case 'binary':
        return type;
      case 'long': return 'bigint';
      case 'time': case 'uuid': return 'string';
      case 'timestamp': case 'timestamptz': return 'timestamp';
      default: throw new Error(`no Glue type for Iceberg type ${type}`);
    }
  }
  switch (type.type) {
    case 'struct': return `struct<${type.fields.map((f) => `${f.name}:${glueTypeString(f.type)}`).join(',')}>`;
    case 'list': return `array<${glueTypeString(type.element)}>`;
    case 'map': return `map<${glueTypeString(type.key)},${glueTypeString(type.value)}>`;
  }
}

/**
 * Glue columns for a schema: its fields with `iceberg.field.current=true`, then fields of
 * `previousSchemas` that it no longer has, with `current=false` (Java `IcebergToGlueConverter`).
 */
export function glueColumnsFor(schema: Schema, previousSchemas: readonly Schema[] = []): Column[] {
  const seen = new Set<number>();
  const columns: Column[] = [];
  const add = (fields: Schema['fields'], current: boolean): void => {
    for (const field of fields) {
      if (seen.has(field.id)) continue;
      seen.add(field.id);
      columns.push({
        Name: field.name,
        Type: glueTypeString(field.type),
        ...(field.doc === undefined ? {} : { Comment: field.doc }),
        Parameters: {
          'iceberg.field.id': String(field.id),
          'iceberg.field.optional': String(!field.required),
          'iceberg.field.current': String(current),
        },
      });
    }
  };
  add(schema.fields, true);
  for (const older of previousSchemas) add(older.fields, false);
  return columns;
}

function columnsOf(metadata: TableMetadata): Column[] {
  const current = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!current) throw new Error(`table metadata at ${metadata.location} has no schema ${metadata['current-schema-id']}`);
  return glueColumnsFor(current, metadata.schemas.filter((s) => s !== current));
}

/** Catalog over the AWS Glue Data Catalog with Glue's optimistic locking (VersionId). */
export class GlueCatalog implements Catalog {
  private readonly glue: GlueClient;
  private readonly io: FileIO;
  readonly database: string;
  readonly warehouse: string;
  /** Per table: the latest metadata file read or written, parsed (a load still asks Glue where it is). */
  private readonly cache: MetadataCache;

  constructor(options: GlueCatalogOptions) {
    this.glue = options.glue;
    this.io = options.io;
    this.cache = new MetadataCache(options.io);
    this.database = options.database;
    this.warehouse = options.warehouse.replace(/\/+$/, '');
  }

  defaultLocation(name: string): string {
    assertValidTableName(name);
    return `${this.warehouse}/${name}`;
  }

  async createTable(name: string, metadata: TableMetadata): Promise<TableHandle> {
    assertValidTableName(name);
    const metadataLocation = newMetadataFileUri(metadata.location, 0);
    await this.io.write(metadataLocation, serializeTableMetadata(metadata));
    const TableInput: TableInput = {
      Name: name,
      TableType: GLUE_EXTERNAL_TABLE_TYPE,
      Parameters: { table_type: ICEBERG_TABLE_TYPE, metadata_location: metadataLocation },
      StorageDescriptor: { Location: metadata.location, Columns: columnsOf(metadata) },
    };
    try {
      await this.glue.send(new CreateTableCommand({ DatabaseName: this.database, TableInput }));
    } catch (error) {
      const errorName = awsErrorName(error);
      if (errorName === 'EntityNotFoundException') {
        await this.io.delete(metadataLocation);
        throw new GlueDatabaseNotFoundError(this.database, { cause: error });
      }
      const current = await this.pointerAfterFailedWrite(name, metadataLocation, error);
      // An SDK retry of a create whose answer was lost meets the table it created.
      if (current === metadataLocation) return { name, metadata, metadataLocation };
      if (errorName !== 'AlreadyExistsException' || wasRetried(error)) throw this.outcomeUnknown(name, metadataLocation, error, current);
      await this.io.delete(metadataLocation);
      throw new TableAlreadyExistsError(name);
    }
    return { name, metadata, metadataLocation };
  }

  async loadTable(name: string): Promise<TableHandle> {
    const table = await this.getIcebergTable(name);
    const metadataLocation = this.metadataLocationOf(name, table);
    const metadata = await this.cache.load(name, metadataLocation);
    return { name, metadata, metadataLocation, ...(table.VersionId === undefined ? {} : { catalogVersion: table.VersionId }) };
  }

  async commit(base: TableHandle, updated: TableMetadata): Promise<TableHandle> {
    const name = base.name;
    const table = await this.getIcebergTable(name);
    const current = this.metadataLocationOf(name, table);
    if (current !== base.metadataLocation) {
      throw new CommitConflictError(
        `cannot commit to Glue table ${this.database}.${name} because base metadata location '${base.metadataLocation}' is not same as the current Glue location '${current}'`,
      );
    }
    const metadataLocation = newMetadataFileUri(updated.location, parseMetadataVersion(base.metadataLocation) + 1);
    await this.io.write(metadataLocation, serializeTableMetadata(updated));
    try {
      await this.glue.send(
        new UpdateTableCommand({
          DatabaseName: this.database,
          TableInput: this.tableInputFor(table, updated, metadataLocation, current),
          VersionId: table.VersionId,
          SkipArchive: true,
        }),
      );
    } catch (error) {
      const errorName = awsErrorName(error);
      if (errorName === 'EntityNotFoundException') {
        await this.io.delete(metadataLocation);
        throw new TableNotFoundError(name);
      }
      const current = await this.pointerAfterFailedWrite(name, metadataLocation, error);
      // An SDK retry of an update whose answer was lost meets the version it made: ours.
      if (current !== metadataLocation) {
        // After a retry, a conflict may be our own applied update that another writer has since
        // built on: the file is kept and the outcome is unknown, never a conflict that deletes it.
        if (errorName !== 'ConcurrentModificationException' || wasRetried(error)) throw this.outcomeUnknown(name, metadataLocation, error, current);
        await this.io.delete(metadataLocation);
        throw new CommitConflictError(
          `cannot commit to Glue table ${this.database}.${name}: Glue detected a concurrent update to table version ${table.VersionId}`,
          { cause: error },
        );
      }
    }
    this.cache.remember(name, metadataLocation, updated);
    return { name, metadata: updated, metadataLocation };
  }

  async listTables(): Promise<string[]> {
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.glue.send(new GetTablesCommand({ DatabaseName: this.database, NextToken }));
      for (const table of page.TableList ?? []) {
        if (table.Name !== undefined && isIcebergTable(table)) names.push(table.Name);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return names.sort();
  }

  async tableExists(name: string): Promise<boolean> {
    try {
      await this.getIcebergTable(name);
      return true;
    } catch (error) {
      if (error instanceof TableNotFoundError || error instanceof NotAnIcebergTableError) return false;
      throw error;
    }
  }

  /** UpdateTable input rebuilt from the current table, carrying its Parameters and Description forward. */
  private tableInputFor(table: Table, updated: TableMetadata, metadataLocation: string, previous: string): TableInput {
    return {
      Name: table.Name,
      TableType: GLUE_EXTERNAL_TABLE_TYPE,
      ...(table.Description === undefined ? {} : { Description: table.Description }),
      Parameters: {
        ...table.Parameters,
        table_type: ICEBERG_TABLE_TYPE,
        metadata_location: metadataLocation,
        previous_metadata_location: previous,
      },
      StorageDescriptor: { ...table.StorageDescriptor, Location: updated.location, Columns: columnsOf(updated) },
    };
  }

  /**
   * Where Glue's pointer for `name` is after a write failed (undefined: no such table). A failed
   * re-read leaves the outcome unknown: CommitStateUnknownError, and the written file is kept.
   */
  private async pointerAfterFailedWrite(name: string, metadataLocation: string, cause: unknown): Promise<string | undefined> {
    try {
      const answer = await this.glue.send(new GetTableCommand({ DatabaseName: this.database, Name: name }));
      return answer?.Table?.Parameters?.metadata_location;
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return undefined;
      throw new CommitStateUnknownError(
        `write of ${metadataLocation} to Glue table ${this.database}.${name}: ${String(cause)}; re-reading the table also failed: ${String(error)}`,
        { cause },
      );
    }
  }

  /** The write of `metadataLocation` may or may not have been applied: its file is kept. */
  private outcomeUnknown(name: string, metadataLocation: string, cause: unknown, current: string | undefined): CommitStateUnknownError {
    return new CommitStateUnknownError(
      `write of ${metadataLocation} to Glue table ${this.database}.${name}: ${String(cause)}; the table now points at ${current ?? 'nothing'}`,
      { cause },
    );
  }

  private async getIcebergTable(name: string): Promise<Table> {
    assertValidTableName(name);
    let table: Table | undefined;
    try {
      table = (await this.glue.send(new GetTableCommand({ DatabaseName: this.database, Name: name }))).Table;
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') throw new TableNotFoundError(name);
      throw error;
    }
    if (!table) throw new TableNotFoundError(name);
    if (!isIcebergTable(table)) throw new NotAnIcebergTableError(this.database, name, tableTypeOf(table));
    return table;
  }

  private metadataLocationOf(name: string, table: Table): string {
    const location = table.Parameters?.metadata_location;
    if (!location) throw new Error(`Glue table ${this.database}.${name} is an Iceberg table without Parameters.metadata_location`);
    return location;
  }
}

/** Parameters.table_type; its value is compared case-insensitively, as Java and PyIceberg do. */
function tableTypeOf(table: Table): string | undefined {
  return table.Parameters?.table_type;
}

function isIcebergTable(table: Table): boolean {
  return tableTypeOf(table)?.toLowerCase() === 'iceberg';
}
