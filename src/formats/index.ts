import type { DuckDbSession } from '../engine/duckdb-session';
import { type AcceptedRowsSink, FileRejectedError, type ParseContext, type ParseResult, type StreamedParseResult } from './canonical';
import { parseGreenButtonXml } from './green-button-xml';
import { parseOctopusJson } from './octopus-json';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { parseUtilityCsv } from './utility-csv';

export * from './canonical';
export * from './detect-format';
export * from './reject-reasons';
export * from './source-profiles';

/**
 * Parse one readings file with the reader of the profile's format, streaming the accepted rows
 * into `sink` (e.g. a COPY to Parquet) without materialising them; leaves a rejected TEMP table
 * (drop it with dropRejectedTable). Throws FileRejectedError when the file as a whole cannot be
 * ingested (after discarding anything the sink wrote).
 */
export async function parseReadingsFileInto<T>(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
): Promise<StreamedParseResult<T>> {
  switch (profile.format) {
    case 'csv':
      return parseUtilityCsv(session, localPath, profile, ctx, sink);
    case 'octopus-json':
      return parseOctopusJson(session, localPath, profile, ctx, sink);
    case 'green-button-xml':
      return parseGreenButtonXml(session, localPath, profile, ctx, sink);
    default:
      throw new FileRejectedError(ctx.sourceFile, 'unknown_format', `profile ${profile.name} has unknown format ${String(profile.format)}`);
  }
}

/** A sink that keeps the accepted rows in a TEMP table (for callers that query them; ingest streams instead). */
export function acceptedTableSink(session: DuckDbSession): AcceptedRowsSink<string> {
  return {
    async write(acceptedSql) {
      const table = tempName('accepted');
      await session.run(`CREATE TEMP TABLE ${table} AS ${acceptedSql}`);
      return { result: table, rows: Number(await session.scalar(`SELECT count(*) FROM ${table}`)) };
    },
    async writeParts(parts) {
      if (parts.length === 1) return this.write((await parts[0]).sql);
      // Each part's connection fills a shared (non-TEMP) table; the TEMP result keeps file order.
      const shared = parts.map(() => tempName('accepted_part'));
      try {
        // Every part settles before the shared tables are dropped: a part still running would create its table after.
        const settled = await Promise.allSettled(parts.map(async (ready, k) => {
          const part = await ready;
          await part.session.run(`CREATE TABLE ${shared[k]} AS ${part.sql}`);
        }));
        const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        if (failure) throw failure.reason;
        return await this.write(`SELECT * FROM (${shared.map((name) => `SELECT * FROM ${name}`).join(' UNION ALL ')}) ORDER BY source_row`);
      } finally {
        for (const name of shared) await session.run(`DROP TABLE IF EXISTS ${name}`);
      }
    },
    async discard(table) {
      await session.run(`DROP TABLE IF EXISTS ${table}`);
    },
  };
}

/**
 * Parse one readings file into an accepted and a rejected TEMP table (drop them with
 * dropParseResult); throws FileRejectedError when the file as a whole cannot be ingested.
 */
export async function parseReadingsFile(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
): Promise<ParseResult> {
  const parsed = await parseReadingsFileInto(session, localPath, profile, ctx, acceptedTableSink(session));
  const { written: acceptedTable, rejectedTable, rowsIn, accepted, rejected } = parsed;
  return { acceptedTable, rejectedTable, rowsIn, accepted, rejected };
}

/** Drop the TEMP tables a parse left behind. */
export async function dropParseResult(session: DuckDbSession, result: ParseResult): Promise<void> {
  await session.run(`DROP TABLE IF EXISTS ${result.acceptedTable}; DROP TABLE IF EXISTS ${result.rejectedTable}`);
}

/** Drop the rejected TEMP table of a streamed parse. */
export async function dropRejectedTable(session: DuckDbSession, result: StreamedParseResult<unknown>): Promise<void> {
  await session.run(`DROP TABLE IF EXISTS ${result.rejectedTable}`);
}
