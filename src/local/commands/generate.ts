import * as path from 'node:path';
import type { Command } from 'commander';
import { generateDemo } from '../../demo';
import { progress } from '../progress';
import { out } from './support';

/** `meterlake generate` */
export function registerGenerate(program: Command): void {
  program.command('generate')
    .description('write the deterministic demo data set into <lake>/landing (does not ingest)')
    .option('--meters <n>', 'number of meters', (v) => Number(v), 2000)
    .option('--days <n>', 'number of days', (v) => Number(v), 60)
    .option('--seed <n>', 'random seed', (v) => Number(v), 42)
    .action(async (opts, cmd: Command) => {
      const lakeDir = path.resolve(cmd.optsWithGlobals().lake as string);
      const bar = progress('generating', 1);
      const result = await generateDemo({ lakeDir, meters: opts.meters, days: opts.days, seed: opts.seed, onProgress: (d, t) => bar.update(d, t) });
      bar.stop();
      out(`${result.stats.files} files, ${result.stats.readingVersions} reading versions (${result.stats.corrections} corrections, ${result.stats.badRows} bad rows, ${result.stats.badFiles} bad files) under ${lakeDir}/landing`);
    });
}
