import { readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Remove the files in `dir` whose names start with `prefix` and that were last written more than
 * `olderThanMs` before `now`: scratch files a killed process left behind (a timed-out Lambda's
 * /tmp lives on; kill -9 runs no cleanup). The age keeps files of running processes.
 */
export async function removeStaleTempFiles(dir: string, prefix: string, olderThanMs: number, now: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > olderThanMs) await rm(file, { force: true });
  }
}
