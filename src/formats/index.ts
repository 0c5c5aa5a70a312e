import type { DuckDbSession } from '../engine/duckdb-session';
import { FileRejectedError, type ParseContext, type ParseResult } from './canonical';
import { parseGreenButtonXml } from './green-button-xml';
import { parseOctopusJson } from './octopus-json';
import type { SourceProfile } from './source-profiles';
import { parseUtilityCsv } from './utility-csv';

export * from './canonical';
export * from './detect-format';
export * from './reject-reasons';
export * from './source-profiles';

/**
 * Parse one readings file into canonical rows with the reader of the profile's format. Leaves an
 * accepted and a rejected TEMP table in the session (drop them with dropParseResult); throws
 * FileRejectedError when the file as a whole cannot be ingested.
 */
export async function parseReadingsFile(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
): Promise<ParseResult> {
  switch (profile.format) {
    case 'csv':
      return parseUtilityCsv(session, localPath, profile, ctx);
    case 'octopus-json':
      return parseOctopusJson(session, localPath, profile, ctx);
    case 'green-button-xml':
      return parseGreenButtonXml(session, localPath, profile, ctx);
    default:
      throw new FileRejectedError(ctx.sourceFile, 'unknown_format', `profile ${profile.name} has unknown format ${String(profile.format)}`);
  }
}

/** Drop the TEMP tables a parse left behind. */
export async function dropParseResult(session: DuckDbSession, result: ParseResult): Promise<void> {
  await session.run(`DROP TABLE IF EXISTS ${result.acceptedTable}; DROP TABLE IF EXISTS ${result.rejectedTable}`);
}
