/**
 * QueryEngine over a DuckDB session: each table slot is resolved (by the caller) to a relation
 * over the requested snapshot's files; views from sql/views are inlined as CTEs.
 */
import { DuckDbSession, sqlIdent } from './duckdb-session';
import { assertOnlyTablesPinned, type QueryEngine, type QueryOptions, type TableVersion } from './query-engine';
import { expandViews, loadSqlTemplates, renderSql, type SqlParamType, type SqlTemplate } from './sql-template';

/** Returns the (unquoted) DuckDB relation name holding `slot` at `version` (current when absent). */
export type ResolveDuckDbSlot = (slot: string, version?: TableVersion) => Promise<string>;

export interface DuckDbQueryEngineOptions {
  readonly session: DuckDbSession;
  readonly resolveSlot: ResolveDuckDbSlot;
  /** Views that slots may name; default: every file in sql/views. */
  readonly views?: ReadonlyMap<string, SqlTemplate>;
}

/** A parameter value that cannot be bound as its declared type. */
export class SqlParamValueError extends Error {
  override name = 'SqlParamValueError';
}

/** Converts a parameter value to what DuckDB binds for the declared type (`CAST(? AS type)` does the rest). */
export function duckDbParamValue(value: unknown, type: SqlParamType, name: string): string | number | bigint | boolean | null {
  if (value === null) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new SqlParamValueError(`parameter ${name}: invalid Date`);
    return type === 'DATE' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (type === 'BIGINT' && (typeof value === 'number' || typeof value === 'string')) {
    if (!/^-?\d+$/.test(String(value))) throw new SqlParamValueError(`parameter ${name}: ${String(value)} is not a valid BIGINT`);
    return BigInt(value);
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  throw new SqlParamValueError(`parameter ${name}: cannot bind ${typeof value} as ${type}`);
}

export class DuckDbQueryEngine implements QueryEngine {
  private readonly views: ReadonlyMap<string, SqlTemplate>;

  constructor(private readonly options: DuckDbQueryEngineOptions) {
    this.views = options.views ?? loadSqlTemplates();
  }

  /** Renders the template against the resolved relations and runs it. */
  async query(template: SqlTemplate, opts: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    const expanded = expandViews(template, this.views);
    const versions = opts.versions ?? {};
    assertOnlyTablesPinned(template, this.views, versions);
    const relations = new Map<string, string>();
    for (const slot of expanded.slots) relations.set(slot, await this.options.resolveSlot(slot, versions[slot]));
    const rendered = renderSql(expanded, { table: (slot) => sqlIdent(relations.get(slot)!), params: opts.params });
    const values = rendered.values.map((value, i) => duckDbParamValue(value, rendered.valueParams[i].type, rendered.valueParams[i].name));
    return this.options.session.all(rendered.sql, values);
  }
}
