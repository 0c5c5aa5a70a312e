/**
 * Demand-response settlement (the company's business): per event and enrolled meter, the CAISO
 * 10-in-10 baseline with the day-of adjustment capped at ±20 %, the actual load, the reduction and
 * the payment. sql/settlement/dr_meter_hours.sql aggregates the readings into exact integers per
 * hour; this module does the per-row arithmetic (averages, cap, floor at zero, price) in BigInt,
 * which every engine would otherwise do differently (DuckDB divides DECIMALs into DOUBLE).
 */
import { openTable } from '../../catalog/open-table';
import { scratchName, sqlIdent } from '../../engine/duckdb-session';
import type { LakePorts } from '../ports';
import { registerTableView } from '../table-files';
import { daysOfMonth } from './calendar';
import type { PinnedInput } from './settle';
import { DR_ENROLLMENTS, DR_EVENTS } from './settlement-tables';

/** The tables demand-response settlement reads besides meter_readings. */
export const DR_INPUT_TABLES = [DR_EVENTS.name, DR_ENROLLMENTS.name] as const;

/** Calendar days before an event its baseline may use (CAISO: the last 45 days). */
export const DR_LOOKBACK_DAYS = 45;
/** Baseline days: the most recent eligible days, at most this many (CAISO 10-in-10). */
export const DR_BASELINE_DAYS = 10;
const NANO = 1_000_000_000n;
/** The day-of adjustment ratio is capped to [0.8, 1.2] (±20 %), in nano units. */
const RATIO_MIN = 800_000_000n;
const RATIO_MAX = 1_200_000_000n;

/** Floor division of BigInts (toward −∞, as for negative export readings). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** The first local day any baseline of the month's events may read (undefined: no event that month, or no demand-response tables pinned). */
export async function drLookbackFromDay(ports: LakePorts, inputs: readonly PinnedInput[], month: string): Promise<string | undefined> {
  const events = inputs.find((i) => i.table === DR_EVENTS.name);
  if (!events) return undefined;
  const days = daysOfMonth(month);
  const view = scratchName('dr_events_pinned');
  await registerTableView(ports.session, ports.store, openTable(ports.catalog, DR_EVENTS.name, ports.io), view, { snapshot: { snapshotId: BigInt(events.snapshotId) } });
  try {
    const first = await ports.session.scalar<Date | null>(`SELECT min(event_day) FROM ${sqlIdent(view)} WHERE event_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`, [days[0], days[days.length - 1]]);
    return first ? new Date(first.getTime() - DR_LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10) : undefined;
  } finally {
    await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
  }
}

/** One row of dr_meter_hours.sql. */
export interface DrMeterHour {
  event_id: string;
  program: string;
  partner: string;
  event_day: Date | string;
  start_hour: number;
  end_hour: number;
  nano_price_per_kwh: bigint;
  floor_at_zero: boolean;
  meter_id: string;
  hour: number;
  role: 'event' | 'adjust';
  baseline_days: bigint | number;
  nano_baseline_sum: bigint | number;
  baseline_days_with_data: bigint | number;
  nano_event_day: bigint | number | null;
}

/** Why a row has no payment: settled, or what was missing (never filled). */
export type DrStatus = 'settled' | 'no_baseline_days' | 'baseline_hour_without_data' | 'event_hour_missing';

/** The settlement of one event for one meter, all amounts in nano units (kWh, ratio, currency). */
export type DrSettlementRow = {
  event_id: string; program: string; partner: string; event_day: Date | string; start_hour: number; end_hour: number;
  meter_id: string; baseline_days: bigint;
  nano_kwh_baseline_unadjusted: bigint | null; nano_adjustment_ratio: bigint | null; nano_kwh_baseline: bigint | null;
  nano_kwh_actual: bigint | null; nano_kwh_reduction: bigint | null; nano_price_per_kwh: bigint; nano_payment: bigint | null;
  status: DrStatus;
};

/** The inputs of one event × meter, as exact integers (nano-kWh), by local hour. */
export interface DrMeterInputs {
  baselineDays: bigint;
  /** Event hours: sum over the baseline days with data, their count, the event day's energy (null: missing). */
  event: { sum: bigint; days: bigint; actual: bigint | null }[];
  adjust: { sum: bigint; days: bigint; actual: bigint | null }[];
  nanoPricePerKwh: bigint;
  floorAtZero: boolean;
}

/**
 * The CAISO 10-in-10 arithmetic on exact integers:
 * - baseline of an hour = floor(sum over the baseline days / days with data); unadjusted = Σ event hours;
 * - ratio = Σ actual / Σ baseline over the adjustment hours, floored to 10^-9 and capped to [0.8, 1.2]
 *   (1 when the adjustment hours lack data or their baseline is 0: no adjustment is better than a guess);
 * - baseline = floor(unadjusted × ratio); reduction = baseline − actual (0 if negative and the program
 *   floors); payment = floor(reduction × price).
 */
export function settleDrMeter(i: DrMeterInputs): Pick<DrSettlementRow, 'nano_kwh_baseline_unadjusted' | 'nano_adjustment_ratio' | 'nano_kwh_baseline' | 'nano_kwh_actual' | 'nano_kwh_reduction' | 'nano_payment' | 'status'> {
  const none = { nano_kwh_baseline_unadjusted: null, nano_adjustment_ratio: null, nano_kwh_baseline: null, nano_kwh_actual: null, nano_kwh_reduction: null, nano_payment: null };
  if (i.baselineDays === 0n) return { ...none, status: 'no_baseline_days' };
  if (i.event.some((h) => h.days === 0n)) return { ...none, status: 'baseline_hour_without_data' };
  const hourBaseline = (h: { sum: bigint; days: bigint }) => floorDiv(h.sum, h.days);
  const unadjusted = i.event.reduce((s, h) => s + hourBaseline(h), 0n);
  let ratio = NANO;
  const adjustComplete = i.adjust.every((h) => h.days > 0n && h.actual !== null);
  if (adjustComplete) {
    const base = i.adjust.reduce((s, h) => s + hourBaseline(h), 0n);
    const actual = i.adjust.reduce((s, h) => s + (h.actual ?? 0n), 0n);
    if (base > 0n) {
      ratio = floorDiv(actual * NANO, base);
      ratio = ratio < RATIO_MIN ? RATIO_MIN : ratio > RATIO_MAX ? RATIO_MAX : ratio;
    }
  }
  const baseline = floorDiv(unadjusted * ratio, NANO);
  if (i.event.some((h) => h.actual === null)) {
    return { ...none, nano_kwh_baseline_unadjusted: unadjusted, nano_adjustment_ratio: ratio, nano_kwh_baseline: baseline, status: 'event_hour_missing' };
  }
  const actual = i.event.reduce((s, h) => s + h.actual!, 0n);
  let reduction = baseline - actual;
  if (reduction < 0n && i.floorAtZero) reduction = 0n;
  return {
    nano_kwh_baseline_unadjusted: unadjusted, nano_adjustment_ratio: ratio, nano_kwh_baseline: baseline, nano_kwh_actual: actual,
    nano_kwh_reduction: reduction, nano_payment: floorDiv(reduction * i.nanoPricePerKwh, NANO), status: 'settled',
  };
}

const big = (v: bigint | number | null) => (v === null ? null : BigInt(v));

/** dr_meter_hours rows (ordered by event, meter, hour) → one settlement row per event and meter. */
export function drSettlementRows(rows: readonly Record<string, unknown>[]): DrSettlementRow[] {
  const out: DrSettlementRow[] = [];
  let group: DrMeterHour[] = [];
  const flush = () => {
    if (!group.length) return;
    const first = group[0];
    const hour = (h: DrMeterHour) => ({ sum: BigInt(h.nano_baseline_sum), days: BigInt(h.baseline_days_with_data), actual: big(h.nano_event_day) });
    const settled = settleDrMeter({
      baselineDays: BigInt(first.baseline_days),
      event: group.filter((h) => h.role === 'event').map(hour),
      adjust: group.filter((h) => h.role === 'adjust').map(hour),
      nanoPricePerKwh: BigInt(first.nano_price_per_kwh),
      floorAtZero: first.floor_at_zero,
    });
    out.push({
      event_id: first.event_id, program: first.program, partner: first.partner, event_day: first.event_day, start_hour: first.start_hour,
      end_hour: first.end_hour, meter_id: first.meter_id, baseline_days: BigInt(first.baseline_days), nano_price_per_kwh: BigInt(first.nano_price_per_kwh), ...settled,
    });
    group = [];
  };
  for (const row of rows as unknown as DrMeterHour[]) {
    if (group.length && (group[0].event_id !== row.event_id || group[0].meter_id !== row.meter_id)) flush();
    group.push(row);
  }
  flush();
  return out;
}
