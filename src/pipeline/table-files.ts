import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DuckDbSession } from '../engine/duckdb-session';
import { writeDataFilesWithMetrics } from '../engine/parquet-metrics';
import { createScanView } from '../engine/snapshot-view';
import { planFiles, resolveSnapshot, type PlanOptions } from '../iceberg/scan';
import type { IcebergTable } from '../iceberg/table';
import { currentSchema, defaultSpec } from '../iceberg/table-metadata';
import type { DataFile, Snapshot, TableMetadata } from '../iceberg/types';
import type { ObjectStore } from '../storage/object-store';

export interface WriteRowsOptions {
  /** Rows to write: a SELECT or a table name with the table's columns. */
  sourceSql: string;
  targetFileSizeBytes?: number;
  sortBy?: string[];
  rowGroupSize?: number;
  /** All rows belong to one partition (see WriteDataFilesOptions.expectSinglePartition). */
  expectSinglePartition?: boolean;
  /** String columns given as one-value ENUMs (see WriteDataFilesOptions.enumConstants). */
  enumConstants?: string[];
}

/** The store key of an absolute URI under the store. */
export function keyOf(store: ObjectStore, uri: string): string {
  if (!uri.startsWith(`${store.url}/`)) throw new Error(`${uri} is not inside the store at ${store.url}`);
  return uri.slice(store.url.length + 1);
}

/** A file written on local disk for a table, with its Iceberg description (`file_path` is its URI in the table). */
export interface LocallyWrittenFile {
  localPath: string;
  dataFile: DataFile;
}

/**
 * Run `write` with a local folder that stands for the table's data/ folder and `uriOf`, which
 * maps a local path under it to the file's URI in the table. On a folder store the folder IS the
 * table's data/ folder, so files are written in place; on S3 it is local temp space, and each
 * file written is uploaded (and the temp space removed) before the descriptions are returned.
 */
export async function writeIntoDataFolder(
  store: ObjectStore, table: TableMetadata,
  write: (outputDir: string, uriOf: (localPath: string) => string) => Promise<LocallyWrittenFile[]>,
): Promise<DataFile[]> {
  const dataUri = `${table.location}/data`;
  const inPlace = store.localPath(keyOf(store, dataUri));
  const outputDir = inPlace ?? (await mkdtemp(path.join(tmpdir(), 'meterlake-write-')));
  const uriOf = (localPath: string) =>
    inPlace ? pathToFileURL(localPath).href : `${dataUri}/${path.relative(outputDir, localPath).split(path.sep).join('/')}`;
  try {
    const written = await write(outputDir, uriOf);
    if (!inPlace) {
      await Promise.all(written.map((w) => store.putFile(keyOf(store, w.dataFile.file_path), w.localPath)));
    }
    return written.map((w) => w.dataFile);
  } finally {
    if (!inPlace) await rm(outputDir, { recursive: true, force: true });
  }
}

/**
 * Write rows as Parquet data files of a table (field ids, zstd, partitioned by its spec) and
 * describe them as Iceberg DataFiles, written in place or uploaded (see writeIntoDataFolder).
 */
export async function writeRowsAsDataFiles(
  session: DuckDbSession, store: ObjectStore, table: TableMetadata, opts: WriteRowsOptions,
): Promise<DataFile[]> {
  return writeIntoDataFolder(store, table, (outputDir, uriOf) => writeDataFilesWithMetrics(session, {
    sourceSql: opts.sourceSql, schema: currentSchema(table), spec: defaultSpec(table), outputDir,
    targetFileSizeBytes: opts.targetFileSizeBytes, sortBy: opts.sortBy, rowGroupSize: opts.rowGroupSize,
    expectSinglePartition: opts.expectSinglePartition, enumConstants: opts.enumConstants,
  }, uriOf));
}

/** Maps file URIs to local paths DuckDB can read: in place on a folder store, else downloaded once. */
export function localPathResolver(store: ObjectStore, cacheDir: string): (uri: string) => Promise<string> {
  const downloads = new Map<string, Promise<string>>();
  return async (uri) => {
    const key = keyOf(store, uri);
    const inPlace = store.localPath(key);
    if (inPlace) return inPlace;
    let pending = downloads.get(key);
    if (!pending) {
      const target = path.join(cacheDir, key.replaceAll('/', '__'));
      pending = store.getToFile(key, target).then(() => target);
      downloads.set(key, pending);
    }
    return pending;
  };
}

/**
 * Register a DuckDB view over exactly one version of a table (deletes applied, columns by
 * field id), so any query can read any snapshot. Returns the snapshot read (undefined: empty table).
 */
export async function registerTableView(
  session: DuckDbSession, store: ObjectStore, table: IcebergTable, viewName: string, plan: PlanOptions = {},
): Promise<Snapshot | undefined> {
  const metadata = await table.metadata();
  const snapshot = resolveSnapshot(metadata, plan.snapshot);
  const tasks = snapshot ? await planFiles(table.io, metadata, plan) : [];
  const cacheDir = path.join(tmpdir(), 'meterlake-cache');
  await createScanView(session, viewName, currentSchema(metadata), tasks, localPathResolver(store, cacheDir));
  return snapshot;
}
