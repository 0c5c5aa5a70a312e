import { ensureTable } from '../catalog/open-table';
import type { IcebergTable } from '../iceberg/table';
import { currentSchema } from '../iceberg/table-metadata';
import type { TableMetadata } from '../iceberg/types';
import type { LakePorts } from './ports';
import type { TableDefinition } from './tables';

/**
 * Open one of the pipeline's tables, creating it on first use, and adding the columns its
 * definition gained since the table was created (field ids never change; new ones only add).
 */
export async function tableFor(ports: LakePorts, table: TableDefinition): Promise<IcebergTable> {
  const opened = await ensureTable(ports.catalog, table.name, ports.io, table.definition, { now: ports.now });
  const present = new Set(currentSchema(await opened.metadata()).fields.map((f) => f.id));
  const added = table.definition.fields.filter((f) => !present.has(f.id));
  if (added.length) await opened.addColumns(added);
  return opened;
}

const layouts = new WeakMap<LakePorts, Map<string, Promise<TableMetadata>>>();

/**
 * A table's metadata for writing data files (location, schema, partition spec). Those never
 * change under a running process, so ingest loads them once instead of once per object.
 */
export function tableLayout(ports: LakePorts, table: TableDefinition): Promise<TableMetadata> {
  let cache = layouts.get(ports);
  if (!cache) layouts.set(ports, (cache = new Map()));
  let layout = cache.get(table.name);
  if (!layout) {
    layout = tableFor(ports, table).then((t) => t.metadata());
    layout.catch(() => cache.delete(table.name));
    cache.set(table.name, layout);
  }
  return layout;
}
