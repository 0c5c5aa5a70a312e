import { stat } from 'node:fs/promises';
import { type DuckDbSession, sqlIdent, sqlString } from '../engine/duckdb-session';
import { FileRejectedError, type ParseContext, type ParseResult } from './canonical';
import { isUtf8, readHead, stripBom } from './read-head';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { profileValidationSpec, validateStagedReadings } from './validate';

/** DuckDB reader error types → our reason codes for records that cannot be split into fields. */
const READER_ERROR_REASONS: Record<string, string> = {
  'MISSING COLUMNS': 'wrong_field_count',
  'TOO MANY COLUMNS': 'wrong_field_count',
  'UNQUOTED VALUE': 'bad_quoting',
};

/**
 * Parse a utility CSV described by `profile`: DuckDB reads every column as VARCHAR (explicit
 * columns, no auto-detection, strict quoting), records it cannot split are kept as rejects from
 * its rejects table, and every other record is typed and checked in SQL by validate.ts.
 */
export async function parseUtilityCsv(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
): Promise<ParseResult> {
  const header = await readCsvHeader(localPath, profile, ctx.sourceFile);
  const raw = tempName('csv_raw');
  const readerErrors = tempName('csv_errors');
  const readerScans = tempName('csv_scans');
  const preRejected = tempName('csv_prerejected');
  const staged = tempName('csv_staged');
  const columns = `{${header.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ')}}`;
  const q = sqlString(profile.quote);
  try {
    try {
      await session.run(
        `CREATE TEMP TABLE ${raw} AS SELECT * FROM read_csv(${sqlString(localPath)}, columns = ${columns},
           header = true, auto_detect = false, delim = ${sqlString(profile.delimiter)}, quote = ${q}, escape = ${q},
           strict_mode = true, null_padding = false, store_rejects = true,
           rejects_table = ${sqlString(readerErrors)}, rejects_scan = ${sqlString(readerScans)})`,
      );
    } catch (error) {
      throw new FileRejectedError(ctx.sourceFile, 'unparseable_file', `DuckDB cannot read the CSV: ${(error as Error).message}`, { cause: error });
    }
    const encoding = await session.all<{ line: bigint }>(
      `SELECT line FROM ${readerErrors} WHERE error_type = 'INVALID ENCODING' ORDER BY line LIMIT 1`,
    );
    if (encoding.length > 0) {
      throw new FileRejectedError(ctx.sourceFile, 'not_utf8', `the file is not UTF-8 (first invalid bytes in data row ${Number(encoding[0].line) - 1})`);
    }
    const reasonCase = `CASE error_type ${Object.entries(READER_ERROR_REASONS)
      .map(([type, reason]) => `WHEN ${sqlString(type)} THEN ${sqlString(reason)}`)
      .join(' ')} ELSE 'malformed_record' END`;
    // One reject per record (DuckDB reports a record once per missing column); line 1 is the header.
    await session.run(
      `CREATE TEMP TABLE ${preRejected} AS
       SELECT CAST(line - 1 AS BIGINT) AS source_row, trim(csv_line, chr(13) || chr(10)) AS raw,
              CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS value, ${reasonCase} AS reason,
              format('data row {}: {}', line - 1, error_message) AS message
       FROM (SELECT DISTINCT ON (line) * FROM ${readerErrors} ORDER BY line, column_idx)`,
    );
    await session.run(`CREATE TEMP VIEW ${staged} AS ${await stagedRecordsSql(session, raw, preRejected, header, profile)}`);
    return await validateStagedReadings(
      session,
      { staged, preRejected, releaseAfterCheck: [raw] },
      profileValidationSpec(profile),
      ctx,
    );
  } finally {
    for (const table of [staged]) await session.run(`DROP VIEW IF EXISTS ${table}`);
    for (const table of [raw, readerErrors, readerScans, preRejected]) await session.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Above this many unsplittable records, row numbers are mapped with an ASOF join instead of a list. */
const LIST_MAPPING_LIMIT = 1000;

/**
 * The raw records in the staged shape. DuckDB keeps the file's record order in the TEMP table, so
 * rowid + 1 is the record's position k among the records it could split; the records it could not
 * split (the pre-rejects) are added back to get the data row number in the file: rejected record i
 * (1-based, by row) at data row d_i precedes split record k exactly when d_i - i < k.
 */
async function stagedRecordsSql(session: DuckDbSession, raw: string, preRejected: string, header: string[], profile: SourceProfile): Promise<string> {
  const col = (name: string | undefined) => (name ? sqlIdent(name) : 'CAST(NULL AS VARCHAR)');
  const rawText = `concat_ws(${sqlString(profile.delimiter)}, ${header.map((h) => `coalesce(${sqlIdent(h)}, '')`).join(', ')})`;
  const c = profile.columns;
  const fields = `${rawText} AS raw, ${col(c.meterId)} AS meter_id, ${col(c.timestamp)} AS ts,
    ${col(c.intervalMinutes)} AS minutes, ${col(c.value)} AS value, ${col(c.quality)} AS quality, 0 AS value_pow10`;
  const thresholdsSql = `SELECT source_row - row_number() OVER (ORDER BY source_row) AS after_index FROM ${preRejected}`;
  const count = Number(await session.scalar(`SELECT count(*) FROM ${preRejected}`));
  if (count === 0) return `SELECT rowid + 1 AS source_row, ${fields} FROM ${raw}`;
  if (count <= LIST_MAPPING_LIMIT) {
    const rows = await session.all<{ after_index: bigint }>(`${thresholdsSql} ORDER BY 1`);
    const list = `[${rows.map((r) => String(r.after_index)).join(', ')}]::BIGINT[]`;
    return `SELECT k + len(list_filter(${list}, t -> t < k)) AS source_row, ${fields}
      FROM (SELECT rowid + 1 AS k, * FROM ${raw})`;
  }
  const grouped = `SELECT after_index, count(*) OVER (ORDER BY after_index) AS skipped FROM (${thresholdsSql}) QUALIFY row_number() OVER (PARTITION BY after_index ORDER BY after_index) = 1`;
  return `SELECT r.k + coalesce(t.skipped, 0) AS source_row, ${fields}
    FROM (SELECT rowid + 1 AS k, * FROM ${raw}) r ASOF LEFT JOIN (${grouped}) t ON r.k > t.after_index`;
}

/** The header of the file, checked against the profile; throws FileRejectedError when wrong. */
async function readCsvHeader(localPath: string, profile: SourceProfile, file: string): Promise<string[]> {
  const size = (await stat(localPath)).size;
  const head = stripBom(await readHead(localPath));
  if (size === 0 || (size === head.length && head.toString('utf8').trim() === '')) {
    throw new FileRejectedError(file, 'empty_file', 'the file is empty');
  }
  const end = head.indexOf(0x0a);
  if (end < 0 && size > head.length + 3) {
    throw new FileRejectedError(file, 'wrong_header', `no header line in the first ${head.length} bytes`);
  }
  const lineBytes = head.subarray(0, end < 0 ? head.length : end);
  if (!isUtf8(lineBytes, true)) throw new FileRejectedError(file, 'not_utf8', 'the header line is not UTF-8');
  const names = splitHeaderLine(lineBytes.toString('utf8').replace(/\r$/, ''), profile.delimiter, profile.quote);
  const expected = [profile.columns.meterId, profile.columns.timestamp, profile.columns.intervalMinutes, profile.columns.value, profile.columns.quality]
    .filter((name): name is string => name !== undefined);
  const problems: string[] = [];
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0) problems.push(`duplicate columns: ${[...new Set(duplicates)].join(', ')}`);
  const absent = expected.filter((name) => !names.includes(name));
  if (absent.length > 0) problems.push(`missing columns: ${absent.join(', ')}`);
  const unexpected = names.filter((name) => !expected.includes(name));
  if (unexpected.length > 0 && !profile.allowExtraColumns) problems.push(`unexpected columns: ${unexpected.join(', ')}`);
  if (problems.length > 0) {
    throw new FileRejectedError(
      file,
      'wrong_header',
      `${problems.join('; ')} (profile ${profile.name} expects ${expected.join(profile.delimiter)} separated by ${JSON.stringify(profile.delimiter)})`,
    );
  }
  return names;
}

/** Split one header line on the delimiter, honouring quotes ("" inside quotes is a quote). */
export function splitHeaderLine(line: string, delimiter: string, quote: string): string[] {
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === quote && line[i + 1] === quote) {
        current += quote;
        i += 1;
      } else if (ch === quote) quoted = false;
      else current += ch;
    } else if (ch === quote) quoted = true;
    else if (ch === delimiter) {
      names.push(current.trim());
      current = '';
    } else current += ch;
  }
  names.push(current.trim());
  return names;
}
