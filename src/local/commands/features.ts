import { Option, type Command } from 'commander';
import { buildFeaturesHourly, dropFeatures, writeFeaturesHourly } from '../../pipeline/forecast/features';
import { isoTime } from '../option-parsers';
import { newestArrival } from './forecast';
import { out, withExistingLake } from './support';

/** `meterlake features` */
export function registerFeatures(program: Command): void {
  program.command('features')
    .description('write features_hourly (load, meters, estimated share, local calendar per group and hour) as known at a time')
    .addOption(new Option('--known-at <time>', 'use only reading versions received at or before this ISO time (default: the newest arrival)').argParser(isoTime))
    .action(async (opts: { knownAt?: number }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const knownAtMs = opts.knownAt ?? await newestArrival(lake);
      const features = await buildFeaturesHourly(lake, knownAtMs);
      try {
        const snapshot = await writeFeaturesHourly(lake, features);
        const hours = features.rows.map((r) => r.hourMs);
        const groups = new Set(features.rows.map((r) => `${r.groupKind}:${r.groupValue}`)).size;
        const span = hours.length ? `, hours ${new Date(Math.min(...hours)).toISOString()} … ${new Date(Math.max(...hours)).toISOString()}` : '';
        out(`features_hourly as known at ${new Date(knownAtMs).toISOString()}: ${features.rows.length} rows, ${groups} groups${span} (snapshot ${snapshot['snapshot-id']})`);
      } finally {
        await dropFeatures(lake, features);
      }
    }));
}
