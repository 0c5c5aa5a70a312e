import type { DemoContentOptions, DemoSource } from './types';

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const DEMO_SOURCES: readonly DemoSource[] = ['default', 'octopus', 'greenbutton'];

/** Demo options with every default filled in and the window resolved to epoch milliseconds. */
export interface ResolvedDemoOptions {
  seed: number;
  meters: number;
  days: number;
  endDate: string;
  recentDays: number;
  correctionShare: number;
  gapShare: number;
  joinShare: number;
  badRowsPerSourceDay: number;
  badFiles: boolean;
  sourceShares: Record<DemoSource, number>;
  octopusMetersPerFile: number;
  referenceEveryDays: number;
  /** 00:00Z of the first day of the window. */
  windowStartMs: number;
}

/** Thrown when demo options are out of range; lists every problem at once. */
export class DemoOptionsError extends Error {
  override readonly name = 'DemoOptionsError';
  constructor(readonly problems: string[]) {
    super(`Invalid demo options: ${problems.join('; ')}`);
  }
}

/** Merge the caller's options over the defaults and check them. */
export function resolveDemoOptions(options: DemoContentOptions): ResolvedDemoOptions {
  const shares = { default: 0.5, octopus: 0.3, greenbutton: 0.2, ...options.sourceShares };
  const resolved = {
    seed: options.seed ?? 1,
    meters: options.meters ?? 2000,
    days: options.days ?? 60,
    endDate: options.endDate ?? '2021-03-01',
    recentDays: options.recentDays ?? 2,
    correctionShare: options.correctionShare ?? 0.02,
    gapShare: options.gapShare ?? 0.005,
    joinShare: options.joinShare ?? 0.1,
    badRowsPerSourceDay: options.badRowsPerSourceDay ?? 2,
    badFiles: options.badFiles ?? true,
    sourceShares: shares,
    octopusMetersPerFile: options.octopusMetersPerFile ?? 1,
    referenceEveryDays: options.referenceEveryDays ?? 7,
  };
  const problems: string[] = [];
  const integerAtLeast = (field: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) problems.push(`${field} must be an integer >= ${min}, got ${value}`);
  };
  const share = (field: string, value: number): void => {
    if (!(value >= 0 && value <= 1)) problems.push(`${field} must be between 0 and 1, got ${value}`);
  };
  integerAtLeast('seed', resolved.seed, 0);
  integerAtLeast('meters', resolved.meters, 1);
  integerAtLeast('days', resolved.days, 1);
  integerAtLeast('recentDays', resolved.recentDays, 0);
  integerAtLeast('badRowsPerSourceDay', resolved.badRowsPerSourceDay, 0);
  integerAtLeast('octopusMetersPerFile', resolved.octopusMetersPerFile, 1);
  integerAtLeast('referenceEveryDays', resolved.referenceEveryDays, 1);
  share('correctionShare', resolved.correctionShare);
  share('gapShare', resolved.gapShare);
  share('joinShare', resolved.joinShare);
  for (const source of DEMO_SOURCES) share(`sourceShares.${source}`, shares[source]);
  if (DEMO_SOURCES.every((source) => shares[source] === 0)) problems.push('sourceShares must not all be 0');
  if (resolved.recentDays > resolved.days) {
    problems.push(`recentDays (${resolved.recentDays}) must not exceed days (${resolved.days})`);
  }
  const endMs = /^\d{4}-\d{2}-\d{2}$/.test(resolved.endDate) ? Date.parse(`${resolved.endDate}T00:00:00Z`) : NaN;
  if (Number.isNaN(endMs)) problems.push(`endDate must be a YYYY-MM-DD date, got '${resolved.endDate}'`);
  if (problems.length > 0) throw new DemoOptionsError(problems);
  return { ...resolved, windowStartMs: endMs - (resolved.days - 1) * DAY_MS };
}

/** `YYYY-MM-DD` of a UTC instant. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
