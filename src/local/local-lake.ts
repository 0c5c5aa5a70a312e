import { mkdir } from 'node:fs/promises';
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

/** Open (creating if needed) the lake in a local folder. */
export async function openLocalLake(dir: string, opts: { sourcesPath?: string; threads?: number; memoryLimit?: string } = {}): Promise<LocalLake> {
  const root = path.resolve(dir);
  const tempDir = path.join(root, '.tmp');
  await mkdir(tempDir, { recursive: true });
  const store = new LocalStore(root);
  const io = fileIOFor(store);
  const session = await DuckDbSession.create({ threads: opts.threads, memoryLimit: opts.memoryLimit, tempDirectory: path.join(tempDir, 'duckdb') });
  return {
    dir: root, store, io, session, tempDir,
    catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }),
    profiles: loadSourceProfiles(opts.sourcesPath),
    now: Date.now,
    close: () => session.close(),
  };
}
