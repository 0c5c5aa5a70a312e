import type { DuckDbSession } from '../engine/duckdb-session';
import type { AcceptedRowsSink, ParseContext, StreamedParseResult } from './canonical';
import { cutHeld } from './csv-cut';
import { readCsvFast } from './csv-fast-path';
import { type CsvHead, readCsvHeader, rejectUnreadableCsv } from './csv-file';
import { readCsvFull } from './csv-full-path';
import { type CsvReadOptions, type CsvReadPlan, type FastReadPlan, FULL_PATH, planCsvRead } from './csv-read-plan';
import { reconcileRejects } from './csv-reject-reconcile';
import type { SourceProfile } from './source-profiles';

/**
 * Parse a utility CSV described by `profile` straight into `sink`. This is the one place that
 * decides how the file is read. Its header is checked (csv-file.ts); the plan (csv-read-plan.ts)
 * says fast path or full path, and whether the file is cut into parts (csv-cut.ts). The fast path
 * (csv-fast-path.ts) only ever accepts rows the full path accepts with the same values. After a
 * fast read:
 * - a cut file turned out to hold a quote hazard (a quoted line break, or a quote DuckDB reads
 *   as a plain character: lines may not be records) or blank lines, or the first part held what
 *   its first 64 KiB did not show (control bytes: the meter-id check must run per row;
 *   underscores: kWh must be read as text) or ended early: the output is discarded and the file
 *   is read again in one statement;
 * - the reader refused a record (a value its typed parse refused, a record it cannot split,
 *   bad UTF-8): the output is discarded and the full path (csv-full-path.ts) reads the file;
 * - some rows failed a check: the full path's reject pass builds their rejects; its count must
 *   equal the number the fast path left out, else likewise (csv-reject-reconcile.ts).
 */
export async function parseUtilityCsv<T>(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
  options: CsvReadOptions = {},
): Promise<StreamedParseResult<T>> {
  const head = await readCsvHeader(localPath, profile, ctx.sourceFile);
  let plan: CsvReadPlan = await planCsvRead(session, localPath, head, profile, sink, options).catch(rejectUnreadableCsv(ctx.sourceFile));
  // At most two fast reads: a read again in one statement has no cut left to misjudge.
  while (plan.path === 'fast') {
    const fast = await readFastAsPlanned(session, localPath, head, profile, ctx, sink, plan).catch(rejectUnreadableCsv(ctx.sourceFile));
    if ('kept' in fast) {
      options.onPath?.('fast', fast.parts);
      return fast.kept;
    }
    plan = fast.next;
  }
  options.onPath?.('full', 1);
  return readCsvFull(session, localPath, head.names, profile, ctx, sink);
}

/** A fast read, kept (in how many parts it was read), or discarded with the plan to read the file by instead. */
async function readFastAsPlanned<T>(
  session: DuckDbSession,
  localPath: string,
  head: CsvHead,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
  plan: FastReadPlan,
): Promise<{ kept: StreamedParseResult<T>; parts: number } | { next: CsvReadPlan }> {
  const read = await readCsvFast(session, localPath, head, profile, ctx, sink, plan);
  if (!read) return { next: FULL_PATH };
  if (!cutHeld(plan.cut, read)) {
    await sink.discard(read.written.result);
    return { next: { ...plan, cut: undefined } };
  }
  const rejects = await reconcileRejects(session, localPath, head.names, profile, ctx, read);
  if (!rejects) {
    await sink.discard(read.written.result);
    return { next: FULL_PATH };
  }
  const accepted = read.written.rows;
  return { kept: { written: read.written.result, ...rejects, rowsIn: accepted + rejects.rejected, accepted }, parts: read.parts.length };
}
