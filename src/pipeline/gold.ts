import { ensureTable, openTable } from '../catalog/open-table';
import { sqlIdent, scratchName } from '../engine/duckdb-session';
import { duckDbParamValue } from '../engine/duckdb-query-engine';
import { SQL_GOLD_DIR, expandViews, listSqlFiles, loadSqlTemplate, loadSqlTemplates, renderSql, type SqlTemplate } from '../engine/sql-template';
import type { NestedField, PrimitiveType } from '../iceberg/types';
import { tagRefOptions } from './maintenance/tag-policy';
import type { LakePorts } from './ports';
import type { AfterCommitContext, AfterCommitHook } from './snapshot';
import { registerTableView, writeRowsAsDataFiles } from './table-files';

/** The as-of date of gold_active_agreements unless configured (the analytics issue's default). */
export const DEFAULT_AGREEMENTS_AS_OF = '2021-01-01';

/** Iceberg type of a DuckDB result column (gold tables take their schema from their SQL). */
function icebergTypeOf(duckType: string, column: string): PrimitiveType {
  const t = duckType.toUpperCase();
  if (/^DECIMAL\(\d+,\s*\d+\)$/.test(t)) return t.toLowerCase().replace(/\s/g, '') as PrimitiveType;
  const map: Record<string, PrimitiveType> = {
    BOOLEAN: 'boolean', TINYINT: 'int', SMALLINT: 'int', INTEGER: 'int', BIGINT: 'long', HUGEINT: 'decimal(38,0)',
    FLOAT: 'float', DOUBLE: 'double', DATE: 'date', TIMESTAMP: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamptz',
    VARCHAR: 'string',
  };
  const type = map[t];
  if (!type) throw new Error(`gold column ${column}: DuckDB type ${duckType} has no Iceberg mapping`);
  return type;
}

export interface GoldOptions {
  /** Parameter values by name (e.g. as_of_date); missing DATE `as_of_date` defaults to DEFAULT_AGREEMENTS_AS_OF. */
  params?: Record<string, unknown>;
}

/**
 * Build every sql/gold table from one meter_readings snapshot and the current reference data:
 * run its SQL on DuckDB, replace the Iceberg table's contents in one overwrite snapshot and tag
 * it with the run's tag, so a gold table at a daily tag matches meter_readings at that tag.
 */
export async function buildGoldTables(ctx: AfterCommitContext, opts: GoldOptions = {}): Promise<{ table: string; rows: number }[]> {
  const { ports } = ctx;
  const views = loadSqlTemplates();
  const slots = new Map<string, string>();
  // Tables are views over their snapshot's files; the analysts' views a gold query reads are
  // materialised once per build (several gold tables read readings_enriched).
  const resolve = async (slot: string): Promise<string> => {
    let name = slots.get(slot);
    if (name) return name;
    name = scratchName(`gold_${slot}`);
    const view = views.get(slot);
    if (view) {
      for (const inner of view.slots) await resolve(inner);
      const rendered = renderSql(view, { table: (s) => sqlIdent(slots.get(s)!) });
      await ports.session.run(`CREATE TEMP TABLE ${sqlIdent(name)} AS ${rendered.sql}`);
    } else {
      const table = slot === 'meter_readings' ? ctx.meterReadings : openTable(ports.catalog, slot, ports.io);
      const selector = slot === 'meter_readings' ? { snapshot: { snapshotId: ctx.snapshot['snapshot-id'] } } : {};
      await registerTableView(ports.session, ports.store, table, name, selector);
    }
    slots.set(slot, name);
    return name;
  };
  const built: { table: string; rows: number }[] = [];
  for (const file of listSqlFiles(SQL_GOLD_DIR)) {
    const template: SqlTemplate = loadSqlTemplate(file);
    for (const slot of template.slots) await resolve(slot);
    const params = { as_of_date: DEFAULT_AGREEMENTS_AS_OF, ...opts.params };
    const rendered = renderSql(template, { table: (slot) => sqlIdent(slots.get(slot)!), params });
    const values = rendered.values.map((v, i) => duckDbParamValue(v, rendered.valueParams[i].type, rendered.valueParams[i].name));
    const result = scratchName(template.name);
    await ports.session.run(`CREATE TEMP TABLE ${result} AS ${rendered.sql}`, values as never);
    try {
      const columns = await ports.session.all<{ column_name: string; column_type: string }>(`DESCRIBE ${result}`);
      const fields: NestedField[] = columns.map((c, i) => ({ id: i + 1, name: c.column_name, required: false, type: icebergTypeOf(c.column_type, c.column_name) }));
      const table = await ensureTable(ports.catalog, template.name, ports.io, { fields }, { now: ports.now });
      const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: result });
      const commit = await table.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true, summary: { 'meterlake.tag': ctx.tag } });
      await table.setRef(ctx.tag, { ...tagRefOptions(ctx.tag), snapshotId: commit.snapshot['snapshot-id'] });
      built.push({ table: template.name, rows: Number(commit.snapshot.summary['total-records']) });
    } finally {
      await ports.session.run(`DROP TABLE IF EXISTS ${result}`);
    }
  }
  for (const [slot, name] of slots) {
    await ports.session.run(views.has(slot) ? `DROP TABLE IF EXISTS ${sqlIdent(name)}` : `DROP VIEW IF EXISTS ${sqlIdent(name)}`);
  }
  return built;
}

/** After-commit hook: rebuild the gold tables when the reference data exists. */
export function goldTablesHook(opts: GoldOptions = {}): AfterCommitHook {
  return {
    name: 'gold_tables',
    async run(ctx) {
      const tables = await ctx.ports.catalog.listTables();
      if (!['agreement', 'product', 'meterpoint'].every((t) => tables.includes(t))) return;
      await buildGoldTables(ctx, opts);
    },
  };
}

/** Register the analysts' views (sql/views) in a session whose tables are already views of their names. */
export async function registerSqlViews(ports: LakePorts): Promise<string[]> {
  const views = loadSqlTemplates();
  const names: string[] = [];
  for (const view of views.values()) {
    const expanded = expandViews(view, views);
    const rendered = renderSql(expanded, { table: (slot) => sqlIdent(slot) });
    await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(view.name)} AS ${rendered.sql}`);
    names.push(view.name);
  }
  return names;
}
