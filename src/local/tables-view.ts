import { TableNotFoundError } from '../catalog/catalog';
import { openTable } from '../catalog/open-table';
import { createEmptyView, createUnavailableView } from '../engine/snapshot-view';
import type { SnapshotSelector } from '../iceberg/scan';
import { currentSchema } from '../iceberg/table-metadata';
import { resolveLakeVersions } from '../pipeline/as-of';
import { registerSqlViews } from '../pipeline/gold';
import { registerLiveView } from '../pipeline/live';
import type { LakePorts } from '../pipeline/ports';
import { registerTableView } from '../pipeline/table-files';
import { METER_READINGS, READINGS_HISTORY } from '../pipeline/tables';

export const LIVE_VIEW = 'meter_readings_live';

/**
 * Register every table of the catalog as a DuckDB view of the same name, all at one selected
 * version of the lake (resolveLakeVersions: an unknown tag, id or a time before the lake's first
 * snapshot throws), plus meter_readings_live and the SQL views.
 */
export async function registerAllTables(ports: LakePorts, selector?: SnapshotSelector): Promise<string[]> {
  const names = await ports.catalog.listTables();
  const tables = new Map(names.map((name) => [name, openTable(ports.catalog, name, ports.io)]));
  const metadata = new Map(await Promise.all(names.map(async (name) => [name, await tables.get(name)!.metadata()] as const)));
  const versions = resolveLakeVersions(metadata, selector);
  for (const [name, table] of tables) {
    const at = versions.get(name)!;
    const schema = currentSchema(metadata.get(name)!);
    if (at.kind === 'snapshot') await registerTableView(ports.session, ports.store, table, name, { snapshot: { snapshotId: at.snapshot['snapshot-id'] } });
    else if (at.kind === 'empty') await createEmptyView(ports.session, name, schema);
    else await createUnavailableView(ports.session, name, schema, at.error.message);
  }
  if (names.includes(METER_READINGS.name) && names.includes(READINGS_HISTORY.name)) {
    // The live view is today's state by definition: it has no past version to read.
    if (selector) {
      await createUnavailableView(ports.session, LIVE_VIEW, currentSchema(metadata.get(METER_READINGS.name)!),
        `${LIVE_VIEW} is the current state and cannot be read at an earlier version; read ${METER_READINGS.name} instead`);
    } else {
      await registerLiveView(ports, LIVE_VIEW);
    }
  }
  // Analysts' views need their tables; before the first daily run and reference drop they are absent.
  if ([METER_READINGS.name, 'agreement', 'product', 'meterpoint'].every((t) => names.includes(t))) await registerSqlViews(ports);
  return names;
}

export async function requireTable(ports: LakePorts, name: string) {
  if (!(await ports.catalog.tableExists(name))) throw new TableNotFoundError(name);
  return openTable(ports.catalog, name, ports.io);
}
