import type { Command } from 'commander';
import { loadSourceProfiles } from '../../formats/source-profiles';
import { formatRows } from '../format-rows';
import { out } from './support';

/** `meterlake sources` (reads config/sources.json; needs no lake) */
export function registerSources(program: Command): void {
  program.command('sources')
    .description('list the source profiles (config/sources.json)')
    .action(() => {
      const rows = [...loadSourceProfiles().values()].map((p) => ({ name: p.name, format: p.format, reference: p.referenceFormat ?? '', description: p.description ?? '' }));
      out(formatRows(rows, 'table'));
    });
}
