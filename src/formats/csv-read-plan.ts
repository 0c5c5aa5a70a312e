import type { DuckDbSession } from '../engine/duckdb-session';
import type { AcceptedRowsSink } from './canonical';
import type { CsvHead } from './csv-file';
import { type CutPlan, planCut } from './csv-cut';
import { splitCsvLine } from './csv-line';
import type { SourceProfile } from './source-profiles';

/**
 * How a utility CSV is read, decided before any record is: on the fast path (csv-fast-path.ts)
 * when the profile and the first data row allow it, cut into parts (csv-cut.ts) when the file is
 * large and the sink takes parts; else on the full path (csv-full-path.ts). What a fast read finds
 * may change the plan afterwards: see parseUtilityCsv.
 */

/** Below this size a file is read in one statement (a cut costs a copy of most of the file). */
const DEFAULT_SPLIT_MIN_BYTES = 64 * 1024 * 1024;

export interface CsvReadOptions {
  /** false: the full path reads the file whatever it holds. @default true */
  fastPath?: boolean;
  /** Files at least this large are cut into parts read concurrently. @default DEFAULT_SPLIT_MIN_BYTES */
  splitMinBytes?: number;
  /** Number of parts (default: DuckDB's thread count, at most 4). */
  parts?: number;
  /** Told how the file was read: 'fast' (in `parts` statements) or 'full' (the fast path was not taken or was thrown away). */
  onPath?: (path: 'fast' | 'full', parts: number) => void;
}

/** How to read a file: the full path, or the fast path in one statement or cut into parts. */
export type CsvReadPlan = { path: 'full' } | FastReadPlan;

export interface FastReadPlan {
  path: 'fast';
  /** The UTC offset every accepted timestamp ends in. */
  timestampSuffix: string;
  /** Where the file is cut; undefined = read in one statement. */
  cut: CutPlan | undefined;
}

export const FULL_PATH: CsvReadPlan = { path: 'full' };

/** The plan for a file before its records are read. */
export async function planCsvRead<T>(
  session: DuckDbSession,
  localPath: string,
  head: CsvHead,
  profile: SourceProfile,
  sink: AcceptedRowsSink<T>,
  options: CsvReadOptions,
): Promise<CsvReadPlan> {
  if (options.fastPath === false) return FULL_PATH;
  // A profile's own meter-id pattern is a regex per row: the full path applies it.
  if (profile.meterIdPattern !== undefined) return FULL_PATH;
  const timestampSuffix = fastTimestampSuffix(profile, head.names, head.firstDataLine);
  if (!timestampSuffix) return FULL_PATH;
  const threads = Number(await session.scalar(`SELECT current_setting('threads')`));
  const wanted = head.size >= (options.splitMinBytes ?? DEFAULT_SPLIT_MIN_BYTES) && sink.writeParts ? options.parts ?? Math.min(4, threads) : 1;
  const cut = wanted > 1 ? await planCut(localPath, head, profile, wanted) : undefined;
  return { path: 'fast', timestampSuffix, cut };
}

/** UTC offsets a row's timestamp may end in on the fast path (the full path accepts any offset). */
const UTC_SUFFIXES = ['Z', '+00:00', '+0000', '+00'];

/**
 * The offset suffix of a profile's timestamps, judged from the first data row; undefined = no fast
 * path. Timestamps are read as text and cast: DuckDB's typed CSV read of a timestamp is lenient
 * (it drops an offset the format does not name), the cast of text with an offset is not.
 */
function fastTimestampSuffix(profile: SourceProfile, header: string[], firstDataLine: string | undefined): string | undefined {
  if (profile.format !== 'csv' || profile.timestamp.format !== 'iso8601' || profile.timestamp.timezone) return undefined;
  if (profile.decimalSeparator === ',' || firstDataLine === undefined) return undefined;
  const text = splitCsvLine(firstDataLine.replace(/\r$/, ''), profile.delimiter, profile.quote)[header.indexOf(profile.columns.timestamp)];
  return text === undefined || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(text) ? undefined : UTC_SUFFIXES.find((suffix) => text.endsWith(suffix));
}
