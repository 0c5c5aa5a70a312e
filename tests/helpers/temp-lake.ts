import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileCatalog } from '../../src/catalog/file-catalog';
import { DuckDbSession } from '../../src/engine/duckdb-session';
import type { FileIO } from '../../src/iceberg/file-io';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import type { ObjectStore } from '../../src/storage/object-store';

export interface TempLake {
  dir: string;
  store: ObjectStore;
  io: FileIO;
  catalog: FileCatalog;
  session: DuckDbSession;
  close(): Promise<void>;
}

/** A lake in a fresh temp folder: LocalStore, FileCatalog under warehouse/, a DuckDB session. */
export async function createTempLake(store?: ObjectStore): Promise<TempLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-test-'));
  const s = store ?? new LocalStore(dir);
  const io = fileIOFor(s);
  const catalog = new FileCatalog({ io, warehouse: `${s.url}/warehouse` });
  const session = await DuckDbSession.create({ threads: 2 });
  return {
    dir, store: s, io, catalog, session,
    async close() {
      session.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
