import type { Command } from 'commander';

/** Exit codes of the `meterlake` command (README "Operate"). */
export const ExitCode = {
  /** The command did what was asked. */
  DONE: 0,
  /** The command failed; its error is printed. */
  FAILED: 1,
  /** The command line is wrong (unknown command, option or value): refused before any work. */
  USAGE: 2,
  /** Done, but some files were quarantined (listed in the summary and in ingest_log). */
  DONE_WITH_QUARANTINE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const reported = new WeakMap<Command, ExitCode>();

function rootOf(cmd: Command): Command {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root;
}

/** Record an outcome other than DONE for the command line `cmd` belongs to. */
export function reportExitCode(cmd: Command, code: ExitCode): void {
  reported.set(rootOf(cmd), code);
}

/** The outcome a command reported (DONE when it reported none). */
export function reportedExitCode(program: Command): ExitCode {
  return reported.get(rootOf(program)) ?? ExitCode.DONE;
}

/** Refuse the command line with a usage error (exit 2), printed as commander prints its own. */
export function usageError(cmd: Command, message: string): never {
  cmd.error(message, { exitCode: ExitCode.USAGE, code: 'meterlake.usage' });
}
