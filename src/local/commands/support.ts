import type { Command } from 'commander';
import { openLocalLake, type LocalLake } from '../local-lake';

/** Print one line of command output. */
export const out = (line = '') => process.stdout.write(`${line}\n`);

/** Run a command body with the lake named by the global --lake option, closing it afterwards. */
export async function withLake<T>(cmd: Command, fn: (lake: LocalLake) => Promise<T>): Promise<T> {
  const lake = await openLocalLake(cmd.optsWithGlobals().lake as string);
  try {
    return await fn(lake);
  } finally {
    lake.close();
  }
}
