import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';

/**
 * A fresh local lake (openLocalLake in a temp folder) for every test of the file: `use` receives
 * it before each test; after each test the lake `current()` returns is closed and its folder removed.
 */
export function freshLocalLakePerTest(use: (lake: LocalLake) => void, current: () => LocalLake, prefix = 'meterlake-test-'): void {
  beforeEach(async () => {
    use(await openLocalLake(await mkdtemp(path.join(tmpdir(), prefix))));
  });
  afterEach(async () => {
    const lake = current();
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });
}
