/**
 * The local settlement engine: DuckDbQueryEngine whose table slots read exactly the pinned
 * snapshot of each input (a slot without a pin is an error, never the current data) and whose
 * `settlement_calendar` slot is the run's calendar of periods.
 */
import { openTable } from '../../catalog/open-table';
import { scratchName, sqlIdent } from '../../engine/duckdb-session';
import { DuckDbQueryEngine } from '../../engine/duckdb-query-engine';
import type { QueryEngine, TableVersion } from '../../engine/query-engine';
import { expandViews, renderSql, type SqlTemplate } from '../../engine/sql-template';
import type { Predicate } from '../../iceberg/expressions';
import type { LakePorts } from '../ports';
import { registerTableView } from '../table-files';
import type { SettlementPeriod } from './calendar';

export const CALENDAR_SLOT = 'settlement_calendar';

/** A table slot the settlement SQL read without a pinned snapshot. */
export class UnpinnedInputError extends Error {
  override name = 'UnpinnedInputError';
}

export interface SettlementEngineOptions {
  readonly calendar: readonly SettlementPeriod[];
  /** Per table: files that cannot hold rows inside this window are not read (partition and min/max pruning). */
  readonly windows?: Readonly<Record<string, { column: string; fromMs: number; toMs: number }>>;
  /** The views slots may name (settlementViews of the SQL root the run uses). */
  readonly views: ReadonlyMap<string, SqlTemplate>;
  /**
   * Views computed once per run into a temp table that every report reads (the per-meter, per-period
   * aggregate all reports share), instead of being inlined into, and recomputed by, each report.
   */
  readonly materialize?: readonly string[];
  /** The pinned snapshot of each table, for the tables the materialized views read. */
  readonly pins?: Readonly<Record<string, bigint>>;
}

/** Run `work` with a QueryEngine for settlement SQL; the scratch relations are dropped afterwards. */
export async function withSettlementEngine<T>(ports: LakePorts, opts: SettlementEngineOptions, work: (engine: QueryEngine) => Promise<T>): Promise<T> {
  const created: string[] = [];
  const calendar = scratchName(CALENDAR_SLOT);
  await ports.session.run(`CREATE TEMP TABLE ${calendar} (partner VARCHAR, settlement_day DATE, period INTEGER, period_start TIMESTAMPTZ, local_hour INTEGER, is_business_day BOOLEAN, in_month BOOLEAN)`);
  const appender = await ports.session.connection.createAppender(calendar, 'main', 'temp');
  for (const p of opts.calendar) {
    appender.appendVarchar(p.partner);
    appender.appendVarchar(p.settlementDay);
    appender.appendInteger(p.period);
    appender.appendVarchar(p.periodStart.toISOString());
    appender.appendInteger(p.localHour);
    appender.appendBoolean(p.isBusinessDay);
    appender.appendBoolean(p.inMonth);
    appender.endRow();
  }
  appender.closeSync();
  const relations = new Map<string, string>();
  const materialize = new Set(opts.materialize ?? []);
  const inlined = new Map([...opts.views].filter(([name]) => !materialize.has(name)));
  const materialized = new Map<string, string>();
  const materializeView = async (slot: string): Promise<string> => {
    let name = materialized.get(slot);
    if (name) return name;
    const expanded = expandViews(opts.views.get(slot)!, inlined);
    const names = new Map<string, string>();
    for (const inner of expanded.slots) names.set(inner, await resolveSlot(inner, opts.pins?.[inner]));
    name = scratchName(`settle_${slot}`);
    await ports.session.run(`CREATE TEMP TABLE ${sqlIdent(name)} AS ${renderSql(expanded, { table: (s) => sqlIdent(names.get(s)!) }).sql}`);
    materialized.set(slot, name);
    return name;
  };
  const resolveSlot = async (slot: string, version?: TableVersion): Promise<string> => {
    if (slot === CALENDAR_SLOT) return calendar;
    if (materialize.has(slot)) return materializeView(slot);
    if (version === undefined) throw new UnpinnedInputError(`settlement SQL reads ${slot}, which the run did not pin to a snapshot`);
    const key = `${slot}@${String(version)}`;
    let name = relations.get(key);
    if (name) return name;
    name = scratchName(`settle_${slot}`);
    const window = opts.windows?.[slot];
    const filter: Predicate | undefined = window && {
      op: 'and',
      args: [{ op: 'gte', field: window.column, value: new Date(window.fromMs) }, { op: 'lt', field: window.column, value: new Date(window.toMs) }],
    };
    const snapshot = typeof version === 'bigint' ? { snapshotId: version } : { ref: version };
    await registerTableView(ports.session, ports.store, openTable(ports.catalog, slot, ports.io), name, { snapshot, filter });
    relations.set(key, name);
    created.push(name);
    return name;
  };
  try {
    return await work(new DuckDbQueryEngine({ session: ports.session, resolveSlot, views: inlined }));
  } finally {
    for (const name of materialized.values()) await ports.session.run(`DROP TABLE IF EXISTS ${sqlIdent(name)}`);
    for (const name of created) await ports.session.run(`DROP VIEW IF EXISTS ${sqlIdent(name)}`);
    await ports.session.run(`DROP TABLE IF EXISTS ${calendar}`);
  }
}
