import type { FileIO } from '../iceberg/file-io';
import { IcebergTable, type TableOptions } from '../iceberg/table';
import { newTableMetadata, type NewTableOptions } from '../iceberg/table-metadata';
import { TableAlreadyExistsError, type Catalog, type TableHandle } from './catalog';

/** Bind a catalog table to the Iceberg operations (the catalog supplies load and the atomic swap). */
export function openTable(catalog: Catalog, name: string, io: FileIO, options?: TableOptions): IcebergTable {
  return new IcebergTable(name, io, {
    load: () => catalog.loadTable(name),
    commit: (base, updated) => catalog.commit(base as TableHandle, updated),
  }, options);
}

/** Create the table if it does not exist yet, then open it. */
export async function ensureTable(
  catalog: Catalog, name: string, io: FileIO, definition: Omit<NewTableOptions, 'location' | 'nowMs'>, options?: TableOptions,
): Promise<IcebergTable> {
  if (!(await catalog.tableExists(name))) {
    const metadata = newTableMetadata({ ...definition, location: catalog.defaultLocation(name), nowMs: (options?.now ?? Date.now)() });
    try {
      await catalog.createTable(name, metadata);
    } catch (err) {
      // Another process created it first: fine, open theirs.
      if (!(err instanceof TableAlreadyExistsError)) throw err;
    }
  }
  return openTable(catalog, name, io, options);
}
