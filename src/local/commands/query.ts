import { Option, type Command } from 'commander';
import { registerKnownAtView } from '../../pipeline/known-at';
import { formatRows, type OutputFormat } from '../format-rows';
import { parseSnapshotSelector } from '../snapshot-arg';
import { registerAllTables } from '../tables-view';
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
      await registerAllTables(lake, opts.asOf ? parseSnapshotSelector(opts.asOf) : undefined);
      if (opts.knownAt) {
        const selector = parseSnapshotSelector(opts.knownAt);
        if (!('asOfMs' in selector)) throw new Error(`--known-at needs an ISO time, got '${opts.knownAt}'`);
        await registerKnownAtView(lake, 'meter_readings', selector.asOfMs);
      }
      out(formatRows(await lake.session.all(sql), opts.format as OutputFormat));
    }));
}
