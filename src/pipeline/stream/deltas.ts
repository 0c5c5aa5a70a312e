/**
 * Cumulative counters → exact deltas, per device, against the device's state. Pure functions:
 * the state comes in and the next state goes out; the store and the files are the caller's.
 *
 * Rules (README, "Sensor stream"):
 * - readings are taken in time order per device; two readings of one device at one time are one
 *   reading, the greatest cumulative_energy winning (then the greatest device_name), whatever order
 *   they came in, so the daily repair can pick the same one from the ledger;
 * - a device's first reading has no predecessor: duration and delta_energy are null;
 * - a reading at or before the device's state is not given a delta now: it is a late (or
 *   duplicate) event, and the daily repair recomputes its day (and its successor's) from the ledger;
 *   a duplicate of the state's reading that wins over it becomes the state;
 * - a counter that goes down was reset (power loss, firmware update, meter exchange): the energy
 *   since the reset is the new reading itself, as if the counter restarted from zero; the event is recorded.
 * Deltas and durations are computed in double precision and rounded to float32 once, at the end.
 */
import type { DeviceState } from './device-state';
import type { Measurement } from './measurements';

/** One device_energy row (duration and delta already rounded to float32). */
export interface EnergyDelta {
  readonly deviceId: number;
  readonly deviceName: string;
  readonly timeMs: number;
  readonly duration: number | null;
  readonly deltaEnergy: number | null;
}

export type StreamEventKind = 'late' | 'duplicate' | 'counter_reset';

/** Something the stream noticed about a reading beyond (or instead of) its delta. */
export interface StreamEvent {
  readonly measurement: Measurement;
  readonly kind: StreamEventKind;
  readonly stateTimeMs: number | null;
  readonly stateCumulativeEnergy: number | null;
}

export interface DeviceDeltas {
  deltas: EnergyDelta[];
  events: StreamEvent[];
  /** The state after these readings; undefined when none of them advanced it. */
  next?: DeviceState;
}

const MS_PER_MINUTE = 60_000;

/** Does reading `a` win over reading `b` of the same device and time? */
export function winsOver(a: Pick<Measurement, 'cumulativeEnergy' | 'deviceName'>, b: Pick<Measurement, 'cumulativeEnergy' | 'deviceName'>): boolean {
  if (a.cumulativeEnergy !== b.cumulativeEnergy) return a.cumulativeEnergy > b.cumulativeEnergy;
  return a.deviceName > b.deviceName;
}

/**
 * A batch's measurements per device, in time order, one per (device, time); every reading that
 * lost to another of the same device and time is a 'duplicate' event.
 */
export function readingsPerDevice(measurements: readonly Measurement[]): { byDevice: Map<number, Measurement[]>; duplicates: StreamEvent[] } {
  const byDevice = new Map<number, Measurement[]>();
  for (const m of measurements) {
    const list = byDevice.get(m.deviceId);
    if (list) list.push(m);
    else byDevice.set(m.deviceId, [m]);
  }
  const duplicates: StreamEvent[] = [];
  for (const [id, list] of byDevice) {
    list.sort((a, b) => a.timeMs - b.timeMs);
    const kept: Measurement[] = [];
    for (const m of list) {
      const last = kept[kept.length - 1];
      if (!last || last.timeMs !== m.timeMs) {
        kept.push(m);
        continue;
      }
      const [winner, loser] = winsOver(m, last) ? [m, last] : [last, m];
      kept[kept.length - 1] = winner;
      duplicates.push({ measurement: loser, kind: 'duplicate', stateTimeMs: winner.timeMs, stateCumulativeEnergy: winner.cumulativeEnergy });
    }
    byDevice.set(id, kept);
  }
  return { byDevice, duplicates };
}

/** The delta of `reading` after `previous` (undefined: the device's first reading). */
export function deltaAfter(reading: Measurement, previous: { timeMs: number; cumulativeEnergy: number } | undefined): { delta: EnergyDelta; reset: boolean } {
  const base = { deviceId: reading.deviceId, deviceName: reading.deviceName, timeMs: reading.timeMs };
  if (!previous) return { delta: { ...base, duration: null, deltaEnergy: null }, reset: false };
  const difference = reading.cumulativeEnergy - previous.cumulativeEnergy;
  const reset = difference < 0;
  return {
    delta: {
      ...base,
      duration: Math.fround((reading.timeMs - previous.timeMs) / MS_PER_MINUTE),
      deltaEnergy: Math.fround(reset ? reading.cumulativeEnergy : difference),
    },
    reset,
  };
}

/** Deltas of one device's readings (time order, one per time) against its stored state. */
export function deltasForDevice(readings: readonly Measurement[], state: DeviceState | undefined): DeviceDeltas {
  const out: DeviceDeltas = { deltas: [], events: [] };
  let current: { timeMs: number; cumulativeEnergy: number; deviceName: string } | undefined = state;
  let advanced: Measurement | undefined;
  for (const reading of readings) {
    if (current && reading.timeMs <= current.timeMs) {
      const kind = reading.timeMs === current.timeMs ? 'duplicate' : 'late';
      out.events.push({ measurement: reading, kind, stateTimeMs: current.timeMs, stateCumulativeEnergy: current.cumulativeEnergy });
      // A duplicate that wins becomes the state, so the next reading's delta starts from the winner.
      if (kind === 'duplicate' && winsOver(reading, current)) current = advanced = reading;
      continue;
    }
    const { delta, reset } = deltaAfter(reading, current);
    out.deltas.push(delta);
    if (reset) out.events.push({ measurement: reading, kind: 'counter_reset', stateTimeMs: current!.timeMs, stateCumulativeEnergy: current!.cumulativeEnergy });
    current = advanced = reading;
  }
  if (advanced) {
    out.next = {
      deviceId: advanced.deviceId, deviceName: advanced.deviceName, timeMs: advanced.timeMs,
      cumulativeEnergy: advanced.cumulativeEnergy, version: (state?.version ?? 0) + 1,
    };
  }
  return out;
}
