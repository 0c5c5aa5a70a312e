import { Command, Option } from 'commander';
import { registerAthenaDdl } from './local/commands/athena-ddl';
import { registerGenerate } from './local/commands/generate';
import { registerHistory } from './local/commands/history';
import { registerIngest } from './local/commands/ingest';
import { registerMaintain } from './local/commands/maintain';
import { registerQuery } from './local/commands/query';
import { registerSnapshot } from './local/commands/snapshot';
import { registerSources } from './local/commands/sources';
import { registerStart } from './local/commands/start';
import { registerTables } from './local/commands/tables';
import { registerTags } from './local/commands/tags';

/** The `meterlake` command: each subcommand lives in src/local/commands/<name>.ts. */
export function buildCli(): Command {
  const program = new Command('meterlake')
    .description('Serverless lakehouse for electricity meter data (local runtime: a folder as the lake, DuckDB as the engine)')
    .addOption(new Option('--lake <dir>', 'local lake folder').default('./.meterlake'))
    .showHelpAfterError();
  for (const register of [registerStart, registerGenerate, registerIngest, registerSources, registerTables, registerHistory, registerTags, registerSnapshot, registerMaintain, registerQuery, registerAthenaDdl]) {
    register(program);
  }
  return program;
}

/** Entry point of the `meterlake` command. */
export async function main(argv: string[]): Promise<void> {
  await buildCli().parseAsync(argv);
}
