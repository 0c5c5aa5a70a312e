import * as path from 'node:path';
import type { Command } from 'commander';
import { DemoOptionsError, generateDemo, resolveDemoOptions } from '../../demo';
import { demoSensorStream } from '../demo-stream';
import { usageError } from '../exit-codes';
import { integerAtLeast } from '../option-parsers';
import { progress } from '../progress';
import { out } from './support';

/** Demo sizes that do not fit together (e.g. fewer days than the recent days) are a usage error, before any work. */
export function checkDemoOptions(_program: Command, cmd: Command): void {
  const { meters, days, seed } = cmd.opts();
  try {
    resolveDemoOptions({ meters, days, seed });
  } catch (error) {
    if (error instanceof DemoOptionsError) usageError(cmd, error.message);
    throw error;
  }
}

/** `meterlake generate` */
export function registerGenerate(program: Command): void {
  program.command('generate')
    .description('write the deterministic demo data set into <lake>/landing (does not ingest)')
    .option('--meters <n>', 'number of meters', integerAtLeast(1), 2000)
    .option('--days <n>', 'number of days', integerAtLeast(1), 60)
    .option('--seed <n>', 'random seed', integerAtLeast(0), 42)
    .hook('preAction', checkDemoOptions)
    .action(async (opts, cmd: Command) => {
      const lakeDir = path.resolve(cmd.optsWithGlobals().lake as string);
      const bar = progress('generating', 1);
      const result = await generateDemo({ lakeDir, meters: opts.meters, days: opts.days, seed: opts.seed, onProgress: (d, t) => bar.update(d, t) });
      bar.stop();
      const stream = await demoSensorStream(lakeDir, opts);
      out(`${result.stats.files} files, ${result.stats.readingVersions} reading versions (${result.stats.corrections} corrections, ${result.stats.badRows} bad rows, ${result.stats.badFiles} bad files) under ${lakeDir}/landing`);
      out(`sensor stream: ${stream.lines.length} messages (${stream.readings} readings, ${stream.late} late, ${stream.duplicated} sent twice, ${stream.resets} counter reset, ${stream.bad} malformed) in ${stream.file}`);
    });
}
