import type { Command } from 'commander';
import { runDailySnapshot, type DailyRunResult } from '../../pipeline/snapshot';
import { dailyHooks } from '../hooks';
import { progress } from '../progress';
import { calendarDate } from '../option-parsers';
import { out, withExistingLake } from './support';

/** One line per daily run: the tag and what it changed. */
export function describeRun(r: DailyRunResult): string {
  const onRead = r.days.filter((d) => d.mode === 'merge-on-read').length;
  const days = `${r.days.length} days merged (${r.days.length - onRead} rewritten, ${onRead} with a delete file)`;
  return `${r.tag}: ${r.newVersions} new versions from ${r.plan.newFiles.length} history files → ${days}, ${r.rowsWritten} rows written (${(r.durationMs / 1000).toFixed(1)} s)`;
}

/** `meterlake snapshot` */
export function registerSnapshot(program: Command): void {
  program.command('snapshot')
    .description('run the daily latest-correct snapshot: merge new history into meter_readings and tag it daily-<date>')
    .option('--date <YYYY-MM-DD>', 'the run date used in the tag (default: today, UTC)', calendarDate)
    .action(async (opts, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const bar = progress('merging days', 1);
      const result = await runDailySnapshot(lake, { runDate: opts.date, hooks: dailyHooks(), onDay: (d, t) => bar.update(d, t) });
      bar.stop();
      out(describeRun(result));
    }));
}
