import type { Command } from 'commander';
import { openTable } from '../../catalog/open-table';
import { snapshotById } from '../../iceberg/table-metadata';
import { formatRows, type OutputFormat } from '../format-rows';
import { formatOption, out, withExistingLake } from './support';

/** `meterlake tags` */
export function registerTags(program: Command): void {
  program.command('tags')
    .description('list tags and branches of every table (daily-YYYY-MM-DD, settlement-YYYY-MM, …)')
    .option('--table <name>', 'only this table')
    .addOption(formatOption())
    .action(async (opts, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const rows = [];
      for (const name of opts.table ? [opts.table as string] : await lake.catalog.listTables()) {
        const m = await openTable(lake.catalog, name, lake.io).metadata();
        for (const [ref, r] of Object.entries(m.refs)) {
          if (ref === 'main') continue;
          const snap = snapshotById(m, r['snapshot-id']);
          rows.push({
            table: name, name: ref, type: r.type, snapshot_id: r['snapshot-id'].toString(),
            committed_at: snap ? new Date(snap['timestamp-ms']).toISOString() : '',
            max_age_days: r['max-ref-age-ms'] ? Math.round(r['max-ref-age-ms'] / 86_400_000) : '',
          });
        }
      }
      rows.sort((a, b) => a.table.localeCompare(b.table) || a.name.localeCompare(b.name));
      out(rows.length ? formatRows(rows, opts.format as OutputFormat) : 'no tags yet (run `meterlake snapshot`)');
    }));
}
