import type { Command } from 'commander';
import { formatRows } from '../format-rows';
import { out, withLake } from './support';

/** `meterlake sources` */
export function registerSources(program: Command): void {
  program.command('sources')
    .description('list the source profiles (config/sources.json)')
    .action(async (_opts, cmd: Command) => withLake(cmd, async (lake) => {
      const rows = [...lake.profiles.values()].map((p) => ({ name: p.name, format: p.format, reference: p.referenceFormat ?? '', description: p.description ?? '' }));
      out(formatRows(rows, 'table'));
    }));
}
