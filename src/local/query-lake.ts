import { registerKnownAtView } from '../pipeline/known-at';
import type { LakePorts } from '../pipeline/ports';
import { parseSnapshotSelector } from './snapshot-arg';
import { registerAllTables } from './tables-view';

export interface QueryLakeOptions {
  /** A tag, snapshot id or ISO time: every table is read at that version (time travel). */
  asOf?: string;
  /** An ISO time: meter_readings as known then, rebuilt from readings_history. */
  knownAt?: string;
}

/** Run SQL over every table and view of the lake: what `meterlake query` prints. */
export async function queryLake(ports: LakePorts, sql: string, opts: QueryLakeOptions = {}): Promise<Record<string, unknown>[]> {
  await registerAllTables(ports, opts.asOf ? parseSnapshotSelector(opts.asOf) : undefined);
  if (opts.knownAt) {
    const selector = parseSnapshotSelector(opts.knownAt);
    if (!('asOfMs' in selector)) throw new Error(`--known-at needs an ISO time, got '${opts.knownAt}'`);
    await registerKnownAtView(ports, 'meter_readings', selector.asOfMs);
  }
  return ports.session.all(sql);
}
