import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { type AcceptedRowsSink, FileRejectedError, type ParseContext, type StreamedParseResult } from './canonical';
import { rejectUnreadableCsv } from './csv-file';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { profileValidationSpec, ReadingsValidation, type StagedRecords } from './validate';

/** DuckDB reader error types → our reason codes for records that cannot be split into fields. */
const READER_ERROR_REASONS: Record<string, string> = {
  'MISSING COLUMNS': 'wrong_field_count',
  'TOO MANY COLUMNS': 'wrong_field_count',
  'UNQUOTED VALUE': 'bad_quoting',
};

/** Name of the record counter column (never a header name in practice; only used inside the staged SELECT). */
const RECORD_NO = '__ml_record_no';

/**
 * The full path of a utility CSV: DuckDB reads every column as VARCHAR (explicit columns, no
 * auto-detection, strict quoting) and the records are typed and checked in SQL by validate.ts as
 * they stream into the sink — nothing is materialised. Records the reader cannot split land in its
 * rejects table; they are only known after a read, so the read assumes there are none and, in the
 * rare file that has some, the sink's result is discarded and the file is read again with the data
 * row numbers corrected.
 */
export async function readCsvFull<T>(
  session: DuckDbSession,
  localPath: string,
  header: string[],
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
): Promise<StreamedParseResult<T>> {
  const spec = profileValidationSpec(profile);
  const readerTables: string[] = [];
  const preRejected = tempName('csv_prerejected');
  let unsplittable: number | undefined; // unknown until the first read
  let validation: ReadingsValidation | undefined;
  const newReader = () => {
    const errors = tempName('csv_errors');
    const scans = tempName('csv_scans');
    readerTables.push(errors, scans);
    return { errors, scans };
  };
  /** After a read: reject a non-UTF-8 file; the first time, keep the unsplittable records as pre-rejects. */
  const afterRead = async (errors: string): Promise<boolean> => {
    await rejectIfNotUtf8(session, errors, ctx.sourceFile);
    if (unsplittable !== undefined) return false;
    unsplittable = await keepUnsplittableRecords(session, errors, preRejected);
    return unsplittable > 0;
  };
  const plan = async () => {
    const reader = newReader();
    const records = await stagedRecords(session, localPath, header, profile, reader, unsplittable ? preRejected : undefined);
    validation = await ReadingsValidation.create(session, records, spec, ctx).catch(rejectUnreadableCsv(ctx.sourceFile));
    return reader;
  };
  try {
    let reader = await plan();
    // A profile with a time zone read the file once to rank ambiguous times; row numbers must be right for it.
    if (spec.profile.timestamp.timezone && (await afterRead(reader.errors))) {
      await validation?.drop();
      reader = await plan();
    }
    let written = await sink.write((validation as ReadingsValidation).acceptedSql).catch(rejectUnreadableCsv(ctx.sourceFile));
    try {
      if (await afterRead(reader.errors)) {
        await sink.discard(written.result);
        await validation?.drop();
        await plan();
        written = await sink.write((validation as ReadingsValidation).acceptedSql).catch(rejectUnreadableCsv(ctx.sourceFile));
      }
      const { rejectedTable, rejected } = await (validation as ReadingsValidation).collectRejects(preRejected);
      return { written: written.result, rejectedTable, rowsIn: written.rows + rejected, accepted: written.rows, rejected };
    } catch (error) {
      await sink.discard(written.result);
      throw error;
    }
  } finally {
    await validation?.drop();
    for (const table of [...readerTables, preRejected]) await session.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** The full path's rejects of a file whose every record the reader can split (the fast path's second pass). */
export async function fullPathRejects(
  session: DuckDbSession, localPath: string, header: string[], profile: SourceProfile, ctx: ParseContext,
): Promise<{ rejectedTable: string; rejected: number }> {
  const reader = { errors: tempName('csv_errors'), scans: tempName('csv_scans') };
  const records = await stagedRecords(session, localPath, header, profile, reader, undefined);
  const validation = await ReadingsValidation.create(session, records, profileValidationSpec(profile), ctx);
  try {
    return await validation.collectRejects(undefined, true);
  } finally {
    await validation.drop();
    await session.run(`DROP TABLE IF EXISTS ${reader.errors}; DROP TABLE IF EXISTS ${reader.scans}`);
  }
}

async function rejectIfNotUtf8(session: DuckDbSession, errors: string, file: string): Promise<void> {
  const encoding = await session.all<{ line: bigint }>(
    `SELECT line FROM ${errors} WHERE error_type = 'INVALID ENCODING' ORDER BY line LIMIT 1`,
  );
  if (encoding.length > 0) {
    throw new FileRejectedError(file, 'not_utf8', `the file is not UTF-8 (first invalid bytes in data row ${Number(encoding[0].line) - 1})`);
  }
}

/** One reject per record the reader could not split (it reports a record once per missing column); returns how many. */
async function keepUnsplittableRecords(session: DuckDbSession, errors: string, preRejected: string): Promise<number> {
  const reasonCase = `CASE error_type ${Object.entries(READER_ERROR_REASONS)
    .map(([type, reason]) => `WHEN ${sqlString(type)} THEN ${sqlString(reason)}`)
    .join(' ')} ELSE 'malformed_record' END`;
  // line 1 is the header.
  await session.run(
    `CREATE TEMP TABLE ${preRejected} AS
     SELECT CAST(line - 1 AS BIGINT) AS source_row, trim(csv_line, chr(13) || chr(10)) AS raw,
            CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS value, ${reasonCase} AS reason,
            format('data row {}: {}', line - 1, error_message) AS message
     FROM (SELECT DISTINCT ON (line) * FROM ${errors} ORDER BY line, column_idx)`,
  );
  return Number(await session.scalar(`SELECT count(*) FROM ${preRejected}`));
}

/** Above this many unsplittable records, row numbers are mapped with an ASOF join instead of a list. */
const LIST_MAPPING_LIMIT = 1000;

/**
 * The records in the staged shape, streamed from read_csv. row_number() OVER () (DuckDB's
 * streaming window, which follows the file's record order) is the record's position k among the
 * records the reader could split; the ones it could not split (the pre-rejects) are added back to
 * get the data row number in the file: rejected record i (1-based, by row) at data row d_i
 * precedes split record k exactly when d_i - i < k. The record text is rebuilt only for rejects.
 */
async function stagedRecords(
  session: DuckDbSession,
  localPath: string,
  header: string[],
  profile: SourceProfile,
  reader: { errors: string; scans: string },
  preRejected: string | undefined,
): Promise<StagedRecords> {
  const columns = `{${header.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ')}}`;
  const q = sqlString(profile.quote);
  const read = `read_csv(${sqlString(localPath)}, columns = ${columns},
     header = true, auto_detect = false, delim = ${sqlString(profile.delimiter)}, quote = ${q}, escape = ${q},
     strict_mode = true, null_padding = false, store_rejects = true,
     rejects_table = ${sqlString(reader.errors)}, rejects_scan = ${sqlString(reader.scans)})`;
  const numbered = `(SELECT row_number() OVER () AS ${RECORD_NO}, * FROM ${read})`;
  const col = (name: string | undefined) => (name ? sqlIdent(name) : 'CAST(NULL AS VARCHAR)');
  const textColumns = header.map((name, i) => `${sqlIdent(name)} AS __ml_c${i}`).join(', ');
  const rawSql = `concat_ws(${sqlString(profile.delimiter)}, ${header.map((_, i) => `coalesce(__ml_c${i}, '')`).join(', ')})`;
  const c = profile.columns;
  const fields = `${col(c.meterId)} AS meter_id, ${col(c.timestamp)} AS ts, ${col(c.intervalMinutes)} AS minutes,
    ${col(c.value)} AS value, ${col(c.quality)} AS quality, 0 AS value_pow10, ${textColumns}`;
  if (!preRejected) return { stagedSql: `SELECT ${RECORD_NO} AS source_row, ${fields} FROM ${numbered}`, rawSql };
  const thresholdsSql = `SELECT source_row - row_number() OVER (ORDER BY source_row) AS after_index FROM ${preRejected}`;
  const count = Number(await session.scalar(`SELECT count(*) FROM ${preRejected}`));
  if (count <= LIST_MAPPING_LIMIT) {
    const rows = await session.all<{ after_index: bigint }>(`${thresholdsSql} ORDER BY 1`);
    const list = `[${rows.map((r) => String(r.after_index)).join(', ')}]::BIGINT[]`;
    return { stagedSql: `SELECT ${RECORD_NO} + len(list_filter(${list}, t -> t < ${RECORD_NO})) AS source_row, ${fields} FROM ${numbered}`, rawSql };
  }
  const grouped = `SELECT after_index, count(*) OVER (ORDER BY after_index) AS skipped FROM (${thresholdsSql}) QUALIFY row_number() OVER (PARTITION BY after_index ORDER BY after_index) = 1`;
  return {
    stagedSql: `SELECT r.${RECORD_NO} + coalesce(t.skipped, 0) AS source_row, ${fields}
      FROM ${numbered} r ASOF LEFT JOIN (${grouped}) t ON r.${RECORD_NO} > t.after_index`,
    rawSql,
  };
}
