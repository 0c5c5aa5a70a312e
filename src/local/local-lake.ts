import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FileCatalog } from '../catalog/file-catalog';
import { DuckDbSession } from '../engine/duckdb-session';
import { loadSourceProfiles } from '../formats/source-profiles';
import type { LakePorts } from '../pipeline/ports';
import { fileIOFor } from '../storage/file-io';
import { LocalStore } from '../storage/local-store';

/** The embedded defaults: a folder as the lake (landing/, quarantine/, warehouse/) and DuckDB. */
export interface LocalLake extends LakePorts {
  dir: string;
  close(): void;
}

export const LOCAL_BUCKET = 'local';

/**
 * DuckDB's memory limit when none is given: bounded, so a large file spills to the temp directory
 * instead of growing with the file (a Lambda has a fixed memory size). Override with the option or
 * the METERLAKE_DUCKDB_MEMORY_LIMIT environment variable; 'none' keeps DuckDB's default (80% of RAM).
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = '1GB';

export interface LocalLakeOptions {
  threads?: number;
  /** e.g. '1GB'; 'none' = DuckDB's default. @default METERLAKE_DUCKDB_MEMORY_LIMIT, else DEFAULT_DUCKDB_MEMORY_LIMIT */
  memoryLimit?: string;
}

/** The catalog's folder: a folder holding it is a lake (openLocalLake makes it, so every lake has it). */
export const WAREHOUSE_DIR = 'warehouse';

/** `--lake` names a folder that is not a lake (a typo must not create and query an empty one). */
export class NotALakeError extends Error {
  override readonly name = 'NotALakeError';
}

/** Throws NotALakeError unless `dir` holds a lake (its warehouse/ folder). */
export async function assertIsLake(dir: string): Promise<void> {
  const root = path.resolve(dir);
  const isLake = await stat(path.join(root, WAREHOUSE_DIR)).then((s) => s.isDirectory(), () => false);
  if (!isLake) {
    throw new NotALakeError(`${root} is not a lake (it has no ${WAREHOUSE_DIR}/ folder): check --lake, or make one with \`meterlake start\` or \`meterlake ingest\``);
  }
}

/** Open (creating if needed) the lake in a local folder. */
export async function openLocalLake(dir: string, opts: LocalLakeOptions = {}): Promise<LocalLake> {
  const root = path.resolve(dir);
  const tempDir = path.join(root, '.tmp');
  await mkdir(tempDir, { recursive: true });
  await mkdir(path.join(root, WAREHOUSE_DIR), { recursive: true });
  const store = new LocalStore(root);
  const io = fileIOFor(store);
  const memoryLimit = opts.memoryLimit ?? process.env.METERLAKE_DUCKDB_MEMORY_LIMIT ?? DEFAULT_DUCKDB_MEMORY_LIMIT;
  const session = await DuckDbSession.create({
    threads: opts.threads,
    memoryLimit: memoryLimit === 'none' ? undefined : memoryLimit,
    // Where DuckDB spills: METERLAKE_DUCKDB_TEMP_DIR, else <lake>/.tmp/duckdb.
    tempDirectory: process.env.METERLAKE_DUCKDB_TEMP_DIR ?? path.join(tempDir, 'duckdb'),
  });
  return {
    dir: root, store, io, session, tempDir,
    catalog: new FileCatalog({ io, warehouse: `${store.url}/${WAREHOUSE_DIR}` }),
    profiles: loadSourceProfiles(),
    now: Date.now,
    close: () => session.close(),
  };
}
