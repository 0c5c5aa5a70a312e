/**
 * Rolling-origin backtest over the lake's history: each origin is a known-at time; the model is
 * trained on features_hourly as known then, the seasonal-naive reference (sql/forecast) reads the
 * same features, and both are scored against the load as known now.
 */
import * as path from 'node:path';
import { duckDbParamValue } from '../../engine/duckdb-query-engine';
import { sqlIdent } from '../../engine/duckdb-session';
import { loadSqlTemplate, renderSql } from '../../engine/sql-template';
import { currentSnapshot } from '../../iceberg/table-metadata';
import { DAY_MS } from '../daily-plan';
import { tableFor } from '../lake-tables';
import type { LakePorts } from '../ports';
import { READINGS_HISTORY } from '../tables';
import { accuracyOf, type Accuracy, type ScoredHour } from './accuracy';
import { englandBankHolidays, HOUR_MS, HOURS_PER_WEEK, type HolidayCalendar } from './calendar';
import { knownAtOfHistorySnapshot } from './demand-forecast';
import { buildFeaturesHourly, dropFeatures, SQL_FORECAST_DIR, type BuiltFeatures, type GroupKind } from './features';
import { forecastFromFeatures, newestCompleteHour, seriesByGroup, type ForecastRow } from './issue';

export interface BacktestOptions {
  origins: number;
  horizonHours: number;
  holidays?: HolidayCalendar;
  /** Called after each origin (for a progress bar). */
  onOrigin?: (done: number, total: number) => void;
}

/** One scored target hour of one origin. */
export interface BacktestHour extends ScoredHour, Pick<ForecastRow, 'groupKind' | 'groupValue' | 'targetHourMs' | 'horizonHours' | 'lower80' | 'upper80'> {
  originKnownAtMs: number;
}

/** Accuracy of one group over one horizon day (1–7) or all of them (horizonDay null). */
export interface BacktestScore extends Accuracy {
  groupKind: GroupKind;
  groupValue: string;
  horizonDay: number | null;
  /** Share of the hours with an 80% interval whose actual fell inside it; null when none had one. */
  coverage80: number | null;
}

/** Share of hours with an interval whose actual lies within it. */
export function intervalCoverage(hours: readonly BacktestHour[]): number | null {
  const banded = hours.filter((h) => h.lower80 !== null && h.upper80 !== null);
  return banded.length ? banded.filter((h) => h.actual >= h.lower80! && h.actual <= h.upper80!).length / banded.length : null;
}

export interface BacktestResult {
  /** The known-at time of each origin, oldest first. */
  originsKnownAtMs: number[];
  /** What "actual" means: the load as known at this time (the newest arrival in readings_history). */
  actualsKnownAtMs: number;
  hours: BacktestHour[];
  scores: BacktestScore[];
  /** Groups an origin could not forecast, with why (too little history then). */
  skipped: { originKnownAtMs: number; groupKind: GroupKind; groupValue: string; reason: string }[];
}

/** A backtest asked for more than the lake's history holds. */
export class BacktestHistoryError extends Error {
  override readonly name = 'BacktestHistoryError';
}

/** The seasonal-naive forecast of every group for the hours after `originMs`, from built features. */
export async function seasonalNaive(ports: LakePorts, features: BuiltFeatures, originMs: number, horizonHours: number): Promise<Map<string, number>> {
  const template = loadSqlTemplate(path.join(SQL_FORECAST_DIR, 'seasonal_naive.sql'));
  const rendered = renderSql(template, { table: () => sqlIdent(features.table), params: { origin: new Date(originMs), horizon_hours: horizonHours } });
  const values = rendered.values.map((v, i) => duckDbParamValue(v, rendered.valueParams[i].type, rendered.valueParams[i].name));
  const rows = await ports.session.all<{ group_kind: string; group_value: string; t_us: bigint; naive_kwh: number }>(
    `SELECT group_kind, group_value, epoch_us(target_hour) AS t_us, naive_kwh FROM (${rendered.sql})`, values as never,
  );
  return new Map(rows.map((r) => [`${r.group_kind}:${r.group_value}:${Number(r.t_us / 1000n)}`, r.naive_kwh]));
}

/**
 * Backtest `origins` forecasts, one a day, the newest ending where complete data ends now. Each
 * origin's known-at time is chosen so that its whole horizon is already known: an origin's
 * forecast starts after the newest complete hour known then, which is before its known-at time.
 */
export async function runBacktest(ports: LakePorts, opts: BacktestOptions): Promise<BacktestResult> {
  if (!Number.isInteger(opts.horizonHours) || opts.horizonHours < 1 || opts.horizonHours > HOURS_PER_WEEK) {
    throw new RangeError(`horizon must be a whole number of hours from 1 to ${HOURS_PER_WEEK}, got ${opts.horizonHours}`);
  }
  const holidays = opts.holidays ?? englandBankHolidays();
  const historySnapshot = currentSnapshot(await (await tableFor(ports, READINGS_HISTORY)).metadata());
  const actualsKnownAtMs = historySnapshot ? await knownAtOfHistorySnapshot(ports, historySnapshot['snapshot-id']) : undefined;
  if (actualsKnownAtMs === undefined) throw new BacktestHistoryError('readings_history is empty: nothing to backtest');
  const actualFeatures = await buildFeaturesHourly(ports, actualsKnownAtMs, { holidays });
  const actual = new Map(actualFeatures.rows.map((r) => [`${r.groupKind}:${r.groupValue}:${r.hourMs}`, r.loadKwh]));
  const newestNow = newestCompleteHour(seriesByGroup(actualFeatures.rows).get('fleet:all')?.hours ?? []);
  await dropFeatures(ports, actualFeatures);
  if (newestNow === undefined) throw new BacktestHistoryError('the lake holds no complete hour of fleet data yet');

  // Whole hours keep every origin's known-at time on the hour grid of the data.
  const newestOrigin = newestNow + HOUR_MS - opts.horizonHours * HOUR_MS;
  const originsKnownAtMs = Array.from({ length: opts.origins }, (_, k) => newestOrigin - (opts.origins - 1 - k) * DAY_MS);
  const result: BacktestResult = { originsKnownAtMs, actualsKnownAtMs, hours: [], scores: [], skipped: [] };
  for (const [i, knownAt] of originsKnownAtMs.entries()) {
    const features = await buildFeaturesHourly(ports, knownAt, { holidays });
    try {
      const issue = forecastFromFeatures(features.rows, knownAt, { holidays, horizonHours: opts.horizonHours });
      for (const s of issue.skipped) result.skipped.push({ originKnownAtMs: knownAt, ...s });
      if (issue.newestCompleteHourMs === undefined) {
        throw new BacktestHistoryError(`origin ${new Date(knownAt).toISOString()}: no complete hour was known then; ask for fewer --origins`);
      }
      const naive = await seasonalNaive(ports, features, issue.newestCompleteHourMs + HOUR_MS, opts.horizonHours);
      for (const row of issue.rows) {
        const key = `${row.groupKind}:${row.groupValue}:${row.targetHourMs}`;
        const a = actual.get(key);
        const n = naive.get(key);
        // An hour with no reading known now, or none a week before the origin, cannot be scored for both.
        if (a === undefined || n === undefined) continue;
        result.hours.push({
          originKnownAtMs: knownAt, groupKind: row.groupKind, groupValue: row.groupValue, targetHourMs: row.targetHourMs, horizonHours: row.horizonHours,
          forecast: row.forecastKwh, naive: n, actual: a, lower80: row.lower80, upper80: row.upper80,
        });
      }
    } finally {
      await dropFeatures(ports, features);
    }
    opts.onOrigin?.(i + 1, originsKnownAtMs.length);
  }
  if (!result.hours.length) throw new BacktestHistoryError(`no origin could be forecast (${result.skipped[0]?.reason ?? 'no history'}); the model needs two weeks before its first origin`);
  result.scores = scoreBacktest(result.hours);
  return result;
}

/** Accuracy per group and horizon day, and per group over all days (horizonDay null). */
export function scoreBacktest(hours: readonly BacktestHour[]): BacktestScore[] {
  const buckets = new Map<string, { groupKind: GroupKind; groupValue: string; horizonDay: number | null; hours: BacktestHour[] }>();
  const add = (h: BacktestHour, horizonDay: number | null) => {
    const key = `${h.groupKind}:${h.groupValue}:${horizonDay ?? 'all'}`;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { groupKind: h.groupKind, groupValue: h.groupValue, horizonDay, hours: [] }));
    bucket.hours.push(h);
  };
  for (const h of hours) {
    add(h, Math.ceil(h.horizonHours / 24));
    add(h, null);
  }
  return [...buckets.values()]
    .map((b) => ({ groupKind: b.groupKind, groupValue: b.groupValue, horizonDay: b.horizonDay, ...accuracyOf(b.hours), coverage80: intervalCoverage(b.hours) }))
    .sort((a, b) => a.groupKind.localeCompare(b.groupKind) || a.groupValue.localeCompare(b.groupValue) || (a.horizonDay ?? 99) - (b.horizonDay ?? 99));
}
