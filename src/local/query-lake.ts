import type { SnapshotSelector } from '../iceberg/scan';
import { registerKnownAtView } from '../pipeline/known-at';
import type { LakePorts } from '../pipeline/ports';
import { registerLakeTables } from './tables-view';

export interface QueryLakeOptions {
  /** Every table is read at this version (time travel); an unknown one is an error. */
  asOf?: SnapshotSelector;
  /** meter_readings as known at this time (ms since the epoch), rebuilt from readings_history. */
  knownAtMs?: number;
}

/** Run SQL over the lake's tables and views; the rows with each column's DuckDB type: what `meterlake query` prints. */
export async function queryLakeWithTypes(ports: LakePorts, sql: string, opts: QueryLakeOptions = {}): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string> }> {
  await registerLakeTables(ports, opts.asOf, sql);
  if (opts.knownAtMs !== undefined) await registerKnownAtView(ports, 'meter_readings', opts.knownAtMs);
  return ports.session.allWithTypes(sql);
}

/** Run SQL over the lake's tables and views (every table at one version with `asOf`). */
export async function queryLake(ports: LakePorts, sql: string, opts: QueryLakeOptions = {}): Promise<Record<string, unknown>[]> {
  return (await queryLakeWithTypes(ports, sql, opts)).rows;
}
