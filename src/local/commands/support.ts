import { Option, type Command } from 'commander';
import { OUTPUT_FORMATS } from '../format-rows';
import { assertIsLake, openLocalLake, type LocalLake } from '../local-lake';

/** Print one line of command output. */
export const out = (line = '') => process.stdout.write(`${line}\n`);

/** The `--format` option of commands that print rows. */
export const formatOption = () => new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table');

/** Run a command body with the lake named by the global --lake option (created if needed), closing it afterwards. */
export async function withLake<T>(cmd: Command, fn: (lake: LocalLake) => Promise<T>): Promise<T> {
  const lake = await openLocalLake(cmd.optsWithGlobals().lake as string);
  try {
    return await fn(lake);
  } finally {
    lake.close();
  }
}

/** As withLake, for commands that read or change an existing lake: a folder that is not a lake is an error. */
export async function withExistingLake<T>(cmd: Command, fn: (lake: LocalLake) => Promise<T>): Promise<T> {
  await assertIsLake(cmd.optsWithGlobals().lake as string);
  return withLake(cmd, fn);
}
