import { Option, type Command } from 'commander';
import type { SnapshotSelector } from '../../iceberg/scan';
import { usageError } from '../exit-codes';
import { formatRows, type OutputFormat } from '../format-rows';
import { isoTime, snapshotSelector } from '../option-parsers';
import { queryLakeWithTypes } from '../query-lake';
import { formatOption, out, withExistingLake } from './support';

/** `meterlake query` */
export function registerQuery(program: Command): void {
  program.command('query')
    .description('run SQL over the tables (each table is a view of the same name)')
    .argument('<sql>')
    .option('--as-of <tag|snapshot-id|time>',
      'read every table at one version (time travel): a tag (daily-YYYY-MM-DD: the daily run of that date, data through that day), ' +
      'a snapshot id, or an ISO time (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM], UTC without a zone), meaning the latest snapshot COMMITTED at or before it. ' +
      'An unknown tag or id, or a time before the first snapshot, is an error', snapshotSelector)
    // known-at rebuilds meter_readings from the current readings_history: it has no --as-of version.
    .addOption(new Option('--known-at <time>', 'meter_readings as known at an ISO time: latest versions received by then, rebuilt from readings_history')
      .argParser(isoTime).conflicts('asOf'))
    .addOption(formatOption())
    .action(async (sql: string, opts: { asOf?: SnapshotSelector; knownAt?: number; format: OutputFormat }, cmd: Command) => {
      if (!sql.trim()) usageError(cmd, 'error: the SQL statement is empty');
      return withExistingLake(cmd, async (lake) => {
        const { rows, types } = await queryLakeWithTypes(lake, sql, { asOf: opts.asOf, knownAtMs: opts.knownAt });
        out(formatRows(rows, opts.format, Object.keys(types), types));
      });
    });
}
