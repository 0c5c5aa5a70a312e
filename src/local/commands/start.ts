import type { Command } from 'commander';
import { runDemoIngest } from '../demo-run';
import { printLakeSummary, printTotals } from './summary';
import { out, withLake } from './support';

/** `meterlake start` */
export function registerStart(program: Command): void {
  program.command('start')
    .description('the main job: generate the demo data set (once), ingest it drop by drop, print a summary')
    .option('--once', 'run to completion and exit (the default when CI=true)')
    .option('--meters <n>', 'demo meters', (v) => Number(v))
    .option('--days <n>', 'demo days', (v) => Number(v))
    .option('--seed <n>', 'demo seed', (v) => Number(v))
    .action(async (opts, cmd: Command) => withLake(cmd, async (lake) => {
      const started = Date.now();
      out(`meterlake: lake at ${lake.dir}`);
      const totals = await runDemoIngest(lake, opts);
      out(`\n${totals.drops} demo drops; ${totals.alreadyIngested} were already in the lake`);
      printTotals(totals);
      await printLakeSummary(lake);
      out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try:`);
      out(`  npx meterlake query "SELECT source, count(*) AS readings FROM readings_history GROUP BY source"`);
      out('  npx meterlake history readings_history');
      out('  npx meterlake ingest my-readings.csv --source default');
      out('  npx meterlake sources');
    }));
}
