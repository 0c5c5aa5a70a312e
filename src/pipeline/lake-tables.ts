import { ensureTable } from '../catalog/open-table';
import type { IcebergTable } from '../iceberg/table';
import type { TableMetadata } from '../iceberg/types';
import type { LakePorts } from './ports';
import type { TableDefinition } from './tables';

/** Open one of the pipeline's tables, creating it on first use. */
export async function tableFor(ports: LakePorts, table: TableDefinition): Promise<IcebergTable> {
  return ensureTable(ports.catalog, table.name, ports.io, table.definition, { now: ports.now });
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
