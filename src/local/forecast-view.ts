/** The latest forecast read back from the lake, as the CLI and `npm start` print it. */
import type { SnapshotSelector } from '../iceberg/scan';
import { localHourOf, englandBankHolidays } from '../pipeline/forecast/calendar';
import { DEMAND_FORECAST } from '../pipeline/forecast/demand-forecast';
import type { LakePorts } from '../pipeline/ports';
import { registerLakeTables } from './tables-view';

/** One hour of the latest forecast of one group. */
export interface ForecastHour {
  targetHourMs: number;
  forecastKwh: number;
  lower80: number | null;
  upper80: number | null;
}

export interface LatestForecast {
  issueId: string;
  trainedKnownAt: string;
  /** Hours per `kind:value`, in hour order. */
  groups: Map<string, ForecastHour[]>;
}

/** Nothing to show: no forecast was issued (at the version asked). */
export class NoForecastError extends Error {
  override readonly name = 'NoForecastError';
}

/** The newest issue of demand_forecast (at `asOf` when given). */
export async function latestForecast(ports: LakePorts, asOf?: SnapshotSelector): Promise<LatestForecast> {
  if (!(await ports.catalog.tableExists(DEMAND_FORECAST.name))) {
    throw new NoForecastError('no forecast has been issued in this lake yet: the daily run issues one (meterlake snapshot), or run meterlake forecast issue');
  }
  const sql = `SELECT issue_id, strftime(trained_known_at, '%Y-%m-%dT%H:%M:%SZ') AS known, group_kind, group_value, epoch_ms(target_hour) AS t,
    forecast_kwh, lower_80, upper_80 FROM demand_forecast_latest ORDER BY group_kind, group_value, target_hour`;
  await registerLakeTables(ports, asOf, sql);
  const rows = await ports.session.all<{ issue_id: string; known: string; group_kind: string; group_value: string; t: bigint; forecast_kwh: number; lower_80: number | null; upper_80: number | null }>(sql);
  if (!rows.length) throw new NoForecastError(`demand_forecast holds no forecast${asOf ? ' at that version' : ''}`);
  const groups = new Map<string, ForecastHour[]>();
  for (const r of rows) {
    const key = `${r.group_kind}:${r.group_value}`;
    let hours = groups.get(key);
    if (!hours) groups.set(key, (hours = []));
    hours.push({ targetHourMs: Number(r.t), forecastKwh: r.forecast_kwh, lower80: r.lower_80, upper80: r.upper_80 });
  }
  return { issueId: rows[0].issue_id, trainedKnownAt: rows[0].known, groups };
}

/** The values of one group kind in a forecast (e.g. the regions). */
export const groupValues = (forecast: LatestForecast, kind: string) =>
  [...forecast.groups.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));

const kwh = (v: number) => v.toFixed(1);

/**
 * One group's hours as one row per local day: energy of the day, and its peak hour with the peak's
 * 80% interval (the interval of a day's total is not the sum of hourly quantiles, so none is shown).
 */
export function dailyRows(hours: readonly ForecastHour[]): Record<string, string>[] {
  const holidays = englandBankHolidays();
  const days = new Map<string, { total: number; peak: ForecastHour; peakHour: number; hours: number }>();
  for (const h of hours) {
    const local = localHourOf(h.targetHourMs, holidays);
    const day = days.get(local.localDate);
    if (!day) days.set(local.localDate, { total: h.forecastKwh, peak: h, peakHour: local.localHour, hours: 1 });
    else {
      day.total += h.forecastKwh;
      day.hours++;
      if (h.forecastKwh > day.peak.forecastKwh) Object.assign(day, { peak: h, peakHour: local.localHour });
    }
  }
  return [...days].map(([date, d]) => ({
    local_date: `${date} ${new Date(`${date}T12:00:00Z`).toUTCString().slice(0, 3)}`,
    hours: String(d.hours),
    kwh: kwh(d.total),
    peak_hour: `${String(d.peakHour).padStart(2, '0')}:00`,
    peak_kwh: kwh(d.peak.forecastKwh),
    peak_80: d.peak.lower80 === null || d.peak.upper80 === null ? '—' : `${kwh(d.peak.lower80)}–${kwh(d.peak.upper80)}`,
  }));
}

/** Energy per local day of every group of one kind, side by side (one column per group). */
export function dailyTotalsByGroup(forecast: LatestForecast, kind: string): Record<string, string>[] {
  const holidays = englandBankHolidays();
  const table = new Map<string, Record<string, string>>();
  for (const value of groupValues(forecast, kind)) {
    const totals = new Map<string, number>();
    for (const h of forecast.groups.get(`${kind}:${value}`)!) {
      const date = localHourOf(h.targetHourMs, holidays).localDate;
      totals.set(date, (totals.get(date) ?? 0) + h.forecastKwh);
    }
    for (const [date, total] of totals) {
      let row = table.get(date);
      if (!row) table.set(date, (row = { local_date: date }));
      row[value] = kwh(total);
    }
  }
  return [...table.values()].sort((a, b) => a.local_date.localeCompare(b.local_date));
}
