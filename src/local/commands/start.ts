import type { Command } from 'commander';
import { runDailySnapshot } from '../../pipeline/snapshot';
import { runDemoIngest } from '../demo-run';
import { loadDemoDrReference } from '../demo-dr';
import { dailyHooks } from '../../pipeline/daily-hooks';
import { openTable } from '../../catalog/open-table';
import { integerAtLeast } from '../option-parsers';
import { checkDemoOptions } from './generate';
import { dailyTags, dailyTagsLine, printGoldSamples, printLakeSummary, printTotals } from './summary';
import { printForecastSample } from './forecast';
import { portOption, serveUntilStopped } from './serve';
import { out, withLake } from './support';
import { deviceEnergyRepairHook } from '../../pipeline/stream/repair';
import { ensureDemoSensorStream } from '../demo-stream';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeStream, streamLines } from './stream';

/**
 * The hooks the demo runs after every day, not only after the last. The demand forecast is not one:
 * each issue rebuilds its features from the whole history known at its time, so forty-six daily
 * issues made the default demo about ten times slower; the demo issues one, after the last day.
 */
const EVERY_DAY_HOOKS = ['data_quality'];

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
      let lastDay: string | undefined;
      await loadDemoDrReference(lake, opts);
      const totals = await runDemoIngest(lake, {
        ...opts,
        // The daily run after each demo day, as the schedule would trigger it. Catching up two months
        // at once, the full-history hooks (gold tables, demand forecast) run after the last day only;
        // the data quality summary, which touches only the changed days, runs every day.
        afterDay: async (day, last) => {
          lastDay = day;
          const hooks = last ? dailyHooks() : dailyHooks().filter((h) => EVERY_DAY_HOOKS.includes(h.name));
          await runDailySnapshot(lake, { runDate: day, hooks });
        },
      });
      // The sensor stream replayed through the MSK handler, then the daily repair of the days it left late readings in.
      const streamFile = await ensureDemoSensorStream(lake.dir, opts);
      const streamed = await streamLines(lake, createInterface({ input: createReadStream(streamFile), crlfDelay: Infinity }), { topic: 'sensors', partition: 0, batchSize: 500 });
      out(`sensor stream ${streamFile}: ${describeStream(streamed)}`);
      if (lastDay) await runDailySnapshot(lake, { runDate: lastDay, hooks: [deviceEnergyRepairHook] });
      out(`\n${totals.drops} demo drops; ${totals.alreadyIngested} were already in the lake`);
      printTotals(totals);
      // The tags the table holds, not the runs made: a run before the first reading tags nothing.
      const tags = (await lake.catalog.tableExists('meter_readings')) ? dailyTags(await openTable(lake.catalog, 'meter_readings', lake.io).metadata()) : [];
      out(dailyTagsLine(tags));
      await printLakeSummary(lake);
      await printGoldSamples(lake);
      await printForecastSample(lake);
      out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try:`);
      out(`  npx meterlake query "SELECT source, count(*) AS readings FROM readings_history GROUP BY source"`);
      out('  npx meterlake history meter_readings');
      out('  npx meterlake tags --table meter_readings');
      if (tags.length) out(`  npx meterlake query "SELECT count(*) FROM meter_readings" --as-of ${tags[Math.floor(tags.length / 2)]}`);
      out('  npx meterlake settle --month 2021-02 && npx meterlake audit list');
      out('  npx meterlake ingest my-readings.csv --source default');
      out('  npx meterlake sources');
      out('  npx meterlake query "SELECT * FROM device_energy_hourly ORDER BY hour DESC LIMIT 10"');
      out('  npx meterlake forecast --region London');
      out('  npx meterlake forecast backtest --origins 8');
      // CI and --once end here; otherwise the lake stays open for the dashboard and new drops.
      if (!opts.once && !process.env.CI) await serveUntilStopped(lake, { port: opts.port, watch: true });
    }));
}
