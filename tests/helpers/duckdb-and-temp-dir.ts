import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbSession } from '../../src/engine/duckdb-session';

/**
 * Registers the hooks most integration tests start with: one DuckDB session (2 threads) and one
 * temp folder for the enclosing file or describe block — or a fresh folder per test with
 * `dirPerTest` — closed and removed afterwards. Read the fields inside hooks and tests.
 */
export function useDuckDbAndTempDir(prefix: string, options: { dirPerTest?: boolean } = {}): { readonly session: DuckDbSession; readonly dir: string } {
  let session: DuckDbSession | undefined;
  let dir: string | undefined;
  const newDir = async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  };
  const removeDir = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  beforeAll(async () => {
    session = await DuckDbSession.create({ threads: 2 });
    if (!options.dirPerTest) await newDir();
  });
  afterAll(async () => {
    session?.close();
    if (!options.dirPerTest) await removeDir();
  });
  if (options.dirPerTest) {
    beforeEach(newDir);
    afterEach(removeDir);
  }
  return {
    get session() {
      if (!session) throw new Error('the DuckDB session exists only inside hooks and tests');
      return session;
    },
    get dir() {
      if (!dir) throw new Error('the temp folder exists only inside hooks and tests');
      return dir;
    },
  };
}
