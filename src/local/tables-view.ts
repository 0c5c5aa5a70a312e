import { TableNotFoundError } from '../catalog/catalog';
import { openTable } from '../catalog/open-table';
import { SnapshotNotFoundError } from '../iceberg/errors';
import type { SnapshotSelector } from '../iceberg/scan';
import { registerSqlViews } from '../pipeline/gold';
import { registerLiveView } from '../pipeline/live';
import type { LakePorts } from '../pipeline/ports';
import { registerTableView } from '../pipeline/table-files';

/** Register every table of the catalog as a DuckDB view of the same name (at a selected version), plus meter_readings_live. */
export async function registerAllTables(ports: LakePorts, selector?: SnapshotSelector): Promise<string[]> {
  const names = await ports.catalog.listTables();
  for (const name of names) {
    const table = openTable(ports.catalog, name, ports.io);
    try {
      await registerTableView(ports.session, ports.store, table, name, { snapshot: selector });
    } catch (err) {
      // A selector names one table's version; other tables are shown at their current version.
      if (!selector || !(err instanceof SnapshotNotFoundError)) throw err;
      await registerTableView(ports.session, ports.store, table, name, {});
    }
  }
  if (names.includes('meter_readings') && names.includes('readings_history')) await registerLiveView(ports, 'meter_readings_live');
  // Analysts' views need their tables; before the first daily run and reference drop they are absent.
  if (['meter_readings', 'agreement', 'product', 'meterpoint'].every((t) => names.includes(t))) await registerSqlViews(ports);
  return names;
}

export async function requireTable(ports: LakePorts, name: string) {
  if (!(await ports.catalog.tableExists(name))) throw new TableNotFoundError(name);
  return openTable(ports.catalog, name, ports.io);
}
