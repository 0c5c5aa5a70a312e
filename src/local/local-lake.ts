import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { FileCatalog } from '../catalog/file-catalog';
import { DuckDbSession } from '../engine/duckdb-session';
import { loadSourceProfiles, type SourceProfile } from '../formats/source-profiles';
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

/** Open (creating if needed) the lake in a local folder. */
export async function openLocalLake(dir: string, opts: LocalLakeOptions = {}): Promise<LocalLake> {
  const root = path.resolve(dir);
  const tempDir = path.join(root, '.tmp');
  await mkdir(tempDir, { recursive: true });
  const store = new LocalStore(root);
  const io = fileIOFor(store);
  const memoryLimit = opts.memoryLimit ?? process.env.METERLAKE_DUCKDB_MEMORY_LIMIT ?? DEFAULT_DUCKDB_MEMORY_LIMIT;
  const session = await DuckDbSession.create({
    threads: opts.threads,
    memoryLimit: memoryLimit === 'none' ? undefined : memoryLimit,
    // Where DuckDB spills: METERLAKE_DUCKDB_TEMP_DIR, else <lake>/.tmp/duckdb.
    tempDirectory: process.env.METERLAKE_DUCKDB_TEMP_DIR ?? path.join(tempDir, 'duckdb'),
  });
  let profiles: Map<string, SourceProfile> | undefined;
  return {
    dir: root, store, io, session, tempDir,
    catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }),
    // Read on first use: commands that ingest nothing (query, tables, …) skip checking them (their
    // time zones cost ~35 ms of a ~0.3 s `meterlake query`).
    get profiles() {
      return (profiles ??= loadSourceProfiles());
    },
    now: Date.now,
    close: () => session.close(),
  };
}
