/**
 * FileCatalog: an Iceberg catalog kept in the warehouse itself, over any FileIO (a local folder or
 * an S3 bucket). Tables live at `<warehouse>/<name>`.
 *
 * Design:
 * - Metadata files are written as `<location>/metadata/<NNNNN>-<uuid>.metadata.json`: a unique name,
 *   so a plain write is enough and an orphan (a writer that lost) never blocks anyone.
 * - The COMMIT POINT is a put-if-absent (FileIO.writeIfAbsent) of the per-version marker
 *   `<location>/metadata/commits/<NNNNN>.txt`, whose content is the metadata file URI. Whoever
 *   creates marker N first owns version N, so two concurrent writers never both win. The loser gets
 *   CommitConflictError and deletes its own metadata file (it knows that file was never committed).
 * - `metadata/version-hint.text` holds `<NNNNN>-<uuid>` (the file name without `.metadata.json`, no
 *   trailing newline: DuckDB's iceberg_scan reads it verbatim and appends `.metadata.json`). It is
 *   only a cache, written after the marker. loadTable reads the hint, then probes markers N+1, N+2…
 *   until one is missing, which heals a stale hint left by a crash between marker and hint (the hint
 *   is then rewritten). With no usable hint it lists `metadata/commits/` and takes the highest.
 * - commit(base, updated): version = version of base.metadataLocation + 1. If that marker already
 *   exists (or marker N does not name the base) → CommitConflictError before writing anything.
 * - createTable writes version 00000 the same way; an existing marker 00000 ⇒ TableAlreadyExistsError.
 * - The catalog never modifies metadata content (metadata-log etc. are the caller's job).
 * - The parsed metadata of each table's latest file is cached (MetadataCache: the files are immutable).
 */
import { NotFoundError, type FileIO } from '../iceberg/file-io';
import { serializeTableMetadata } from '../iceberg/metadata-json';
import type { TableMetadata } from '../iceberg/types';
import {
  Catalog,
  CommitConflictError,
  CommitStateUnknownError,
  TableAlreadyExistsError,
  TableHandle,
  TableNotFoundError,
} from './catalog';
import { MetadataCache } from './metadata-cache';
import { fileNameOf, formatMetadataVersion, metadataDir, newMetadataFileUri, parseMetadataVersion } from './metadata-files';

/** Table names as Glue accepts them (Java `IcebergToGlueConverter.validateTableName`). */
const TABLE_NAME = /^[a-z0-9_]{1,255}$/;
const MARKER_NAME = /\/metadata\/commits\/(\d+)\.txt$/;
const HINT_CONTENT = /^(\d+)-[-a-fA-F0-9]*$/;

/** A table name outside lowercase letters, digits and underscore, 1–255 characters. */
export class InvalidTableNameError extends Error {
  override readonly name = 'InvalidTableNameError';
  constructor(readonly table: string) {
    super(`invalid table name "${table}": use 1-255 lowercase letters, digits or underscores`);
  }
}

/** Throws InvalidTableNameError unless `name` is a valid Glue/Iceberg table name. */
export function assertValidTableName(name: string): void {
  if (!TABLE_NAME.test(name)) throw new InvalidTableNameError(name);
}

export interface FileCatalogOptions {
  readonly io: FileIO;
  /** Absolute URI of the warehouse root (`file:///…` or `s3://bucket/prefix`). */
  readonly warehouse: string;
}

/** Where a table's version markers and hint live. */
function commitMarkerUri(location: string, version: number): string {
  return `${metadataDir(location)}/commits/${formatMetadataVersion(version)}.txt`;
}
function versionHintUri(location: string): string {
  return `${metadataDir(location)}/version-hint.text`;
}

/** Catalog over a FileIO whose commit point is a put-if-absent per-version marker. */
export class FileCatalog implements Catalog {
  private readonly io: FileIO;
  readonly warehouse: string;
  /** Per table: the latest metadata file read or written by this catalog. */
  private readonly cache: MetadataCache;

  constructor(options: FileCatalogOptions) {
    this.io = options.io;
    this.cache = new MetadataCache(options.io);
    this.warehouse = options.warehouse.replace(/\/+$/, '');
  }

  defaultLocation(name: string): string {
    assertValidTableName(name);
    return `${this.warehouse}/${name}`;
  }

  async createTable(name: string, metadata: TableMetadata): Promise<TableHandle> {
    const location = this.defaultLocation(name);
    this.assertLocation(name, metadata);
    if ((await this.io.size(commitMarkerUri(location, 0))) !== undefined) throw new TableAlreadyExistsError(name);
    const metadataLocation = await this.swap(location, 0, metadata, () => new TableAlreadyExistsError(name));
    return { name, metadata, metadataLocation };
  }

  async loadTable(name: string): Promise<TableHandle> {
    const location = this.defaultLocation(name);
    const version = await this.currentVersion(location);
    if (version === undefined) throw new TableNotFoundError(name);
    const metadataLocation = await this.readMarker(location, version);
    if (metadataLocation === undefined) throw new TableNotFoundError(name);
    const metadata = await this.cache.load(name, metadataLocation);
    return { name, metadata, metadataLocation };
  }

  async commit(base: TableHandle, updated: TableMetadata): Promise<TableHandle> {
    const location = this.defaultLocation(base.name);
    this.assertLocation(base.name, updated);
    const version = parseMetadataVersion(base.metadataLocation) + 1;
    const conflict = (): CommitConflictError =>
      new CommitConflictError(
        `cannot commit ${base.name}: version ${formatMetadataVersion(version)} was committed by another writer since ${base.metadataLocation}`,
      );
    if ((await this.io.size(commitMarkerUri(location, version))) !== undefined) throw conflict();
    const current = await this.readMarker(location, version - 1);
    if (current !== base.metadataLocation) {
      throw new CommitConflictError(
        `cannot commit ${base.name}: base ${base.metadataLocation} is not version ${formatMetadataVersion(version - 1)} of the table (${current ?? 'missing'})`,
      );
    }
    const metadataLocation = await this.swap(location, version, updated, conflict);
    this.cache.remember(base.name, metadataLocation, updated);
    return { name: base.name, metadata: updated, metadataLocation };
  }

  async listTables(): Promise<string[]> {
    const prefix = `${this.warehouse}/`;
    if (this.io.listFolders) {
      // One folder per table; a folder is a table once its first version marker exists.
      const folders = (await this.io.listFolders(prefix)).filter((name) => TABLE_NAME.test(name));
      const exists = await Promise.all(folders.map((name) => this.tableExists(name)));
      return folders.filter((_, i) => exists[i]).sort();
    }
    // Without folder listing this walks every file of the warehouse; tables are rarely listed.
    const firstMarker = /^([a-z0-9_]{1,255})\/metadata\/commits\/00000\.txt$/;
    const names: string[] = [];
    for await (const file of this.io.list(prefix)) {
      if (!file.uri.startsWith(prefix)) continue;
      const match = firstMarker.exec(file.uri.slice(prefix.length));
      if (match) names.push(match[1]);
    }
    return names.sort();
  }

  async tableExists(name: string): Promise<boolean> {
    return (await this.io.size(commitMarkerUri(this.defaultLocation(name), 0))) !== undefined;
  }

  /** Table location is fixed by the name: metadata for another place would be unreachable. */
  private assertLocation(name: string, metadata: TableMetadata): void {
    const expected = this.defaultLocation(name);
    if (metadata.location.replace(/\/+$/, '') !== expected) {
      throw new Error(`table ${name}: metadata location ${metadata.location} must be ${expected} in this catalog`);
    }
  }

  /**
   * Write the metadata file, then claim marker `version` with put-if-absent (the commit point),
   * then refresh the hint. Returns the committed metadata URI.
   */
  private async swap(location: string, version: number, metadata: TableMetadata, lost: () => Error): Promise<string> {
    const metadataLocation = newMetadataFileUri(location, version);
    await this.io.write(metadataLocation, serializeTableMetadata(metadata));
    const marker = commitMarkerUri(location, version);
    let won: boolean;
    try {
      won = await this.io.writeIfAbsent(marker, metadataLocation);
    } catch (error) {
      // The put may have landed before the error: the marker's content says who owns the version.
      won = await this.resolveAmbiguousClaim(marker, metadataLocation, error);
    }
    if (!won) {
      await this.io.delete(metadataLocation);
      throw lost();
    }
    await this.writeHint(location, metadataLocation);
    return metadataLocation;
  }

  private async resolveAmbiguousClaim(marker: string, metadataLocation: string, cause: unknown): Promise<boolean> {
    try {
      const owner = await this.readIfPresent(marker);
      if (owner !== undefined) return owner === metadataLocation;
      // Nobody holds the marker, so claiming it again is safe; if that loses, the content tells
      // whether the first put landed late (ours) or another writer won.
      return (await this.io.writeIfAbsent(marker, metadataLocation)) || (await this.readIfPresent(marker)) === metadataLocation;
    } catch (error) {
      throw new CommitStateUnknownError(
        `commit of ${metadataLocation}: claiming ${marker} failed (${String(cause)}) and its state cannot be read (${String(error)})`,
        { cause },
      );
    }
  }

  private async writeHint(location: string, metadataLocation: string): Promise<void> {
    await this.io.write(versionHintUri(location), fileNameOf(metadataLocation).replace(/\.metadata\.json$/, ''));
  }

  /** Highest committed version: from the hint, probing forward; or by listing the markers. */
  private async currentVersion(location: string): Promise<number | undefined> {
    const hinted = await this.hintedVersion(location);
    if (hinted === undefined || (await this.io.size(commitMarkerUri(location, hinted))) === undefined) {
      return this.highestListedVersion(location);
    }
    let version = hinted;
    while ((await this.io.size(commitMarkerUri(location, version + 1))) !== undefined) version++;
    if (version !== hinted) await this.healHint(location, version);
    return version;
  }

  private async hintedVersion(location: string): Promise<number | undefined> {
    const text = await this.readIfPresent(versionHintUri(location));
    const match = text === undefined ? null : HINT_CONTENT.exec(text);
    return match ? Number(match[1]) : undefined;
  }

  private async highestListedVersion(location: string): Promise<number | undefined> {
    let highest: number | undefined;
    for await (const file of this.io.list(`${metadataDir(location)}/commits/`)) {
      const match = MARKER_NAME.exec(file.uri);
      if (match && (highest === undefined || Number(match[1]) > highest)) highest = Number(match[1]);
    }
    return highest;
  }

  /** Rewrite a stale hint so that hint-only readers (DuckDB) see the current version again. */
  private async healHint(location: string, version: number): Promise<void> {
    const metadataLocation = await this.readMarker(location, version);
    if (metadataLocation === undefined) return;
    try {
      await this.writeHint(location, metadataLocation);
    } catch {
      // Best effort by design: the hint is a cache, and loading must work with a read-only FileIO.
    }
  }

  private readMarker(location: string, version: number): Promise<string | undefined> {
    return this.readIfPresent(commitMarkerUri(location, version));
  }

  private async readIfPresent(uri: string): Promise<string | undefined> {
    try {
      return (await this.io.read(uri)).toString('utf8');
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }
}
