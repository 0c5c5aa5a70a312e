/**
 * Demand response in the demo: program `winter-peak` of partner `default` enrols every tenth
 * default meter; two events (the second and third Wednesday of the window's last full month,
 * 17:00-19:00 London time, 0.30 per kWh, reductions floored at 0) halve those meters' load, so
 * the settlement shows a visible reduction against their 10-in-10 baseline.
 */
import type { MeterPlan } from './meter-plan';
import { DAY_MS, type ResolvedDemoOptions } from './options';

export const DEMO_DR_PROGRAM = 'winter-peak';
export const DEMO_DR_PARTNER = 'default';
const START_HOUR = 17;
const END_HOUR = 19;
/** The share of an enrolled meter's load left during an event. */
const EVENT_LOAD_FACTOR = 0.5;

export interface DemoDrEvent {
  event_id: string; program: string; partner: string; event_day: string; start_hour: number; end_hour: number; price_per_kwh: string; floor_at_zero: boolean;
}

/** Whether a demo meter is enrolled in the demo program. */
export const isDemoDrEnrolled = (meter: Pick<MeterPlan, 'source' | 'index'>) => meter.source === DEMO_DR_PARTNER && meter.index % 10 === 0;

/** The demo's events: the 2nd and 3rd Wednesday of the last full month of the window (none if it has no full month). */
export function demoDrEvents(options: ResolvedDemoOptions): DemoDrEvent[] {
  const end = new Date(options.windowStartMs + (options.days - 1) * DAY_MS);
  // The last month whose last day lies in the window.
  const lastFull = end.getUTCDate() === new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)).getUTCDate()
    ? new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 1)) : new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  if (lastFull.getTime() < options.windowStartMs) return [];
  const wednesdays: string[] = [];
  for (let d = lastFull.getTime(); new Date(d).getUTCMonth() === lastFull.getUTCMonth(); d += DAY_MS) {
    if (new Date(d).getUTCDay() === 3) wednesdays.push(new Date(d).toISOString().slice(0, 10));
  }
  return wednesdays.slice(1, 3).map((day, i) => ({
    event_id: `${DEMO_DR_PROGRAM}-${i + 1}`, program: DEMO_DR_PROGRAM, partner: DEMO_DR_PARTNER, event_day: day,
    start_hour: START_HOUR, end_hour: END_HOUR, price_per_kwh: '0.300000000', floor_at_zero: true,
  }));
}

const eventDays = new WeakMap<ResolvedDemoOptions, Set<string>>();

/** The factor on an enrolled meter's load for an interval starting at London local time `localMs` (1 outside events). */
export function demoDrLoadFactor(options: ResolvedDemoOptions, meter: MeterPlan, localMs: number): number {
  if (!isDemoDrEnrolled(meter)) return 1;
  let days = eventDays.get(options);
  if (!days) eventDays.set(options, (days = new Set(demoDrEvents(options).map((e) => e.event_day))));
  const local = new Date(localMs);
  const hour = local.getUTCHours();
  return days.has(local.toISOString().slice(0, 10)) && hour >= START_HOUR && hour < END_HOUR ? EVENT_LOAD_FACTOR : 1;
}
