import { Command, CommanderError, Option } from 'commander';
import { registerAthenaDdl } from './local/commands/athena-ddl';
import { registerAudit } from './local/commands/audit';
import { registerDrLoad } from './local/commands/dr-load';
import { registerFeatures } from './local/commands/features';
import { registerForecast } from './local/commands/forecast';
import { registerGenerate } from './local/commands/generate';
import { registerHistory } from './local/commands/history';
import { registerIngest } from './local/commands/ingest';
import { registerMaintain } from './local/commands/maintain';
import { registerQuery } from './local/commands/query';
import { registerSettle } from './local/commands/settle';
import { registerServe } from './local/commands/serve';
import { registerSnapshot } from './local/commands/snapshot';
import { registerSources } from './local/commands/sources';
import { registerStart } from './local/commands/start';
import { registerStream } from './local/commands/stream';
import { registerTables } from './local/commands/tables';
import { registerTags } from './local/commands/tags';
import { ExitCode, reportedExitCode } from './local/exit-codes';

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed (the error is printed)
  2  usage error: unknown command, option or value; refused before any work
  3  done, but some files were quarantined (ingest)`;

/** The `meterlake` command: each subcommand lives in src/local/commands/<name>.ts. */
export function buildCli(): Command {
  const program = new Command('meterlake')
    .description('Serverless lakehouse for electricity meter data (local runtime: a folder as the lake, DuckDB as the engine)')
    .addOption(new Option('--lake <dir>', 'local lake folder').default('./.meterlake'))
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP)
    // Commander errors are thrown to main (which maps them to exit codes), never process.exit.
    // Set before the subcommands are added, which inherit it.
    .exitOverride();
  for (const register of [registerStart, registerGenerate, registerIngest, registerSources, registerTables, registerHistory, registerTags, registerSnapshot, registerStream, registerMaintain, registerQuery, registerAthenaDdl, registerSettle, registerAudit, registerDrLoad, registerFeatures, registerForecast, registerServe]) {
    register(program);
  }
  return program;
}

/** One line for a failure; the stack too when METERLAKE_DEBUG is set. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  return process.env.METERLAKE_DEBUG ? `error: ${error.stack ?? error.message}` : `error: ${error.message}`;
}

/**
 * Entry point of the `meterlake` command: runs it and resolves to its exit code (ExitCode).
 * Commander has already printed its own usage errors; other failures are printed here.
 */
export async function main(argv: string[]): Promise<ExitCode> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
    return reportedExitCode(program);
  } catch (error) {
    // Help and version end in a CommanderError with exit code 0; every other one is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.DONE : ExitCode.USAGE;
    process.stderr.write(`${describeFailure(error)}\n`);
    return ExitCode.FAILED;
  }
}
