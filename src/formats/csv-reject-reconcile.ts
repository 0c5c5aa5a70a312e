import type { DuckDbSession } from '../engine/duckdb-session';
import type { ParseContext } from './canonical';
import type { FastRead } from './csv-fast-path';
import { fullPathRejects } from './csv-full-path';
import type { SourceProfile } from './source-profiles';
import { createRejectedTable } from './validate';

/**
 * The rejected table of a fast read (REJECTED_COLUMNS TEMP table on `session`), or undefined when
 * the full path must decide the whole file: its reader refused a record, or the two paths disagree.
 * The fast path never builds rejects itself: the full path's reject pass builds them, and its
 * count must equal the number of rows the fast read left out.
 */
export async function reconcileRejects(
  session: DuckDbSession,
  localPath: string,
  header: string[],
  profile: SourceProfile,
  ctx: ParseContext,
  read: Pick<FastRead<unknown>, 'readerRejected' | 'left'>,
): Promise<{ rejectedTable: string; rejected: number } | undefined> {
  if (read.readerRejected) return undefined;
  const { rejectedTable, rejected } = read.left === 0 ? await createRejectedTable(session, ctx, []) : await fullPathRejects(session, localPath, header, profile, ctx);
  if (rejected !== read.left) {
    // The two paths disagree on some row: the full path decides everything.
    await session.run(`DROP TABLE IF EXISTS ${rejectedTable}`);
    return undefined;
  }
  return { rejectedTable, rejected };
}
