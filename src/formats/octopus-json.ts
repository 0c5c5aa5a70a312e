import { readFile } from 'node:fs/promises';
import type { DuckDbSession } from '../engine/duckdb-session';
import { FileRejectedError, type AcceptedRowsSink, type ParseContext, type StreamedParseResult } from './canonical';
import { isUtf8, stripBom } from './read-head';
import { expectedColumns, headerProblems, type SourceProfile } from './source-profiles';
import { StagingWriter } from './staging';
import { profileValidationSpec, validateStagedReadings } from './validate';

/**
 * Parse an Octopus-style "split" readings document
 * `{"columns":["interval_start","consumption_delta","meterpoint_id"],"data":[[...], ...]}`:
 * one file per meterpoint, naive local times in the profile zone, fixed-length intervals.
 * Column order comes from "columns". These files are modest (one meterpoint), so JSON.parse is
 * fine; rows then go through the shared SQL validation.
 */
export async function parseOctopusJson<T>(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
): Promise<StreamedParseResult<T>> {
  const document = await readDocument(localPath, ctx.sourceFile);
  const { columns, data } = checkShape(document, ctx.sourceFile);
  const index = columnIndexes(columns, profile, ctx.sourceFile);
  const writer = await StagingWriter.create(session);
  try {
    try {
      data.forEach((row, i) => stageRow(writer, row, i + 1, columns.length, index));
    } finally {
      writer.close();
    }
    return await validateStagedReadings(
      session,
      { staged: writer.staged, preRejected: writer.preRejected },
      profileValidationSpec(profile),
      ctx,
      sink,
    );
  } finally {
    await writer.drop(session);
  }
}

interface ColumnIndexes {
  meterId: number;
  ts: number;
  value: number;
  minutes: number;
  quality: number;
}

function stageRow(writer: StagingWriter, row: unknown, sourceRow: number, width: number, index: ColumnIndexes): void {
  const raw = JSON.stringify(row) ?? String(row);
  if (!Array.isArray(row)) {
    writer.addReject({ sourceRow, raw, field: null, value: null, reason: 'malformed_record', message: `data row ${sourceRow} is not an array` });
    return;
  }
  if (row.length !== width) {
    writer.addReject({
      sourceRow,
      raw,
      field: null,
      value: null,
      reason: 'wrong_field_count',
      message: `data row ${sourceRow} has ${row.length} values, "columns" names ${width}`,
    });
    return;
  }
  const cell = (i: number) => (i < 0 ? null : cellText(row[i]));
  writer.addRecord({
    sourceRow,
    raw,
    meterId: cell(index.meterId),
    ts: cell(index.ts),
    minutes: cell(index.minutes),
    value: cell(index.value),
    quality: cell(index.quality),
  });
}

/** JSON value → the text validation parses (numbers keep their shortest round-trip form). */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

async function readDocument(localPath: string, file: string): Promise<unknown> {
  const bytes = stripBom(await readFile(localPath));
  if (!isUtf8(bytes, true)) throw new FileRejectedError(file, 'not_utf8', 'the file is not UTF-8');
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new FileRejectedError(file, 'empty_file', 'the file is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileRejectedError(file, 'unparseable_file', `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

function checkShape(document: unknown, file: string): { columns: string[]; data: unknown[] } {
  const shape = 'expected {"columns": [names...], "data": [[values...], ...]}';
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new FileRejectedError(file, 'unparseable_file', `${shape}, found ${Array.isArray(document) ? 'an array' : typeof document}`);
  }
  const { columns, data } = document as Record<string, unknown>;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw new FileRejectedError(file, 'unparseable_file', `${shape}: "columns" is missing or not a list of names`);
  }
  if (!Array.isArray(data)) throw new FileRejectedError(file, 'unparseable_file', `${shape}: "data" is missing or not a list`);
  return { columns: columns as string[], data };
}

function columnIndexes(columns: string[], profile: SourceProfile, file: string): ColumnIndexes {
  const c = profile.columns;
  const problems = headerProblems(columns, profile);
  if (problems.length > 0) {
    throw new FileRejectedError(file, 'wrong_header', `"columns" ${problems.join('; ')} (profile ${profile.name} expects ${expectedColumns(profile).join(', ')})`);
  }
  const at = (name: string | undefined) => (name === undefined ? -1 : columns.indexOf(name));
  return { meterId: at(c.meterId), ts: at(c.timestamp), value: at(c.value), minutes: at(c.intervalMinutes), quality: at(c.quality) };
}
