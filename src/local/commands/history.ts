import type { Command } from 'commander';
import { formatRows, type OutputFormat } from '../format-rows';
import { requireTable } from '../tables-view';
import { formatOption, out, withExistingLake } from './support';

/** `meterlake history` */
export function registerHistory(program: Command): void {
  program.command('history')
    .description('snapshots of a table: operations, summaries, tags')
    .argument('<table>')
    .addOption(formatOption())
    .action(async (name: string, opts, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const m = await (await requireTable(lake, name)).metadata();
      const tags = new Map<bigint, string[]>();
      for (const [ref, r] of Object.entries(m.refs)) tags.set(r['snapshot-id'], [...(tags.get(r['snapshot-id']) ?? []), ref]);
      const rows = m.snapshots.map((s) => ({
        snapshot_id: s['snapshot-id'].toString(),
        committed_at: new Date(s['timestamp-ms']).toISOString(),
        operation: s.summary.operation,
        added_records: s.summary['added-records'] ?? '0',
        deleted_records: s.summary['deleted-records'] ?? '0',
        total_records: s.summary['total-records'],
        refs: (tags.get(s['snapshot-id']) ?? []).join(' '),
      }));
      out(formatRows(rows, opts.format as OutputFormat));
    }));
}
