import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
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
  store: LocalStore;
  /** How landed objects get their version (README "Local version id"). */
  landingVersions: LandingVersionScheme;
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

/**
 * A spill folder of this process's own: DuckDB names its spill files the same in every process,
 * so processes working on one lake at once (concurrent ingests) must not share one. Folders of
 * processes that no longer run (killed before they could clean up) are removed.
 */
async function ownSpillDir(parent: string): Promise<string> {
  // Only folders named like ours are ever removed: the parent may be a folder the user shares.
  await mkdir(parent, { recursive: true });
  for (const entry of await readdir(parent)) {
    const pid = Number(SPILL_DIR_NAME.exec(entry)?.[1]);
    if (pid && !isRunning(pid)) await rm(path.join(parent, entry), { recursive: true, force: true });
  }
  return path.join(parent, `meterlake-spill-${process.pid}-${randomUUID().slice(0, 8)}`);
}

const SPILL_DIR_NAME = /^meterlake-spill-(\d+)-[0-9a-f]{8}$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How the local runtime names the version of a landed object, in batch ids: 'sha256' — the SHA-256
 * of its bytes as the version id; 'md5-etag' — the MD5 as the ETag, what lakes written before
 * version ids used. A lake keeps its scheme for life (recorded in LAKE_FORMAT_FILE): a new scheme
 * would give every object it already ingested a new batch id, and a re-ingest would double it.
 */
export type LandingVersionScheme = 'sha256' | 'md5-etag';
const LAKE_FORMAT_FILE = '.meterlake-lake.json';

async function landingVersionScheme(root: string, store: LocalStore): Promise<LandingVersionScheme> {
  const recorded = async () => (JSON.parse((await store.get(LAKE_FORMAT_FILE)).toString('utf8')) as { landingVersions: LandingVersionScheme }).landingVersions;
  if (existsSync(path.join(root, LAKE_FORMAT_FILE))) return recorded();
  // A lake that ingested before the scheme was recorded used MD5 ETags.
  const scheme: LandingVersionScheme = existsSync(path.join(root, WAREHOUSE_DIR, 'ingest_log')) ? 'md5-etag' : 'sha256';
  // Put-if-absent of a complete file: a process opening the lake at the same moment, or a killed
  // one, never leaves or reads a half-written record; whoever wrote it first decided.
  return (await store.putIfAbsent(LAKE_FORMAT_FILE, `${JSON.stringify({ landingVersions: scheme })}\n`)) ? scheme : recorded();
}

/** Open (creating if needed) the lake in a local folder. */
export async function openLocalLake(dir: string, opts: LocalLakeOptions = {}): Promise<LocalLake> {
  const root = path.resolve(dir);
  const tempDir = path.join(root, '.tmp');
  await mkdir(tempDir, { recursive: true });
  const store = new LocalStore(root);
  const landingVersions = await landingVersionScheme(root, store);
  await mkdir(path.join(root, WAREHOUSE_DIR), { recursive: true });
  const io = fileIOFor(store);
  const spillDir = await ownSpillDir(process.env.METERLAKE_DUCKDB_TEMP_DIR ?? path.join(tempDir, 'duckdb'));
  const memoryLimit = opts.memoryLimit ?? process.env.METERLAKE_DUCKDB_MEMORY_LIMIT ?? DEFAULT_DUCKDB_MEMORY_LIMIT;
  const session = await DuckDbSession.create({
    threads: opts.threads,
    memoryLimit: memoryLimit === 'none' ? undefined : memoryLimit,
    // Where DuckDB spills: a folder of this process's own under METERLAKE_DUCKDB_TEMP_DIR, else <lake>/.tmp/duckdb.
    tempDirectory: spillDir,
  });
  let profiles: Map<string, SourceProfile> | undefined;
  return {
    dir: root, store, io, session, tempDir, landingVersions,
    catalog: new FileCatalog({ io, warehouse: `${store.url}/${WAREHOUSE_DIR}` }),
    // Read on first use: commands that ingest nothing (query, tables, …) skip checking them (their
    // time zones cost ~35 ms of a ~0.3 s `meterlake query`).
    get profiles() {
      return (profiles ??= loadSourceProfiles());
    },
    now: Date.now,
    close: () => {
      session.close();
      rmSync(spillDir, { recursive: true, force: true });
    },
  };
}
