/**
 * The query port: run a portable SQL template (sql/) on an engine, with each table slot
 * optionally pinned to an Iceberg snapshot (DuckDB locally, Athena in AWS).
 */
import type { SqlTemplate } from './sql-template';

/** A snapshot id, or a tag name (tags only where the engine can resolve them). */
export type TableVersion = bigint | string;

export interface QueryOptions {
  /** Values for the template's declared `:params`. */
  readonly params?: Record<string, unknown>;
  /** Per table slot: the snapshot id or tag to read; unlisted slots read the current snapshot. */
  readonly versions?: Record<string, TableVersion>;
}

export interface QueryEngine {
  /** Runs the template and returns its rows as plain objects (BIGINT → bigint, DATE/TIMESTAMP → Date). */
  query(template: SqlTemplate, opts?: QueryOptions): Promise<Record<string, unknown>[]>;
}

/** A version was given for a slot that names a view: versions pin tables, views follow them. */
export class VersionedViewError extends Error {
  override name = 'VersionedViewError';
}

/** Throws VersionedViewError when `versions` pins a slot of `template` that names one of `views`. */
export function assertOnlyTablesPinned(template: SqlTemplate, views: ReadonlyMap<string, SqlTemplate>, versions: Record<string, TableVersion>): void {
  for (const slot of Object.keys(versions)) {
    if (views.has(slot)) throw new VersionedViewError(`${template.name}: version given for view ${slot}; pin the tables it reads instead`);
  }
}
