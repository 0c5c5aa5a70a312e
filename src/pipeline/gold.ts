import { createHash } from 'node:crypto';
import { ensureTable, openTable } from '../catalog/open-table';
import { sqlIdent, scratchName } from '../engine/duckdb-session';
import { duckDbParamValue } from '../engine/duckdb-query-engine';
import { SQL_GOLD_DIR, expandViews, listSqlFiles, loadSqlTemplate, loadSqlTemplates, renderSql, type SqlTemplate } from '../engine/sql-template';
import type { IcebergTable } from '../iceberg/table';
import { currentSnapshot } from '../iceberg/table-metadata';
import type { NestedField, PrimitiveType } from '../iceberg/types';
import { tagCurrentSnapshot, tagRefOptions } from './maintenance/tag-policy';
import type { LakePorts } from './ports';
import { REFERENCE_TABLES } from './reference';
import type { AfterCommitContext, AfterCommitHook, HookOutcome } from './snapshot';
import { registerTableView, writeRowsAsDataFiles } from './table-files';

/** The as-of date of gold_active_agreements unless configured (the analytics issue's default). */
export const DEFAULT_AGREEMENTS_AS_OF = '2021-01-01';
/** Gold table summary property: the inputs a build read (see goldInputs). */
export const GOLD_INPUTS_PROPERTY = 'meterlake.gold-inputs';

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

/** What a gold build reads: the snapshot of every table its SQL names, and the SQL itself. */
export interface GoldInputs {
  /** Snapshot id per table slot (meter_readings: the run's snapshot; the others: their current one). */
  snapshotIds: Map<string, bigint>;
  /** One string naming all of them and a hash of the SQL text and parameters: equal strings, equal gold. */
  fingerprint: string;
}

function goldTemplates(): SqlTemplate[] {
  return listSqlFiles(SQL_GOLD_DIR).map((file) => loadSqlTemplate(file));
}

/** The inputs of a gold build from the run's meter_readings snapshot and the tables' current snapshots. */
export async function goldInputs(ctx: AfterCommitContext, opts: GoldOptions = {}): Promise<GoldInputs> {
  const views = loadSqlTemplates();
  const templates = goldTemplates();
  const tableSlots = [...new Set(templates.flatMap((t) => expandViews(t, views).slots))].sort();
  const snapshotIds = new Map<string, bigint>();
  for (const slot of tableSlots) {
    const id = slot === 'meter_readings' ? ctx.snapshot['snapshot-id'] : (await openTable(ctx.ports.catalog, slot, ctx.ports.io).metadata())['current-snapshot-id'];
    if (id === -1n) throw new Error(`gold tables read ${slot}, which has no snapshot yet`);
    snapshotIds.set(slot, id);
  }
  const sql = createHash('sha256');
  for (const t of [...templates, ...views.values()]) sql.update(`${t.name}\n${t.text}\n`);
  sql.update(JSON.stringify(goldParams(opts)));
  const fingerprint = `${[...snapshotIds].map(([slot, id]) => `${slot}@${id}`).join(' ')} sql:${sql.digest('hex').slice(0, 16)}`;
  return { snapshotIds, fingerprint };
}

const goldParams = (opts: GoldOptions) => ({ as_of_date: DEFAULT_AGREEMENTS_AS_OF, ...opts.params });

/**
 * Build every sql/gold table from one meter_readings snapshot and the current reference data:
 * run its SQL on DuckDB, replace the Iceberg table's contents in one overwrite snapshot and tag
 * it with the run's tag, so a gold table at a daily tag matches meter_readings at that tag.
 * Each snapshot records its inputs (GOLD_INPUTS_PROPERTY), so an unchanged build can be skipped.
 */
export async function buildGoldTables(ctx: AfterCommitContext, opts: GoldOptions = {}, inputs?: GoldInputs): Promise<{ table: string; rows: number }[]> {
  const { ports } = ctx;
  const { snapshotIds, fingerprint } = inputs ?? await goldInputs(ctx, opts);
  const views = loadSqlTemplates();
  const slots = new Map<string, string>();
  // Tables are views over their pinned snapshot's files; the analysts' views a gold query reads
  // are materialised once per build (several gold tables read readings_enriched).
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
      await registerTableView(ports.session, ports.store, table, name, { snapshot: { snapshotId: snapshotIds.get(slot)! } });
    }
    slots.set(slot, name);
    return name;
  };
  const built: { table: string; rows: number }[] = [];
  for (const template of goldTemplates()) {
    for (const slot of template.slots) await resolve(slot);
    const params = goldParams(opts);
    const rendered = renderSql(template, { table: (slot) => sqlIdent(slots.get(slot)!), params });
    const values = rendered.values.map((v, i) => duckDbParamValue(v, rendered.valueParams[i].type, rendered.valueParams[i].name));
    const result = scratchName(template.name);
    await ports.session.run(`CREATE TEMP TABLE ${result} AS ${rendered.sql}`, values as never);
    try {
      const columns = await ports.session.all<{ column_name: string; column_type: string }>(`DESCRIBE ${result}`);
      const fields: NestedField[] = columns.map((c, i) => ({ id: i + 1, name: c.column_name, required: false, type: icebergTypeOf(c.column_type, c.column_name) }));
      const table = await ensureTable(ports.catalog, template.name, ports.io, { fields }, { now: ports.now });
      const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: result });
      const commit = await table.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true, summary: { 'meterlake.tag': ctx.tag, [GOLD_INPUTS_PROPERTY]: fingerprint } });
      // A daily tag is never moved: a rebuild under a date already tagged (new reference data, same
      // date) leaves that tag on what it named; the next run's date tags the rebuild.
      if (!commit.metadata.refs[ctx.tag]) await table.setRef(ctx.tag, { ...tagRefOptions(ctx.tag), snapshotId: commit.snapshot['snapshot-id'] });
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

/**
 * After-commit hook: rebuild the gold tables when the reference data exists and their inputs
 * changed since the last build; otherwise only tag the existing gold snapshots with the run's tag
 * (a metadata-only commit), so a gold table at every daily tag still matches meter_readings.
 */
export function goldTablesHook(opts: GoldOptions = {}): AfterCommitHook {
  return {
    name: 'gold_tables',
    async run(ctx): Promise<HookOutcome> {
      if (!(await referenceDataPresent(ctx))) return 'unchanged';
      const inputs = await goldInputs(ctx, opts);
      const built = await builtGoldTables(ctx, goldTemplates().map((t) => t.name), inputs.fingerprint);
      if (!built) {
        await buildGoldTables(ctx, opts, inputs);
        return 'rebuilt';
      }
      let tagged = false;
      for (const table of built) if (await tagCurrentSnapshot(table, ctx.tag)) tagged = true;
      return tagged ? 'tagged' : 'unchanged';
    },
  };
}

/**
 * Gold joins the reference data: until every reference table holds a snapshot there is nothing to
 * build. A deployed lake creates them empty (Athena's views name them), before the first drop.
 */
async function referenceDataPresent(ctx: AfterCommitContext): Promise<boolean> {
  const tables = await ctx.ports.catalog.listTables();
  for (const name of Object.keys(REFERENCE_TABLES)) {
    if (!tables.includes(name)) return false;
    if ((await openTable(ctx.ports.catalog, name, ctx.ports.io).metadata())['current-snapshot-id'] === -1n) return false;
  }
  return true;
}

/** The gold tables, when every one exists and its current snapshot was built from exactly these inputs. */
async function builtGoldTables(ctx: AfterCommitContext, names: string[], fingerprint: string): Promise<IcebergTable[] | undefined> {
  const existing = new Set(await ctx.ports.catalog.listTables());
  if (!names.every((n) => existing.has(n))) return undefined;
  const tables = names.map((n) => openTable(ctx.ports.catalog, n, ctx.ports.io));
  for (const table of tables) {
    const metadata = await table.metadata();
    if (currentSnapshot(metadata)?.summary[GOLD_INPUTS_PROPERTY] !== fingerprint) return undefined;
  }
  return tables;
}

/**
 * Register the analysts' views (sql/views) in a session whose tables are already views of their
 * names; a view whose tables the lake does not have (device_energy in a lake without sensors) is left out.
 */
export async function registerSqlViews(ports: LakePorts): Promise<string[]> {
  const views = loadSqlTemplates();
  const names: string[] = [];
  const present = new Set((await ports.session.all<{ name: string }>(
    'SELECT view_name AS name FROM duckdb_views() UNION ALL SELECT table_name FROM duckdb_tables()',
  )).map((r) => r.name));
  for (const view of views.values()) {
    const expanded = expandViews(view, views);
    if (![...expanded.slots].every((slot) => present.has(slot))) continue;
    const rendered = renderSql(expanded, { table: (slot) => sqlIdent(slot) });
    await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(view.name)} AS ${rendered.sql}`);
    names.push(view.name);
  }
  return names;
}
