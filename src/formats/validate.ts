import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { type AcceptedRowsSink, ALLOWED_INTERVAL_MINUTES, type ParseContext, type StreamedParseResult } from './canonical';
import type { EnergyUnit, SourceProfile } from './source-profiles';
import { tempName } from './sql-names';

/**
 * Shared validation: every format first stages its records as text in one relation, then this
 * module types, converts and checks them in SQL, so a bad row becomes a reject row with field,
 * value, reason code and message, and the good rows become canonical readings.
 *
 * Staged relation columns: source_row BIGINT, raw VARCHAR, meter_id VARCHAR, ts VARCHAR,
 * minutes VARCHAR, value VARCHAR, quality VARCHAR, value_pow10 INTEGER.
 * Pre-rejected relation (records the reader could not split): source_row BIGINT, raw, field,
 * value, reason, message (all VARCHAR but source_row).
 */
export interface ValidationSpec {
  profile: SourceProfile;
  /** 'profile' = text per profile.timestamp; 'epoch-seconds' = Unix seconds (Green Button). */
  timestamps: 'profile' | 'epoch-seconds';
  unit: EnergyUnit;
  /** Fixed interval length; null = staged `minutes` column. */
  fixedMinutes: number | null;
  /** Field names reported in rejects (source column or element names). */
  fieldNames: { meterId: string; timestamp: string; minutes: string; value: string; quality: string };
}

/** Earliest and latest plausible interval start. */
export const MIN_START = '2000-01-01 00:00:00+00';
export const MAX_START = '2100-01-01 00:00:00+00';
/** Longest meter id any profile accepts, in characters (a Green Button usage point's urn:uuid is 45). */
export const MAX_METER_ID_LENGTH = 64;

/** Validation of rows whose timestamps, unit and column names come from the source profile. */
export function profileValidationSpec(profile: SourceProfile): ValidationSpec {
  return {
    profile,
    timestamps: 'profile',
    unit: profile.unit,
    fixedMinutes: profile.intervalMinutes,
    fieldNames: {
      meterId: profile.columns.meterId,
      timestamp: profile.columns.timestamp,
      minutes: profile.columns.intervalMinutes ?? 'interval_minutes',
      value: profile.columns.value,
      quality: profile.columns.quality ?? 'quality',
    },
  };
}

/** The staged records of one parse: a SELECT that can be read more than once. */
export interface StagedRecords {
  /** SELECT with the staged columns (see above), except that `raw` may be replaced by `rawSql`. */
  stagedSql: string;
  /** SQL over the staged columns giving the record text; evaluated for rejected rows only. @default 'raw' */
  rawSql?: string;
}

/**
 * One validation of staged records, as SQL that is never materialised: `acceptedSql` yields the
 * accepted rows (READING_COLUMNS) and is read once by the sink; `collectRejects` then builds the
 * small rejected table with a second, filtered read — only when the sink's read met a rejected row.
 */
export class ReadingsValidation {
  private constructor(
    private readonly session: DuckDbSession,
    private readonly spec: ValidationSpec,
    private readonly checkedSql: string,
    private readonly rawSql: string,
    private readonly rejectCounter: string,
    private readonly ambiguity: string | undefined,
    private readonly ctx: ParseContext,
  ) {}

  /** Plan the validation; a profile with a local time zone first ranks its fall-back-hour rows (one read). */
  static async create(session: DuckDbSession, records: StagedRecords, spec: ValidationSpec, ctx: ParseContext): Promise<ReadingsValidation> {
    const rejectCounter = tempName('rejects_seen');
    await session.run(`CREATE TEMP SEQUENCE ${rejectCounter} START 1`);
    const ambiguity = localTimezone(spec) ? tempName('ambiguous') : undefined;
    const validation = new ReadingsValidation(
      session, spec, checkedRowsSql(records.stagedSql, spec, ambiguity), records.rawSql ?? 'raw', rejectCounter, ambiguity, ctx,
    );
    try {
      if (ambiguity) await rankAmbiguousLocalTimes(session, records.stagedSql, spec, ambiguity);
    } catch (error) {
      await validation.drop();
      throw error;
    }
    return validation;
  }

  /**
   * The accepted rows with READING_COLUMNS. A rejected row met while reading it advances the
   * reject counter (the OR's right side runs only for rows that fail), so a clean file needs no second read.
   */
  get acceptedSql(): string {
    const c = contextColumns(this.ctx);
    return `SELECT meter_id, interval_start, CAST(minutes_i AS INTEGER) AS interval_minutes, kwh, quality_c AS quality,
              ${c.source} AS source, ${c.sourceFile} AS source_file, source_row,
              ${c.batchId} AS batch_id, ${c.receivedAt} AS received_at
       FROM (${this.checkedSql}) WHERE check_no = 0 OR nextval(${sqlString(this.rejectCounter)}) < 0`;
  }

  /** Whether a read of acceptedSql met a rejected row (or acceptedSql was never read to the end). */
  async rejectsSeen(): Promise<boolean> {
    const last = await this.session.scalar(
      `SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ${sqlString(this.rejectCounter)} AND temporary`,
    );
    return last !== null && last !== undefined;
  }

  /**
   * Build the rejected table (REJECTED_COLUMNS, by source_row) from the pre-rejects and, when the
   * read of acceptedSql met any, the rows that failed a check. Returns its name and row count.
   */
  async collectRejects(preRejected: string | undefined, alwaysRead = false): Promise<{ rejectedTable: string; rejected: number }> {
    const parts: string[] = [];
    if (alwaysRead || (await this.rejectsSeen())) parts.push(`SELECT source_row, ${this.rawSql} AS raw, field, value, reason, message FROM (${rejectedRowsSql(this.checkedSql, this.spec)})`);
    if (preRejected) parts.push(`SELECT source_row, raw, field, value, reason, message FROM ${preRejected}`);
    return createRejectedTable(this.session, this.ctx, parts);
  }

  /** Drop the counter and the ambiguity table. */
  async drop(): Promise<void> {
    await this.session.run(`DROP SEQUENCE IF EXISTS ${this.rejectCounter}`);
    if (this.ambiguity) await this.session.run(`DROP TABLE IF EXISTS ${this.ambiguity}`);
  }
}

/**
 * Validate staged records a JS reader wrote into TEMP tables: the sink reads the accepted rows
 * once, then the rejected table is built. Drop the rejected table when done.
 */
export async function validateStagedReadings<T>(
  session: DuckDbSession,
  input: { staged: string; preRejected?: string },
  spec: ValidationSpec,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
): Promise<StreamedParseResult<T>> {
  const validation = await ReadingsValidation.create(session, { stagedSql: `SELECT * FROM ${input.staged}` }, spec, ctx);
  try {
    const { result, rows } = await sink.write(validation.acceptedSql);
    try {
      const { rejectedTable, rejected } = await validation.collectRejects(input.preRejected);
      return { written: result, rejectedTable, rowsIn: rows + rejected, accepted: rows, rejected };
    } catch (error) {
      await sink.discard(result);
      throw error;
    }
  } finally {
    await validation.drop();
  }
}

/**
 * The rejected TEMP table (REJECTED_COLUMNS, by source_row) of a parse: the union of `parts`
 * (SELECTs of source_row, raw, field, value, reason, message), empty without any. Returns its name and row count.
 */
export async function createRejectedTable(session: DuckDbSession, ctx: ParseContext, parts: string[]): Promise<{ rejectedTable: string; rejected: number }> {
  const c = contextColumns(ctx);
  const rejectedTable = tempName('rejected');
  const rows = parts.length > 0
    ? parts.join(' UNION ALL ')
    : `SELECT CAST(NULL AS BIGINT) AS source_row, NULL AS raw, NULL AS field, NULL AS value, NULL AS reason, NULL AS message WHERE false`;
  // Rows carry source_row, so their order need not be kept while reading; keeping it is 2x slower.
  const preserveOrder = await session.scalar<boolean>(`SELECT current_setting('preserve_insertion_order')`);
  await session.run(`SET preserve_insertion_order = false`);
  try {
    await session.run(
      `CREATE TEMP TABLE ${rejectedTable} AS
       SELECT ${c.source} AS source, ${c.sourceFile} AS source_file, CAST(source_row AS BIGINT) AS source_row,
              CAST(raw AS VARCHAR) AS raw, CAST(field AS VARCHAR) AS field, CAST(value AS VARCHAR) AS value,
              CAST(reason AS VARCHAR) AS reason, CAST(message AS VARCHAR) AS message,
              ${c.batchId} AS batch_id, ${c.receivedAt} AS received_at
       FROM (${rows}) ORDER BY source_row`,
    );
  } finally {
    await session.run(`SET preserve_insertion_order = ${preserveOrder ? 'true' : 'false'}`);
  }
  const rejected = parts.length > 0 ? Number(await session.scalar(`SELECT count(*) FROM ${rejectedTable}`)) : 0;
  return { rejectedTable, rejected };
}

export function contextColumns(ctx: ParseContext) {
  return {
    source: sqlString(ctx.source),
    sourceFile: sqlString(ctx.sourceFile),
    batchId: sqlString(ctx.batchId),
    receivedAt: `CAST(${sqlString(ctx.receivedAt.toISOString())} AS TIMESTAMPTZ)`,
  };
}

/**
 * In a fall-back hour a naive local time names two instants: the first occurrence of a meter's
 * label in the file keeps the earlier one, the second moves one hour later, a third is rejected.
 * Ranks every row with an ambiguous label (failing or not, as before) into a small table.
 */
async function rankAmbiguousLocalTimes(session: DuckDbSession, stagedSql: string, spec: ValidationSpec, table: string): Promise<void> {
  await session.run(
    `CREATE TEMP TABLE ${table} AS
     SELECT * FROM (SELECT source_row, row_number() OVER (PARTITION BY meter_id, amb_local ORDER BY source_row) AS occurrence
                    FROM (${convertedRowsSql(stagedSql, spec)}) WHERE amb_local IS NOT NULL)
     WHERE occurrence >= 2`,
  );
}

function localTimezone(spec: ValidationSpec): string | undefined {
  return spec.timestamps === 'profile' ? spec.profile.timestamp.timezone ?? undefined : undefined;
}

interface Check {
  reason: string;
  /** SQL condition that is true when the row fails. */
  fails: string;
  field: string;
  value: string;
  message: string;
}

/** The SELECT that types and converts every staged record (no checks yet). */
function convertedRowsSql(stagedSql: string, spec: ValidationSpec): string {
  const { profile } = spec;
  const zone = localTimezone(spec);
  const dec = profile.decimalSeparator === ',' ? `replace(value, ',', '.')` : 'value';
  const minutes = spec.fixedMinutes === null ? 'minutes_d' : `CAST(${spec.fixedMinutes} AS DOUBLE)`;
  const labelOffset = spec.profile.timestamp.labels === 'end' && spec.timestamps === 'profile'
    ? ` - to_minutes(TRY_CAST(${minutes} AS BIGINT))`
    : '';

  // `* REPLACE` keeps any further staged columns (the record text of a CSV) for the reject pass.
  const trimmed = `SELECT *, ${HAS_OFFSET} AS has_offset FROM (SELECT * REPLACE (nullif(trim(meter_id), '') AS meter_id,
      nullif(trim(ts), '') AS ts, nullif(trim(minutes), '') AS minutes, nullif(trim(value), '') AS value,
      nullif(trim(quality), '') AS quality, coalesce(value_pow10, 0) AS value_pow10) FROM (${stagedSql}))`;
  const typed = `SELECT *, ${labelParseSql(spec)},
      TRY_CAST(minutes AS DOUBLE) AS minutes_d,
      CASE WHEN contains(value, '_') THEN NULL ELSE TRY_CAST(${dec} AS DOUBLE) END AS value_d,
      ${qualitySql(profile)} AS quality_c
    FROM (${trimmed})`;
  const z = zone ? sqlString(zone) : '';
  // An end label at the very start of a spring-forward gap (e.g. 01:00 in London) names the
  // transition instant: the interval ends one minute after the local minute before it.
  const gapEnd = profile.timestamp.labels === 'end'
    ? `CASE WHEN NOT local_exists AND timezone(${z}, timezone(${z}, label_local - INTERVAL 1 MINUTE)) = label_local - INTERVAL 1 MINUTE
            THEN timezone(${z}, label_local - INTERVAL 1 MINUTE) + INTERVAL 1 MINUTE END`
    : 'CAST(NULL AS TIMESTAMPTZ)';
  const instants = zone
    ? `SELECT *, CASE WHEN label_tstz IS NOT NULL THEN label_tstz
                      WHEN local_exists THEN CASE WHEN amb_before THEN g - INTERVAL 1 HOUR ELSE g END
                      ELSE ${gapEnd} END AS label_at,
                 CASE WHEN local_exists AND (amb_before OR amb_after) THEN label_local END AS amb_local
       FROM (SELECT *, timezone(${z}, g) = label_local AS local_exists,
                    timezone(${z}, g - INTERVAL 1 HOUR) = label_local AS amb_before,
                    timezone(${z}, g + INTERVAL 1 HOUR) = label_local AS amb_after
             FROM (SELECT *, timezone(${z}, label_local) AS g FROM (${typed})))`
    : `SELECT *, label_tstz AS label_at, CAST(NULL AS TIMESTAMP) AS amb_local FROM (${typed})`;
  return `SELECT *, ${minutes} AS minutes_i, label_at${labelOffset} AS interval_start, ${kwhSql(spec, minutes)} AS kwh
    FROM (${instants})`;
}

/** Check number of the ambiguity reject (after every row check). */
const AMBIGUOUS_CHECK = 'ambiguous';

/**
 * The converted rows with check_no (0 = accepted, else the number of the first failing check) and
 * the pieces the reject pass needs; with an ambiguity table, second occurrences move one hour later
 * and third ones fail.
 */
function checkedRowsSql(stagedSql: string, spec: ValidationSpec, ambiguity: string | undefined): string {
  const checks = rowChecks(spec);
  const code = `CASE ${checks.map((c, i) => `WHEN ${c.fails} THEN ${i + 1}`).join(' ')} ELSE 0 END`;
  const checked = `SELECT *, ${code} AS check_no FROM (${convertedRowsSql(stagedSql, spec)})`;
  if (!ambiguity) return `SELECT *, CAST(NULL AS BIGINT) AS occurrence FROM (${checked})`;
  const ambiguousNo = checks.length + 1;
  return `SELECT c.* REPLACE (
      CASE WHEN c.check_no = 0 AND a.occurrence = 2 THEN c.interval_start + INTERVAL 1 HOUR ELSE c.interval_start END AS interval_start,
      CASE WHEN c.check_no = 0 AND a.occurrence > 2 THEN ${ambiguousNo} ELSE c.check_no END AS check_no),
    a.occurrence
    FROM (${checked}) c LEFT JOIN ${ambiguity} a ON a.source_row = c.source_row`;
}

/** The failing rows of checkedRowsSql with field, value, reason code and message (all columns kept). */
function rejectedRowsSql(checkedSql: string, spec: ValidationSpec): string {
  const checks: Check[] = [...rowChecks(spec)];
  const zone = localTimezone(spec);
  if (zone) {
    const f = sqlString(spec.fieldNames.timestamp);
    checks.push({
      reason: 'ambiguous_local_time',
      fails: AMBIGUOUS_CHECK,
      field: spec.fieldNames.timestamp,
      value: 'ts',
      message: `format('{} {} occurs {} times for meter {} in the fall-back hour of {}; only two instants exist', ${f}, ts, occurrence, meter_id, ${sqlString(zone)})`,
    });
  }
  const pick = (part: 'reason' | 'field' | 'value' | 'message') =>
    `CASE check_no ${checks.map((c, i) => `WHEN ${i + 1} THEN ${part === 'reason' || part === 'field' ? sqlString(c[part]) : c[part]}`).join(' ')} END`;
  // The picked value replaces the staged `value` column (all other staged columns stay for the record text).
  return `SELECT * REPLACE (${pick('value')} AS value), ${pick('field')} AS field, ${pick('reason')} AS reason, ${pick('message')} AS message
    FROM (${checkedSql}) WHERE check_no > 0`;
}

/**
 * An ISO-8601 text as DuckDB's cast reads it: RFC 3339 (§5.6) allows a lower-case `t` and `z`,
 * which the cast refuses. Messages quote `ts` itself, as received.
 */
const ISO_TS = `translate(ts, 'tz', 'TZ')`;

/**
 * True when an RFC 3339 text has fraction digits beyond the microseconds the cast keeps (it drops
 * them) and one of them is not zero: the instant is then not on a whole second.
 */
export function subMicrosecondFraction(column: string): string {
  return `(contains(${column}, '.') AND regexp_matches(${column}, ':\\d\\d\\.\\d{6}\\d*[1-9]'))`;
}

/** True when an ISO-8601 text ends in a UTC offset (Z, ±hh, ±hhmm, ±hh:mm); string tests, cheaper than a regex. */
const HAS_OFFSET = `(length(ts) > 10 AND (right(ts, 1) IN ('Z', 'z') OR substr(ts, length(ts) - 5, 1) IN ('+', '-')
  OR substr(ts, length(ts) - 4, 1) IN ('+', '-') OR substr(ts, length(ts) - 2, 1) IN ('+', '-')))`;

/** Columns label_tstz (an instant when the text names one) and label_local (naive local time). */
function labelParseSql(spec: ValidationSpec): string {
  if (spec.timestamps === 'epoch-seconds') {
    return `CASE WHEN abs(TRY_CAST(ts AS BIGINT)) < 10000000000 THEN to_timestamp(TRY_CAST(ts AS BIGINT)) END AS label_tstz,
            CAST(NULL AS TIMESTAMP) AS label_local`;
  }
  const { format, timezone } = spec.profile.timestamp;
  if (format === 'iso8601') {
    return `CASE WHEN has_offset THEN TRY_CAST(${ISO_TS} AS TIMESTAMPTZ) END AS label_tstz,
            CASE WHEN NOT has_offset THEN TRY_CAST(${ISO_TS} AS TIMESTAMP) END AS label_local`;
  }
  if (format.includes('%z') || !timezone) {
    return `try_strptime(ts, ${sqlString(format)}) AS label_tstz, CAST(NULL AS TIMESTAMP) AS label_local`;
  }
  return `CAST(NULL AS TIMESTAMPTZ) AS label_tstz, try_strptime(ts, ${sqlString(format)}) AS label_local`;
}

/** Canonical quality, or NULL when the code is missing (and no default) or unmapped. */
export function qualitySql(profile: SourceProfile): string {
  const map = Object.entries(profile.quality.map);
  const fallback = profile.quality.default ? sqlString(profile.quality.default) : 'NULL';
  const cases = map.map(([code, quality]) => `WHEN ${sqlString(code)} THEN ${sqlString(quality)}`).join(' ');
  return `CASE WHEN quality IS NULL THEN ${fallback} ELSE CASE quality ${cases} END END`;
}

/** kWh from the staged value: Wh and kWh scale by powers of ten, kW is average power × hours. */
export function kwhSql(spec: ValidationSpec, minutes: string): string {
  const exponent = spec.unit === 'Wh' ? 'value_pow10 - 3' : 'value_pow10';
  // Multiplying or dividing by an exact power of ten rounds once, so 1234 Wh is exactly 1.234.
  const scaled = `CASE WHEN ${exponent} >= 0 THEN value_d * pow(10, ${exponent}) ELSE value_d / pow(10, -(${exponent})) END`;
  return spec.unit === 'kW' ? `(${scaled}) * ${minutes} / 60` : scaled;
}

function rowChecks(spec: ValidationSpec): Check[] {
  const { profile, fieldNames: f } = spec;
  const name = sqlString(profile.name);
  const zone = localTimezone(spec);
  const allowed = ALLOWED_INTERVAL_MINUTES.join(', ');
  const tsFormat = spec.timestamps === 'epoch-seconds' ? 'Unix seconds' : profile.timestamp.format;
  const isoText = spec.timestamps === 'profile' && profile.timestamp.format === 'iso8601';
  const checks: Check[] = [
    missing('meter_id', f.meterId),
    {
      reason: 'invalid_meter_id',
      fails: `length(meter_id) > ${MAX_METER_ID_LENGTH} OR regexp_matches(meter_id, '[[:cntrl:]]')`,
      field: f.meterId,
      value: 'meter_id',
      message: `format('{} {} is longer than ${MAX_METER_ID_LENGTH} characters or contains control characters', ${sqlString(f.meterId)}, meter_id)`,
    },
    ...(profile.meterIdPattern === undefined ? [] : [{
      reason: 'invalid_meter_id',
      fails: `NOT regexp_full_match(meter_id, ${sqlString(profile.meterIdPattern)})`,
      field: f.meterId,
      value: 'meter_id',
      message: `format('{} {} does not match the meter id pattern {} of profile {}', ${sqlString(f.meterId)}, meter_id, ${sqlString(profile.meterIdPattern)}, ${name})`,
    }]),
    missing('ts', f.timestamp),
  ];
  if (isoText && !zone) {
    checks.push({
      reason: 'timestamp_missing_offset',
      fails: `NOT has_offset AND TRY_CAST(${ISO_TS} AS TIMESTAMP) IS NOT NULL`,
      field: f.timestamp,
      value: 'ts',
      message: `format('{} {} has no UTC offset; profile {} needs one (e.g. 2021-01-01T00:30:00+00:00)', ${sqlString(f.timestamp)}, ts, ${name})`,
    });
  }
  checks.push({
    reason: 'invalid_timestamp',
    fails: `label_tstz IS NULL AND label_local IS NULL`,
    field: f.timestamp,
    value: 'ts',
    message: `format('{} {} is not a timestamp in format {}', ${sqlString(f.timestamp)}, ts, ${sqlString(tsFormat)})`,
  });
  if (zone) {
    checks.push({
      reason: 'nonexistent_local_time',
      fails: `label_at IS NULL`,
      field: f.timestamp,
      value: 'ts',
      message: `format('{} {} does not exist in ${zone} (clocks went forward)', ${sqlString(f.timestamp)}, ts)`,
    });
  }
  if (spec.fixedMinutes === null) {
    checks.push(
      missing('minutes', f.minutes),
      {
        reason: 'invalid_number',
        fails: 'minutes_d IS NULL',
        field: f.minutes,
        value: 'minutes',
        message: `format('{} {} is not a number', ${sqlString(f.minutes)}, minutes)`,
      },
      {
        reason: 'interval_minutes_not_allowed',
        fails: `minutes_d NOT IN (${allowed})`,
        field: f.minutes,
        value: 'minutes',
        message: `format('{} {} is not one of ${allowed}', ${sqlString(f.minutes)}, minutes)`,
      },
    );
  }
  checks.push(
    missing('value', f.value),
    {
      reason: 'kwh_not_finite',
      fails: `(value_d IS NULL AND regexp_full_match(lower(value), '[+-]?(inf|infinity|nan)')) OR (value_d IS NOT NULL AND NOT isfinite(kwh))`,
      field: f.value,
      value: 'value',
      message: `format('{} {} is not a finite number', ${sqlString(f.value)}, value)`,
    },
    {
      reason: 'invalid_number',
      fails: 'value_d IS NULL',
      field: f.value,
      value: 'value',
      message: `format('{} {} is not a number', ${sqlString(f.value)}, value)`,
    },
  );
  if (!profile.allowNegative) {
    checks.push({
      reason: 'negative_kwh',
      fails: 'kwh < 0',
      field: f.value,
      value: 'value',
      message: `format('kwh {} is negative; profile {} does not allow export', kwh, ${name})`,
    });
  }
  checks.push(
    {
      reason: 'kwh_above_max',
      fails: `kwh > ${profile.maxKwhPerInterval}`,
      field: f.value,
      value: 'value',
      message: `format('kwh {} above the profile maximum {} (profile {})', kwh, ${profile.maxKwhPerInterval}, ${name})`,
    },
  );
  if (!profile.quality.default) checks.push(missing('quality', f.quality));
  checks.push(
    {
      reason: 'unknown_quality',
      fails: 'quality_c IS NULL',
      field: f.quality,
      value: 'quality',
      message: `format('quality {} is not in the quality map of profile {} (known: {})', quality, ${name}, ${sqlString(Object.keys(profile.quality.map).join(', '))})`,
    },
    {
      reason: 'timestamp_out_of_range',
      fails: `interval_start < TIMESTAMPTZ '${MIN_START}' OR interval_start >= TIMESTAMPTZ '${MAX_START}'`,
      field: f.timestamp,
      value: 'ts',
      message: `format('{} {} puts the interval start before 2000 or after 2099', ${sqlString(f.timestamp)}, ts)`,
    },
    {
      reason: 'misaligned_interval',
      // Microseconds, the cast's precision: a start of 00:30:00.0005 is not on a minute.
      fails: `epoch_us(interval_start) % (60000000 * CAST(minutes_i AS BIGINT)) <> 0${isoText ? ` OR ${subMicrosecondFraction('ts')}` : ''}`,
      field: f.timestamp,
      value: 'ts',
      message: `format('{} {} is not aligned to {} minutes', ${sqlString(f.timestamp)}, ts, CAST(minutes_i AS INTEGER))`,
    },
  );
  return checks;
}

function missing(column: string, field: string): Check {
  return {
    reason: 'missing_field',
    fails: `${sqlIdent(column)} IS NULL`,
    field,
    value: 'NULL',
    message: sqlString(`${field} is empty`),
  };
}
