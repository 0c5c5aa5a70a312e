import { localDate, offsetMinutesAt, startOfLocalDay } from './time-zone';

export const RESOLUTIONS = ['15m', '30m', '1h', '1d'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Nominal minutes of a resolution (a local day may have 23 or 25 hours). */
export const RESOLUTION_MINUTES: Record<Resolution, number> = { '15m': 15, '30m': 30, '1h': 60, '1d': 1440 };

/** `auto` picks the finest resolution whose series stays within this many points. */
export const AUTO_TARGET_POINTS = 2_000;
/** No series is longer than this, whatever the resolution asked. */
export const MAX_POINTS_PER_SERIES = 10_000;

const MINUTE_MS = 60_000;

/** The finest resolution that keeps [fromMs, toMs) within AUTO_TARGET_POINTS (days when none does). */
export function autoResolution(fromMs: number, toMs: number): Resolution {
  const minutes = (toMs - fromMs) / MINUTE_MS;
  return RESOLUTIONS.find((r) => minutes / RESOLUTION_MINUTES[r] <= AUTO_TARGET_POINTS) ?? '1d';
}

/** Nominal number of buckets (before snapping outwards) — what the range limits check. */
export const nominalPoints = (fromMs: number, toMs: number, resolution: Resolution) =>
  Math.ceil((toMs - fromMs) / (RESOLUTION_MINUTES[resolution] * MINUTE_MS));

export interface Buckets {
  /** Start instants (epoch ms), ascending; bucket i ends where bucket i + 1 starts, the last at `toMs`. */
  readonly starts: number[];
  /** The range snapped outwards to bucket boundaries in the zone. */
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The buckets covering [fromMs, toMs) in a zone, snapped outwards to whole buckets so that no bucket
 * is partial (a partial bucket would look like missing data). Intraday buckets are aligned to the
 * zone's local clock (so hours of a +05:30 zone start at :30 UTC); days start at local midnight and
 * last 23 or 25 hours across DST changes.
 */
export function bucketsFor(fromMs: number, toMs: number, resolution: Resolution, timeZone: string): Buckets {
  if (resolution === '1d') {
    const first = localDate(fromMs, timeZone);
    const starts: number[] = [];
    let y = first.year, m = first.month, d = first.day;
    for (;;) {
      const start = startOfLocalDay(y, m, d, timeZone);
      if (start >= toMs && starts.length) return { starts, fromMs: starts[0], toMs: start };
      starts.push(start);
      const next = new Date(Date.UTC(y, m - 1, d + 1));
      y = next.getUTCFullYear(); m = next.getUTCMonth() + 1; d = next.getUTCDate();
    }
  }
  const step = RESOLUTION_MINUTES[resolution] * MINUTE_MS;
  const snapDown = (ms: number) => {
    const local = ms + offsetMinutesAt(ms, timeZone) * MINUTE_MS;
    return ms - (((local % step) + step) % step);
  };
  const start = snapDown(fromMs);
  const lastStart = snapDown(toMs - 1);
  const starts: number[] = [];
  for (let t = start; t <= lastStart; t += step) starts.push(t);
  return { starts, fromMs: start, toMs: lastStart + step };
}
