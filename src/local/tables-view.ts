import { TableNotFoundError } from '../catalog/catalog';
import { openTable } from '../catalog/open-table';
import { createEmptyView, createUnavailableView } from '../engine/snapshot-view';
import type { SnapshotSelector } from '../iceberg/scan';
import { currentSchema } from '../iceberg/table-metadata';
import { resolveLakeVersions } from '../pipeline/as-of';
import { expandViews, loadSqlTemplates } from '../engine/sql-template';
import { FORECAST_VIEWS, registerForecastViews } from '../pipeline/forecast/views';
import { registerSqlViews } from '../pipeline/gold';
import { registerLiveView } from '../pipeline/live';
import type { LakePorts } from '../pipeline/ports';
import { registerTableView } from '../pipeline/table-files';
import { METER_READINGS, READINGS_HISTORY } from '../pipeline/tables';

export const LIVE_VIEW = 'meter_readings_live';

/** The tables the live view reads. */
const LIVE_VIEW_TABLES = [METER_READINGS.name, READINGS_HISTORY.name];

/**
 * The tables a statement needs: those it names, and every table of the SQL views (and of the live
 * view) when it names one of those. Names are matched as whole words, case-insensitively, so the
 * set errs on the side of too many (a name inside a string literal counts), never too few.
 */
export function neededBy(sql: string, tables: readonly string[]): { tables: Set<string>; liveView: boolean; sqlViews: boolean } {
  const mentions = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, 'i').test(sql);
  const needed = new Set(tables.filter(mentions));
  const liveView = mentions(LIVE_VIEW);
  if (liveView) LIVE_VIEW_TABLES.forEach((t) => needed.add(t));
  for (const [view, table] of Object.entries(FORECAST_VIEWS)) if (mentions(view)) needed.add(table);
  const views = loadSqlTemplates();
  const sqlViews = [...views.keys()].some(mentions);
  if (sqlViews) {
    // The SQL views are created together, so each needs the tables of all of them.
    for (const view of views.values()) expandViews(view, views).slots.forEach((t) => needed.add(t));
  }
  return { tables: needed, liveView, sqlViews };
}

/**
 * Register the tables of the catalog as DuckDB views of the same name, all at one selected
 * version of the lake (resolveLakeVersions: an unknown tag, id or a time before the lake's first
 * snapshot throws, whichever tables are registered), plus meter_readings_live and the SQL views.
 * With `forSql`, only what that statement needs is registered (reading a table's manifests is
 * most of a small query's time); without it, everything.
 */
export async function registerLakeTables(ports: LakePorts, selector?: SnapshotSelector, forSql?: string): Promise<string[]> {
  const allNames = await ports.catalog.listTables();
  const tables = new Map(allNames.map((name) => [name, openTable(ports.catalog, name, ports.io)]));
  const metadata = new Map(await Promise.all(allNames.map(async (name) => [name, await tables.get(name)!.metadata()] as const)));
  const versions = resolveLakeVersions(metadata, selector);
  const needed = forSql === undefined ? { tables: new Set(allNames), liveView: true, sqlViews: true } : neededBy(forSql, allNames);
  const names = allNames.filter((name) => needed.tables.has(name));
  for (const name of names) {
    const table = tables.get(name)!;
    const at = versions.get(name)!;
    const schema = currentSchema(metadata.get(name)!);
    if (at.kind === 'snapshot') await registerTableView(ports.session, ports.store, table, name, { snapshot: { snapshotId: at.snapshot['snapshot-id'] } });
    else if (at.kind === 'empty') await createEmptyView(ports.session, name, schema);
    else await createUnavailableView(ports.session, name, schema, at.error.message);
  }
  if (needed.liveView && LIVE_VIEW_TABLES.every((t) => names.includes(t))) {
    // The live view is today's state by definition: it has no past version to read.
    if (selector) {
      await createUnavailableView(ports.session, LIVE_VIEW, currentSchema(metadata.get(METER_READINGS.name)!),
        `${LIVE_VIEW} is the current state and cannot be read at an earlier version; read ${METER_READINGS.name} instead`);
    } else {
      await registerLiveView(ports, LIVE_VIEW);
    }
  }
  // Analysts' views need their tables (absent before the first daily run, reference drop or sensor message): each view whose tables exist.
  if (needed.sqlViews) await registerSqlViews(ports);
  await registerForecastViews(ports, names);
  return names;
}

export async function requireTable(ports: LakePorts, name: string) {
  if (!(await ports.catalog.tableExists(name))) throw new TableNotFoundError(name);
  return openTable(ports.catalog, name, ports.io);
}
