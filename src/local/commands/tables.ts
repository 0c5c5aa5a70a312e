import type { Command } from 'commander';
import { printLakeSummary } from './summary';
import { withExistingLake } from './support';

/** `meterlake tables` */
export function registerTables(program: Command): void {
  program.command('tables')
    .description('list the tables with their current row counts')
    .action(async (_opts, cmd: Command) => withExistingLake(cmd, printLakeSummary));
}
