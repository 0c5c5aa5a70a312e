import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUALITIES, type Quality } from './canonical';
import { REPO_ROOT } from '../repo-root';

/** Input formats a source profile can declare. */
export const READING_FORMATS = ['csv', 'octopus-json', 'green-button-xml'] as const;
export type ReadingFormat = (typeof READING_FORMATS)[number];

export const ENERGY_UNITS = ['Wh', 'kWh', 'kW'] as const;
/** Wh and kWh are energy per interval; kW is the average power over the interval. */
export type EnergyUnit = (typeof ENERGY_UNITS)[number];

/** Where the values of a record are found (CSV header names, JSON "columns" names). */
export interface ColumnMapping {
  meterId: string;
  timestamp: string;
  /** Absent when the profile has a fixed `intervalMinutes`. */
  intervalMinutes?: string;
  value: string;
  /** Absent when every reading has `quality.default`. */
  quality?: string;
}

export interface TimestampSpec {
  /** 'iso8601', or a DuckDB strptime pattern such as '%d.%m.%Y %H:%M' (may include %z). */
  format: string;
  /** IANA zone of naive local timestamps; absent = every value must carry its UTC offset. */
  timezone?: string;
  /** Whether the timestamp labels the interval's start or its end. */
  labels: 'start' | 'end';
}

export interface QualitySpec {
  /** Source quality code → canonical quality. */
  map: Record<string, Quality>;
  /** Quality for records without a quality value; absent = such records are rejected. */
  default?: Quality;
}

/** Everything needed to read one source's files; a new utility is a new profile, not code. */
export interface SourceProfile {
  name: string;
  format: ReadingFormat;
  description: string;
  columns: ColumnMapping;
  /** CSV only. */
  delimiter: string;
  /** CSV only. */
  quote: string;
  /** ',' for sources that write 0,52 (CSV only). */
  decimalSeparator: '.' | ',';
  /** CSV: header columns beyond the mapped ones are ignored instead of rejecting the file. */
  allowExtraColumns: boolean;
  timestamp: TimestampSpec;
  /** Fixed interval length; null = read from `columns.intervalMinutes` (or the XML). */
  intervalMinutes: number | null;
  unit: EnergyUnit;
  quality: QualitySpec;
  /** Plausible maximum kWh per interval; larger values are rejected. */
  maxKwhPerInterval: number;
  /** Negative values (export) are accepted. */
  allowNegative: boolean;
  /** Zone in which this source's days are settled. */
  settlementTimezone: string;
  /** Format of files under `landing/<source>/reference/` (e.g. the Octopus SQLite database). */
  referenceFormat?: 'sqlite';
  /**
   * Regular expression a (trimmed) meter id must match as a whole, on top of the rule every
   * profile has (at most 64 characters, MAX_METER_ID_LENGTH in validate.ts, no control character). @default absent
   */
  meterIdPattern?: string;
}


/** The config file could not be used; `problems` lists every problem found. */
export class SourceProfileError extends Error {
  override readonly name = 'SourceProfileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid source profiles in ${file}:\n  - ${problems.join('\n  - ')}`);
  }
}

export const SOURCE_PROFILES_VERSION = 1;
export const DEFAULT_SOURCE = 'default';
export const DEFAULT_SOURCES_PATH = join(REPO_ROOT, 'config', 'sources.json');

const IDENTITY_QUALITY: Record<string, Quality> = { actual: 'actual', estimated: 'estimated', substituted: 'substituted' };

/** The canonical CSV: meter_id,interval_start,interval_minutes,kwh,quality with offset timestamps. */
export const DEFAULT_PROFILE: SourceProfile = Object.freeze({
  name: DEFAULT_SOURCE,
  format: 'csv',
  description: 'Canonical CSV: meter_id,interval_start,interval_minutes,kwh,quality; ISO-8601 with offset',
  columns: { meterId: 'meter_id', timestamp: 'interval_start', intervalMinutes: 'interval_minutes', value: 'kwh', quality: 'quality' },
  delimiter: ',',
  quote: '"',
  decimalSeparator: '.',
  allowExtraColumns: false,
  timestamp: { format: 'iso8601', labels: 'start' },
  intervalMinutes: null,
  unit: 'kWh',
  quality: { map: IDENTITY_QUALITY },
  maxKwhPerInterval: 50,
  allowNegative: false,
  settlementTimezone: 'Europe/London',
}) as SourceProfile;

/** Load and validate the versioned profiles file (default config/sources.json); `default` always exists. */
export function loadSourceProfiles(path: string = DEFAULT_SOURCES_PATH): Map<string, SourceProfile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SourceProfileError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new SourceProfileError(path, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseSourceProfiles(document, path);
}

/** Validate a parsed profiles document; every problem is reported in one SourceProfileError. */
export function parseSourceProfiles(document: unknown, file = '<inline>'): Map<string, SourceProfile> {
  const problems: string[] = [];
  const profiles = new Map<string, SourceProfile>();
  if (!isObject(document)) throw new SourceProfileError(file, ['the document must be a JSON object']);
  if (document.version !== SOURCE_PROFILES_VERSION) {
    problems.push(`version: expected ${SOURCE_PROFILES_VERSION}, got ${JSON.stringify(document.version)}`);
  }
  if (!isObject(document.sources)) {
    problems.push('sources: expected an object of profiles keyed by source name');
  } else {
    for (const [name, raw] of Object.entries(document.sources)) {
      const profile = parseProfile(name, raw, problems);
      if (profile) profiles.set(name, profile);
    }
  }
  if (problems.length > 0) throw new SourceProfileError(file, problems);
  if (!profiles.has(DEFAULT_SOURCE)) profiles.set(DEFAULT_SOURCE, DEFAULT_PROFILE);
  return profiles;
}

const PROFILE_KEYS = new Set([
  'format', 'description', 'columns', 'delimiter', 'quote', 'decimalSeparator', 'allowExtraColumns', 'timestamp',
  'intervalMinutes', 'unit', 'quality', 'maxKwhPerInterval', 'allowNegative', 'settlementTimezone', 'referenceFormat',
  'meterIdPattern',
]);

/** User fields merged over the defaults of the profile's format, then checked. */
function parseProfile(name: string, raw: unknown, problems: string[]): SourceProfile | undefined {
  const at = `sources.${name}`;
  const before = problems.length;
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
    problems.push(`${at}: a source name must be lower-case letters, digits, '-' or '_' (it is a landing folder name)`);
  }
  if (!isObject(raw)) {
    problems.push(`${at}: expected an object`);
    return undefined;
  }
  for (const key of Object.keys(raw)) if (!PROFILE_KEYS.has(key)) problems.push(`${at}.${key}: unknown setting`);
  const format = raw.format;
  if (!READING_FORMATS.includes(format as ReadingFormat)) {
    problems.push(`${at}.format: expected one of ${READING_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    return undefined;
  }
  const base = defaultsFor(format as ReadingFormat);
  const profile: SourceProfile = {
    ...base,
    ...(raw as Partial<SourceProfile>),
    name,
    // A column mapping is replaced as a whole: optional columns must not leak in from the defaults.
    columns: isObject(raw.columns) ? (raw.columns as unknown as ColumnMapping) : base.columns,
    timestamp: { ...base.timestamp, ...(isObject(raw.timestamp) ? (raw.timestamp as Partial<TimestampSpec>) : {}) },
    quality: { ...base.quality, ...(isObject(raw.quality) ? (raw.quality as Partial<QualitySpec>) : {}) },
  };
  checkProfile(profile, at, problems);
  return problems.length === before ? profile : undefined;
}

function defaultsFor(format: ReadingFormat): SourceProfile {
  if (format === 'octopus-json') {
    return {
      ...DEFAULT_PROFILE,
      columns: { meterId: 'meterpoint_id', timestamp: 'interval_start', value: 'consumption_delta' },
      timestamp: { format: 'iso8601', timezone: 'Europe/London', labels: 'start' },
      intervalMinutes: 30,
      quality: { map: IDENTITY_QUALITY, default: 'actual' },
    };
  }
  if (format === 'green-button-xml') {
    return { ...DEFAULT_PROFILE, unit: 'Wh', quality: { map: ESPI_QUALITY_MAP, default: 'actual' } };
  }
  return DEFAULT_PROFILE;
}

/**
 * ESPI QualityOfReading codes (NAESB REQ.21 espi.xsd) → canonical quality. Valid/validated/verified
 * readings are actual; estimates and projections are estimated; edited, derived, mixed and
 * otherwise adjusted values are substituted. Profiles may override it.
 */
export const ESPI_QUALITY_MAP: Record<string, Quality> = {
  '0': 'actual', // valid
  '7': 'substituted', // manually edited
  '8': 'estimated', // estimated using reference day
  '9': 'estimated', // estimated using linear interpolation
  '10': 'actual', // questionable (a measured value flagged for review)
  '11': 'substituted', // derived
  '12': 'estimated', // projected (forecast)
  '13': 'substituted', // mixed
  '14': 'actual', // raw
  '15': 'substituted', // normalized for weather
  '16': 'substituted', // other
  '17': 'actual', // validated
  '18': 'actual', // verified
  '19': 'actual', // revenue-quality
};

function checkProfile(p: SourceProfile, at: string, problems: string[]): void {
  const columns = p.columns as unknown as Record<string, unknown>;
  const needsColumns = p.format !== 'green-button-xml';
  for (const key of ['meterId', 'timestamp', 'value'] as const) {
    if (needsColumns && !isNonEmptyString(columns[key])) problems.push(`${at}.columns.${key}: expected a column name`);
  }
  for (const key of ['intervalMinutes', 'quality'] as const) {
    if (columns[key] !== undefined && !isNonEmptyString(columns[key])) {
      problems.push(`${at}.columns.${key}: expected a column name or no entry`);
    }
  }
  if (needsColumns) {
    const names = Object.values(columns).filter((v) => v !== undefined);
    if (new Set(names).size !== names.length) problems.push(`${at}.columns: two fields map to the same column`);
  }
  if (typeof p.description !== 'string') problems.push(`${at}.description: expected a string`);
  // One byte: DuckDB's CSV reader takes nothing longer (nor does the fast path's byte scan).
  if (typeof p.delimiter !== 'string' || Buffer.byteLength(p.delimiter) !== 1 || /["\r\n]/.test(p.delimiter)) {
    problems.push(`${at}.delimiter: expected one ASCII character other than a quote or newline, got ${JSON.stringify(p.delimiter)}`);
  }
  if (typeof p.quote !== 'string' || Buffer.byteLength(p.quote) !== 1 || p.quote === p.delimiter) {
    problems.push(`${at}.quote: expected one ASCII character different from the delimiter, got ${JSON.stringify(p.quote)}`);
  }
  if (p.decimalSeparator !== '.' && p.decimalSeparator !== ',') {
    problems.push(`${at}.decimalSeparator: expected "." or ",", got ${JSON.stringify(p.decimalSeparator)}`);
  } else if (p.decimalSeparator === ',' && p.delimiter === ',') {
    problems.push(`${at}.decimalSeparator: "," needs a delimiter other than ","`);
  }
  if (typeof p.allowExtraColumns !== 'boolean') problems.push(`${at}.allowExtraColumns: expected true or false`);
  if (typeof p.allowNegative !== 'boolean') problems.push(`${at}.allowNegative: expected true or false`);
  checkTimestamp(p, at, problems);
  if (p.intervalMinutes !== null && ![5, 15, 30, 60].includes(p.intervalMinutes as number)) {
    problems.push(`${at}.intervalMinutes: expected 5, 15, 30, 60 or null, got ${JSON.stringify(p.intervalMinutes)}`);
  }
  if (needsColumns && p.intervalMinutes === null && !p.columns.intervalMinutes) {
    problems.push(`${at}: set intervalMinutes (fixed) or columns.intervalMinutes (a column)`);
  }
  if (!ENERGY_UNITS.includes(p.unit)) {
    problems.push(`${at}.unit: expected one of ${ENERGY_UNITS.join(', ')}, got ${JSON.stringify(p.unit)}`);
  }
  checkQuality(p, at, problems);
  if (typeof p.maxKwhPerInterval !== 'number' || !(p.maxKwhPerInterval > 0) || !Number.isFinite(p.maxKwhPerInterval)) {
    problems.push(`${at}.maxKwhPerInterval: expected a positive number, got ${JSON.stringify(p.maxKwhPerInterval)}`);
  }
  if (!isTimeZone(p.settlementTimezone)) {
    problems.push(`${at}.settlementTimezone: unknown IANA time zone ${JSON.stringify(p.settlementTimezone)}`);
  }
  if (p.referenceFormat !== undefined && p.referenceFormat !== 'sqlite') {
    problems.push(`${at}.referenceFormat: expected "sqlite" or no entry, got ${JSON.stringify(p.referenceFormat)}`);
  }
  const patternProblem = meterIdPatternProblem(p.meterIdPattern);
  if (patternProblem) problems.push(`${at}.meterIdPattern: ${patternProblem}, got ${JSON.stringify(p.meterIdPattern)}`);
}

/**
 * What is wrong with a meter-id pattern; undefined when fine or absent. It runs in DuckDB (RE2), so
 * it must also compile in JavaScript and use none of the constructs RE2 lacks (lookaround, backreferences).
 */
function meterIdPatternProblem(pattern: unknown): string | undefined {
  if (pattern === undefined) return undefined;
  if (!isNonEmptyString(pattern)) return 'expected a regular expression';
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `not a valid regular expression (${(error as Error).message})`;
  }
  if (/\\(?:[1-9]|k<)|\(\?<?[=!]/.test(pattern)) return 'lookaround and backreferences are not supported (DuckDB regular expressions are RE2)';
  return undefined;
}

function checkTimestamp(p: SourceProfile, at: string, problems: string[]): void {
  const { format, timezone, labels } = p.timestamp;
  if (!isNonEmptyString(format) || (format !== 'iso8601' && !format.includes('%'))) {
    problems.push(`${at}.timestamp.format: expected "iso8601" or a strptime pattern such as "%d.%m.%Y %H:%M", got ${JSON.stringify(format)}`);
  }
  if (timezone !== undefined && timezone !== null && !isTimeZone(timezone)) {
    problems.push(`${at}.timestamp.timezone: unknown IANA time zone ${JSON.stringify(timezone)}`);
  }
  if (typeof format === 'string' && format.includes('%z') && timezone) {
    problems.push(`${at}.timestamp: a pattern with %z carries its offset; remove timezone`);
  }
  if (typeof format === 'string' && format !== 'iso8601' && format.includes('%') && !format.includes('%z') && !timezone) {
    problems.push(`${at}.timestamp.timezone: a pattern without %z needs the time zone of its local times`);
  }
  if (labels !== 'start' && labels !== 'end') {
    problems.push(`${at}.timestamp.labels: expected "start" or "end", got ${JSON.stringify(labels)}`);
  }
}

function checkQuality(p: SourceProfile, at: string, problems: string[]): void {
  const { map, default: fallback } = p.quality;
  if (!isObject(map) || Object.keys(map).length === 0) {
    problems.push(`${at}.quality.map: expected an object of source code → ${QUALITIES.join('|')}`);
  } else {
    for (const [code, quality] of Object.entries(map)) {
      if (!QUALITIES.includes(quality)) {
        problems.push(`${at}.quality.map.${code}: expected one of ${QUALITIES.join(', ')}, got ${JSON.stringify(quality)}`);
      }
    }
  }
  if (fallback !== undefined && fallback !== null && !QUALITIES.includes(fallback)) {
    problems.push(`${at}.quality.default: expected one of ${QUALITIES.join(', ')}, got ${JSON.stringify(fallback)}`);
  }
  if (p.format !== 'green-button-xml' && !p.columns.quality && !fallback) {
    problems.push(`${at}: set quality.default or columns.quality`);
  }
}

function isTimeZone(zone: unknown): boolean {
  if (!isNonEmptyString(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The column names a profile's files must have, in the profile's order. */
export function expectedColumns(profile: SourceProfile): string[] {
  const c = profile.columns;
  return [c.meterId, c.timestamp, c.intervalMinutes, c.value, c.quality].filter((name): name is string => name !== undefined);
}

/** What is wrong with a file's column names for this profile (duplicates, missing, unexpected); empty when fine. */
export function headerProblems(names: string[], profile: SourceProfile): string[] {
  const expected = expectedColumns(profile);
  const problems: string[] = [];
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0) problems.push(`duplicate columns: ${[...new Set(duplicates)].join(', ')}`);
  const absent = expected.filter((name) => !names.includes(name));
  if (absent.length > 0) problems.push(`missing columns: ${absent.join(', ')}`);
  const unexpected = names.filter((name) => !expected.includes(name));
  if (unexpected.length > 0 && !profile.allowExtraColumns) problems.push(`unexpected columns: ${unexpected.join(', ')}`);
  return problems;
}
