import type { Command } from 'commander';
import { runDailySnapshot } from '../../pipeline/snapshot';
import { runDemoIngest } from '../demo-run';
import { dailyHooks } from '../../pipeline/daily-hooks';
import { openTable } from '../../catalog/open-table';
import { integerAtLeast } from '../option-parsers';
import { checkDemoOptions } from './generate';
import { dailyTags, dailyTagsLine, printGoldSamples, printLakeSummary, printTotals } from './summary';
import { portOption, serveUntilStopped } from './serve';
import { out, withLake } from './support';

/** `meterlake start` */
export function registerStart(program: Command): void {
  program.command('start')
    .description('the main job: generate the demo data set (once), ingest it drop by drop, run the daily snapshot after each day, print a summary')
    .option('--once', 'run to completion and exit (also when CI=true); without it the dashboard is served afterwards and dropped files are ingested')
    .option(...portOption)
    .option('--meters <n>', 'demo meters', integerAtLeast(1))
    .option('--days <n>', 'demo days', integerAtLeast(1))
    .option('--seed <n>', 'demo seed', integerAtLeast(0))
    .hook('preAction', checkDemoOptions)
    .action(async (opts, cmd: Command) => withLake(cmd, async (lake) => {
      const started = Date.now();
      out(`meterlake: lake at ${lake.dir}`);
      const totals = await runDemoIngest(lake, {
        ...opts,
        // The daily run after each demo day, as the schedule would trigger it. Catching up two months
        // at once, the full-table hooks (gold tables) run after the last day only; the data
        // quality summary, which touches only the changed days, runs every day.
        afterDay: async (day, last) => {
          const hooks = last ? dailyHooks() : dailyHooks().filter((h) => h.name === 'data_quality');
          await runDailySnapshot(lake, { runDate: day, hooks });
        },
      });
      out(`\n${totals.drops} demo drops; ${totals.alreadyIngested} were already in the lake`);
      printTotals(totals);
      // The tags the table holds, not the runs made: a run before the first reading tags nothing.
      const tags = (await lake.catalog.tableExists('meter_readings')) ? dailyTags(await openTable(lake.catalog, 'meter_readings', lake.io).metadata()) : [];
      out(dailyTagsLine(tags));
      await printLakeSummary(lake);
      await printGoldSamples(lake);
      out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try:`);
      out(`  npx meterlake query "SELECT source, count(*) AS readings FROM readings_history GROUP BY source"`);
      out('  npx meterlake history meter_readings');
      out('  npx meterlake tags --table meter_readings');
      if (tags.length) out(`  npx meterlake query "SELECT count(*) FROM meter_readings" --as-of ${tags[Math.floor(tags.length / 2)]}`);
      out('  npx meterlake ingest my-readings.csv --source default');
      out('  npx meterlake sources');
      // CI and --once end here; otherwise the lake stays open for the dashboard and new drops.
      if (!opts.once && !process.env.CI) await serveUntilStopped(lake, { port: opts.port, watch: true });
    }));
}
