import { demoDrLoadFactor } from './dr-plan';
import { bstPeriod, isAmbiguousLondon } from './london-time';
import type { MeterPlan } from './meter-plan';
import { DAY_MS, MINUTE_MS, type ResolvedDemoOptions } from './options';
import { Rng, Stream } from './prng';

/** Quality codes used inside the generator; index into QUALITIES. */
export const QUALITIES = ['actual', 'estimated', 'substituted'] as const;
export const ACTUAL = 0;
export const ESTIMATED = 1;
export const SUBSTITUTED = 2;

const SLOTS_PER_DAY = 96;
const SLOT_MS = 15 * MINUTE_MS;

/** A later version of one interval, scheduled for the files of a later day. */
export interface PlannedRevision {
  slot: number;
  delayDays: number;
  wh: number;
  quality: number;
}

/** One meter's readings for one UTC day. */
export interface MeterDay {
  dayStartMs: number;
  /** Energy per interval, whole Wh (kWh = wh / 1000 in every format, so values round-trip exactly). */
  wh: Int32Array;
  quality: Uint8Array;
  /** Intervals missing from their first delivery. */
  gap: Uint8Array;
  corrections: PlannedRevision[];
  /** Gap fills: the interval's first version, delivered late. */
  fills: PlannedRevision[];
}

function bump(hour: number, centre: number, width: number): number {
  const d = (hour - centre) / width;
  return Math.exp(-0.5 * d * d);
}

/** Household load per 15-minute local slot, averaging 1 over the day: [weekday, weekend] × [base, evening]. */
const SHAPES = (() => {
  const build = (weekend: boolean, part: 'base' | 'evening'): Float64Array => {
    const shape = new Float64Array(SLOTS_PER_DAY);
    for (let slot = 0; slot < SLOTS_PER_DAY; slot++) {
      const hour = (slot + 0.5) / 4;
      if (part === 'evening') {
        shape[slot] = (weekend ? 1.35 : 1.5) * bump(hour, 18.75, 1.6);
      } else {
        shape[slot] = weekend
          ? 0.4 + 0.8 * bump(hour, 9.5, 1.5) + 0.55 * bump(hour, 13.5, 2.5) + 0.3 * bump(hour, 22, 1.2)
          : 0.4 + 0.9 * bump(hour, 7.5, 0.9) + 0.25 * bump(hour, 13, 3) + 0.3 * bump(hour, 22, 1.2);
      }
    }
    return shape;
  };
  const weekday = [build(false, 'base'), build(false, 'evening')] as const;
  const weekend = [build(true, 'base'), build(true, 'evening')] as const;
  const mean = (pair: readonly [Float64Array, Float64Array]): number =>
    pair[0].reduce((sum, value, i) => sum + value + pair[1][i], 0) / SLOTS_PER_DAY;
  const scale = 2 / (mean(weekday) + mean(weekend));
  for (const pair of [weekday, weekend]) for (const shape of pair) for (let i = 0; i < SLOTS_PER_DAY; i++) shape[i] *= scale;
  return { weekday, weekend };
})();

/** Winter uses more than spring: a yearly cosine peaking mid-January. */
function seasonFactor(dayStartMs: number): number {
  const dayOfYear = (dayStartMs - Date.UTC(new Date(dayStartMs).getUTCFullYear(), 0, 1)) / DAY_MS;
  return 1 + 0.3 * Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
}

/**
 * One meter's readings on window day `day`, with its planned corrections and gaps. Drawn from
 * the (seed, meter, day) stream only, so any caller gets identical numbers.
 */
export function meterDayReadings(options: ResolvedDemoOptions, meter: MeterPlan, day: number): MeterDay {
  const dayStartMs = options.windowStartMs + day * DAY_MS;
  const rng = Rng.of(options.seed, Stream.meterDay, meter.index, day);
  const count = (24 * 60) / meter.minutes;
  const slotsPerInterval = meter.minutes / 15;
  const [bstStart, bstEnd] = bstPeriod(new Date(dayStartMs).getUTCFullYear());
  const meanSlotWh = (meter.annualKwh * 1000) / (365 * SLOTS_PER_DAY);
  const season = seasonFactor(dayStartMs);
  const wh = new Int32Array(count);
  const quality = new Uint8Array(count);
  const gap = new Uint8Array(count);
  const corrections: PlannedRevision[] = [];
  const fills: PlannedRevision[] = [];
  const sigma = meter.noiseSigma;
  const reviseShare = options.correctionShare + options.gapShare;
  for (let i = 0; i < count; i++) {
    const startMs = dayStartMs + i * meter.minutes * MINUTE_MS;
    const localMs = startMs + (startMs >= bstStart && startMs < bstEnd ? 3_600_000 : 0);
    const localDay = Math.floor(localMs / DAY_MS);
    const weekday = (localDay + 4) % 7; // 1970-01-01 was a Thursday
    const [base, evening] = weekday === 0 || weekday === 6 ? SHAPES.weekend : SHAPES.weekday;
    const firstSlot = Math.floor((localMs - localDay * DAY_MS) / SLOT_MS) + meter.peakShiftSlots + SLOTS_PER_DAY;
    let shape = 0;
    for (let k = 0; k < slotsPerInterval; k++) {
      const slot = (firstSlot + k) % SLOTS_PER_DAY;
      shape += base[slot] + meter.eveningWeight * evening[slot];
    }
    let value = meanSlotWh * shape * season * Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
    // Kettles and ovens: short spikes on top of the smooth profile.
    if (rng.next() < 0.02 * slotsPerInterval) value += 150 + 600 * rng.next();
    // Demand-response events: enrolled meters cut their load (no random draw, so other numbers stay).
    value *= demoDrLoadFactor(options, meter, localMs);
    wh[i] = Math.max(0, Math.round(value));
    const qualityDraw = rng.next();
    if (meter.source !== 'octopus') {
      quality[i] = qualityDraw < 0.015 ? ESTIMATED : qualityDraw < 0.02 && meter.source === 'default' ? SUBSTITUTED : ACTUAL;
    }
    const reviseDraw = rng.next();
    // A naive local time in the fall-back hour is only unambiguous beside its twin, so Octopus
    // intervals there are never re-sent alone.
    if (reviseDraw >= reviseShare || (meter.source === 'octopus' && isAmbiguousLondon(startMs))) continue;
    if (reviseDraw < options.correctionShare) {
      let revised = Math.max(0, Math.round(wh[i] * (0.6 + 0.8 * rng.next())));
      if (revised === wh[i]) revised += 1;
      const revisedQuality = meter.source === 'default' && rng.next() < 0.1 ? SUBSTITUTED : ACTUAL;
      corrections.push({ slot: i, delayDays: rng.int(1, 10), wh: revised, quality: revisedQuality });
    } else {
      gap[i] = 1;
      fills.push({ slot: i, delayDays: rng.int(1, 3), wh: wh[i], quality: quality[i] });
    }
  }
  return { dayStartMs, wh, quality, gap, corrections, fills };
}
