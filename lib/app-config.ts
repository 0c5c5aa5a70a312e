/**
 * The app's configuration: CDK context keys (cdk.json or `-c key=value`), their defaults, and the
 * validation that runs before any construct is created. Every problem is collected and reported in
 * one error, so a deploy fails once with the full list of what to change.
 */

import { readMskConfig, type MskConfig } from './msk-config';

/** Lambda architectures the DuckDB layer is built for (scripts/lambda-layer-build.cjs). */
export type LambdaArchitecture = 'arm64' | 'x86_64';
/** S3 Object Lock modes for the audit bucket. */
export type AuditLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** A recurring EventBridge Scheduler time: a `cron(...)` expression read in an IANA time zone. */
export interface ScheduleConfig {
  readonly cron: string;
  readonly timeZone: string;
}

/** The validated app configuration. */
export interface MeterlakeConfig {
  /** E-mail address subscribed to the alarm topic; none when undefined. */
  readonly alertEmail?: string;
  readonly architecture: LambdaArchitecture;
  /** Context flag that, together with the stack's prop, lets `cdk destroy` delete data. */
  readonly destroyOnRemove: boolean;
  readonly dailySchedule: ScheduleConfig;
  readonly maintenanceSchedule: ScheduleConfig;
  /** Memory of the commit function, and of any function that names no memory of its own. */
  readonly functionMemoryMb: number;
  /** Memory of the daily run's plan, commit and hooks (gold tables, data quality) and of maintenance. */
  readonly jobMemoryMb: number;
  readonly ingestMemoryMb: number;
  readonly ingestEphemeralStorageMb: number;
  readonly mergeMemoryMb: number;
  readonly mergeEphemeralStorageMb: number;
  /** Day partitions merged at once by the daily job's Map state. */
  readonly mapMaxConcurrency: number;
  /** Athena's per-query scan limit in the workgroup. */
  readonly athenaBytesScannedCutoff: number;
  readonly landingNoncurrentVersionDays: number;
  readonly historyColdAfterDays: number;
  readonly auditLockMode: AuditLockMode;
  readonly auditRetentionDays: number;
  /** The sensor stream's MSK source (lib/msk-config.ts); absent: no streaming part is deployed. */
  readonly msk?: MskConfig;
}

/** Defaults for every context key (cdk.json repeats them so they are visible where they are changed). */
export const DEFAULT_CONFIG: MeterlakeConfig = {
  alertEmail: undefined,
  // The DuckDB binding ships a glibc arm64 build (GLIBC ≤ 2.25, GLIBCXX ≤ 3.4.22: fine on Amazon Linux 2023),
  // and Graviton costs ~20 % less per GB-second.
  architecture: 'arm64',
  destroyOnRemove: false,
  // After midnight in the utilities' time zone, once the evening's late drops have landed.
  dailySchedule: { cron: 'cron(30 2 * * ? *)', timeZone: 'Europe/London' },
  maintenanceSchedule: { cron: 'cron(0 4 ? * SUN *)', timeZone: 'Europe/London' },
  functionMemoryMb: 2048,
  jobMemoryMb: 4096,
  ingestMemoryMb: 4096,
  ingestEphemeralStorageMb: 4096,
  mergeMemoryMb: 10240,
  mergeEphemeralStorageMb: 10240,
  mapMaxConcurrency: 8,
  athenaBytesScannedCutoff: 200 * 1024 ** 3,
  landingNoncurrentVersionDays: 30,
  historyColdAfterDays: 90,
  auditLockMode: 'GOVERNANCE',
  auditRetentionDays: 2557,
};

/** The configuration's problems, each naming the context key, the value and what is expected. */
export class AppConfigError extends Error {
  override readonly name = 'AppConfigError';
  constructor(readonly problems: string[]) {
    super(`meterlake context is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads one context key; undefined when unset. */
export type ContextReader = (key: string) => unknown;

const ARCHITECTURES: readonly LambdaArchitecture[] = ['arm64', 'x86_64'];
const LOCK_MODES: readonly AuditLockMode[] = ['GOVERNANCE', 'COMPLIANCE'];
// EventBridge Scheduler's cron: six fields (minutes hours day-of-month month day-of-week year).
const CRON = /^cron\((\S+\s+){5}\S+\)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads and validates every context key the app uses, over DEFAULT_CONFIG. Values given on the
 * command line arrive as strings ("true", "4096", '{"cron":…}'), so each is parsed by its type.
 * Throws AppConfigError listing all problems at once.
 */
export function readAppConfig(context: ContextReader): MeterlakeConfig {
  const problems: string[] = [];
  const raw = (key: keyof MeterlakeConfig): unknown => {
    const value = context(key);
    return value === undefined || value === '' ? undefined : value;
  };

  const text = (key: keyof MeterlakeConfig): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') problems.push(`${key}: expected a string, got ${JSON.stringify(value)}`);
    return typeof value === 'string' ? value : undefined;
  };
  const oneOf = <T extends string>(key: keyof MeterlakeConfig, allowed: readonly T[], fallback: T): T => {
    const value = text(key);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`${key}: "${value}" is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  };
  const flag = (key: keyof MeterlakeConfig, fallback: boolean): boolean => {
    const value = raw(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${key}: expected true or false, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const integer = (key: keyof MeterlakeConfig, fallback: number, min: number, max: number, unit = ''): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${key}: expected a whole number from ${min} to ${max}${unit}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return n;
  };
  const schedule = (key: 'dailySchedule' | 'maintenanceSchedule'): ScheduleConfig => {
    const fallback = DEFAULT_CONFIG[key];
    let value = raw(key);
    if (value === undefined) return fallback;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        problems.push(`${key}: expected {"cron": "cron(...)", "timeZone": "Area/City"} as JSON, got ${JSON.stringify(value)}`);
        return fallback;
      }
    }
    if (typeof value !== 'object' || value === null) {
      problems.push(`${key}: expected an object {cron, timeZone}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    const { cron = fallback.cron, timeZone = fallback.timeZone } = value as Partial<ScheduleConfig>;
    let ok = true;
    if (typeof cron !== 'string' || !CRON.test(cron.trim())) {
      problems.push(`${key}.cron: expected an EventBridge Scheduler expression like "cron(30 2 * * ? *)" (six fields), got ${JSON.stringify(cron)}`);
      ok = false;
    }
    if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
      problems.push(`${key}.timeZone: expected an IANA time zone like "Europe/London", got ${JSON.stringify(timeZone)}`);
      ok = false;
    }
    return ok ? { cron: cron.trim(), timeZone } : fallback;
  };

  const alertEmail = text('alertEmail');
  if (alertEmail !== undefined && !EMAIL.test(alertEmail)) problems.push(`alertEmail: "${alertEmail}" is not an e-mail address`);
  // Lambda's limits: memory 128–10240 MB, ephemeral storage 512–10240 MB.
  const memory = (key: keyof MeterlakeConfig) => integer(key, DEFAULT_CONFIG[key] as number, 128, 10240, ' (MB)');
  const storage = (key: keyof MeterlakeConfig) => integer(key, DEFAULT_CONFIG[key] as number, 512, 10240, ' (MB)');

  const config: MeterlakeConfig = {
    alertEmail,
    architecture: oneOf('architecture', ARCHITECTURES, DEFAULT_CONFIG.architecture),
    destroyOnRemove: flag('destroyOnRemove', DEFAULT_CONFIG.destroyOnRemove),
    dailySchedule: schedule('dailySchedule'),
    maintenanceSchedule: schedule('maintenanceSchedule'),
    functionMemoryMb: memory('functionMemoryMb'),
    jobMemoryMb: memory('jobMemoryMb'),
    ingestMemoryMb: memory('ingestMemoryMb'),
    ingestEphemeralStorageMb: storage('ingestEphemeralStorageMb'),
    mergeMemoryMb: memory('mergeMemoryMb'),
    mergeEphemeralStorageMb: storage('mergeEphemeralStorageMb'),
    // Step Functions' inline Map runs at most 40 iterations at once.
    mapMaxConcurrency: integer('mapMaxConcurrency', DEFAULT_CONFIG.mapMaxConcurrency, 1, 40),
    // Athena's minimum per-query cutoff is 10 MB.
    athenaBytesScannedCutoff: integer('athenaBytesScannedCutoff', DEFAULT_CONFIG.athenaBytesScannedCutoff, 10_000_000, Number.MAX_SAFE_INTEGER, ' (bytes)'),
    landingNoncurrentVersionDays: integer('landingNoncurrentVersionDays', DEFAULT_CONFIG.landingNoncurrentVersionDays, 1, 3650, ' (days)'),
    // Glacier Instant Retrieval bills 90 days at least: a shorter value saves nothing on data still being read.
    historyColdAfterDays: integer('historyColdAfterDays', DEFAULT_CONFIG.historyColdAfterDays, 1, 3650, ' (days)'),
    auditLockMode: oneOf('auditLockMode', LOCK_MODES, DEFAULT_CONFIG.auditLockMode),
    auditRetentionDays: integer('auditRetentionDays', DEFAULT_CONFIG.auditRetentionDays, 1, 36500, ' (days)'),
    msk: readMskConfig(raw('msk'), problems),
  };
  if (problems.length > 0) throw new AppConfigError(problems);
  return config;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: name });
    return name.includes('/') || name === 'UTC';
  } catch {
    return false;
  }
}
