import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { SnapshotSelector } from '../../iceberg/scan';
import { runBacktest, type BacktestScore } from '../../pipeline/forecast/backtest';
import { HOURS_PER_WEEK } from '../../pipeline/forecast/calendar';
import { issueDemandForecast, knownAtOfHistorySnapshot, recomputeForecast } from '../../pipeline/forecast/demand-forecast';
import { tableFor } from '../../pipeline/lake-tables';
import type { LakePorts } from '../../pipeline/ports';
import { READINGS_HISTORY } from '../../pipeline/tables';
import { currentSnapshot } from '../../iceberg/table-metadata';
import { ExitCode, reportExitCode } from '../exit-codes';
import { backtestChartSvg, renderPng } from '../forecast-chart';
import { dailyRows, dailyTotalsByGroup, groupValues, latestForecast, NoForecastError } from '../forecast-view';
import type { LocalLake } from '../local-lake';
import { formatRows, type OutputFormat } from '../format-rows';
import { integerAtLeast, isoTime, snapshotSelector } from '../option-parsers';
import { progress } from '../progress';
import { formatOption, out, withExistingLake } from './support';

/** The newest arrival in readings_history: the default known-at time. */
export async function newestArrival(ports: LakePorts): Promise<number> {
  const snapshot = currentSnapshot(await (await tableFor(ports, READINGS_HISTORY)).metadata());
  const knownAt = snapshot ? await knownAtOfHistorySnapshot(ports, snapshot['snapshot-id']) : undefined;
  if (knownAt === undefined) throw new Error('readings_history is empty: there is nothing to forecast from');
  return knownAt;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** After the demo: one region's next 7 days as a compact table (nothing when no forecast was issued). */
export async function printForecastSample(lake: LocalLake): Promise<void> {
  let latest;
  try {
    latest = await latestForecast(lake);
  } catch (error) {
    if (error instanceof NoForecastError) {
      out(`\nDemand forecast: none yet (${error.message})`);
      return;
    }
    throw error;
  }
  const region = groupValues(latest, 'region').sort()[0];
  if (region === undefined) return;
  out(`\nDemand forecast for region ${region}, ${latest.issueId} (other regions: meterlake forecast --region <name>):`);
  out(formatRows(dailyRows(latest.groups.get(`region:${region}`)!), 'table'));
}

/** `meterlake forecast` and its subcommands. */
export function registerForecast(program: Command): void {
  const forecast = program.command('forecast').description('demand forecast: the next 7 days per hour, per region, product and for the fleet');

  forecast.command('show', { isDefault: true })
    .description('print the latest forecast (default: energy per local day for the fleet and every region)')
    .addOption(new Option('--region <region>', 'one region: per local day its energy and peak hour (with --hourly every hour)'))
    .addOption(new Option('--product <product-id>', 'one product, as --region').conflicts('region'))
    .option('--hourly', 'every hour with its 80% interval instead of one row per day')
    .option('--as-of <tag|snapshot-id|time>', 'the latest forecast at a version of the lake (e.g. daily-2021-02-20)', snapshotSelector)
    .addOption(formatOption())
    .action(async (opts: { region?: string; product?: string; hourly?: boolean; asOf?: SnapshotSelector; format: OutputFormat }, cmd: Command) =>
      withExistingLake(cmd, async (lake) => {
        const latest = await latestForecast(lake, opts.asOf);
        out(`${latest.issueId} (trained on data known at ${latest.trainedKnownAt})`);
        const [kind, value] = opts.region !== undefined ? ['region', opts.region] : opts.product !== undefined ? ['product', opts.product] : [undefined, undefined];
        if (kind === undefined) {
          const regions = dailyTotalsByGroup(latest, 'region');
          const rows = dailyTotalsByGroup(latest, 'fleet').map((r) => ({ local_date: r.local_date, fleet: r.all, ...regions.find((x) => x.local_date === r.local_date) }));
          out(`kWh per local day, fleet and regions`);
          out(formatRows(rows, opts.format));
          return;
        }
        const hours = latest.groups.get(`${kind}:${value}`);
        if (!hours) throw new Error(`the forecast has no ${kind} '${value}' (known: ${groupValues(latest, kind).join(', ')})`);
        const rows = opts.hourly
          ? hours.map((h) => ({ target_hour: iso(h.targetHourMs), forecast_kwh: h.forecastKwh, lower_80: h.lower80, upper_80: h.upper80 }))
          : dailyRows(hours);
        out(formatRows(rows, opts.format));
      }));

  forecast.command('issue')
    .description('issue the forecast as known at a time (default: the newest arrival) and append it; one already issued is recomputed and compared instead')
    .addOption(new Option('--known-at <time>', 'use only reading versions received at or before this ISO time').argParser(isoTime))
    .action(async (opts: { knownAt?: number }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const knownAtMs = opts.knownAt ?? await newestArrival(lake);
      const result = await issueDemandForecast(lake, { knownAtMs });
      if (result.outcome === 'rebuilt') {
        const issue = result.issue!;
        out(`${result.issueId}: ${issue.rows.length} rows, ${new Set(issue.rows.map((r) => `${r.groupKind}:${r.groupValue}`)).size} groups, ` +
          `hours ${iso(issue.newestCompleteHourMs! + 3_600_000)} … ${iso(issue.rows.at(-1)!.targetHourMs)}`);
      } else if (result.issue) {
        out(`${result.issueId}: nothing to forecast (${result.issue.newestCompleteHourMs === undefined ? 'no complete hour of fleet data' : result.issue.skipped[0]?.reason ?? 'no group'})`);
      } else {
        const recomputed = await recomputeForecast(lake, knownAtMs);
        if (recomputed.text === result.stored) out(`${result.issueId} is in demand_forecast; recomputed from the data known then: identical`);
        else {
          out(`${result.issueId} is in demand_forecast; recomputed from the data known then: DIFFERENT (a batch received by then committed after the issue?)`);
          reportExitCode(cmd, ExitCode.FAILED);
        }
      }
      for (const s of result.issue?.skipped ?? []) out(`  skipped ${s.groupKind} ${s.groupValue}: ${s.reason}`);
    }));

  forecast.command('backtest')
    .description('rolling-origin backtest: each origin trained on features known then; MAE, RMSE, MAPE and MASE vs seasonal-naive per horizon day and region; CSV and PNG written')
    .option('--origins <n>', 'origins, one a day, the newest ending where complete data ends', integerAtLeast(1), 8)
    .option('--horizon <hours>', `hours ahead (at most ${HOURS_PER_WEEK})`, integerAtLeast(1), HOURS_PER_WEEK)
    .option('--out <dir>', 'folder for backtest.csv and backtest.png (default: <lake>/reports/forecast-backtest)')
    .addOption(formatOption())
    .action(async (opts: { origins: number; horizon: number; out?: string; format: OutputFormat }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      if (opts.horizon > HOURS_PER_WEEK) cmd.error(`error: option '--horizon <hours>' argument '${opts.horizon}' is invalid. expected at most ${HOURS_PER_WEEK}`, { exitCode: ExitCode.USAGE });
      const bar = progress('backtest origins', opts.origins);
      let result;
      try {
        result = await runBacktest(lake, { origins: opts.origins, horizonHours: opts.horizon, onOrigin: (d, t) => bar.update(d, t) });
      } finally {
        bar.stop();
      }
      const shown = result.scores.filter((s) => s.groupKind !== 'product');
      out(`origins known at ${iso(result.originsKnownAtMs[0])} … ${iso(result.originsKnownAtMs.at(-1)!)}, actuals as known at ${iso(result.actualsKnownAtMs)}`);
      out(formatRows(shown.map(scoreRow), opts.format));
      const dir = opts.out ?? path.join(lake.dir, 'reports', 'forecast-backtest');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'backtest.csv'), `${formatRows(result.scores.map(scoreRow), 'csv')}\n`);
      const newest = result.originsKnownAtMs.at(-1)!;
      const fleetHours = result.hours.filter((h) => h.groupKind === 'fleet' && h.originKnownAtMs === newest);
      const fleetScores = result.scores.filter((s) => s.groupKind === 'fleet');
      await writeFile(path.join(dir, 'backtest.png'), renderPng(backtestChartSvg(`fleet, origin known at ${iso(newest).slice(0, 16)}Z`, fleetHours, fleetScores)));
      const fleet = fleetScores.find((s) => s.horizonDay === null);
      if (fleet?.mase !== null && fleet?.mase !== undefined) out(`fleet MASE ${fleet.mase.toFixed(3)}: the model ${fleet.mase < 1 ? 'beats' : 'does NOT beat'} same-hour-last-week`);
      out(`wrote ${path.join(dir, 'backtest.csv')} and backtest.png`);
    }));
}

const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));

/** A backtest score as a printed row. */
function scoreRow(s: BacktestScore): Record<string, unknown> {
  return {
    group_kind: s.groupKind, group: s.groupValue, horizon_day: s.horizonDay ?? 'all', hours: s.hours,
    mae: round(s.mae, 3), rmse: round(s.rmse, 3), mape_pct: round(s.mape === null ? null : s.mape * 100, 2), naive_mae: round(s.naiveMae, 3), mase: round(s.mase, 3),
    in_80_pct: round(s.coverage80 === null ? null : s.coverage80 * 100, 1),
  };
}

