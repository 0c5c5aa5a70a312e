import { Option, type Command } from 'commander';
import { formatRows, type OutputFormat } from '../format-rows';
import { queryLake } from '../query-lake';
import { out, withLake } from './support';

/** `meterlake query` */
export function registerQuery(program: Command): void {
  program.command('query')
    .description('run SQL over the tables (each table is a view of the same name)')
    .argument('<sql>')
    .option('--as-of <tag|snapshot-id|time>', 'read tables at a tag, snapshot id or ISO time (time travel)')
    .option('--known-at <time>', 'meter_readings as known at an ISO time: latest versions received by then, rebuilt from readings_history')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (sql: string, opts, cmd: Command) => withLake(cmd, async (lake) => {
      out(formatRows(await queryLake(lake, sql, { asOf: opts.asOf, knownAt: opts.knownAt }), opts.format as OutputFormat));
    }));
}
