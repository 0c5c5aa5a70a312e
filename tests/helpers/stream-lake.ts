import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openTable } from '../../src/catalog/open-table';
import { FileCatalog } from '../../src/catalog/file-catalog';
import type { DuckDbSession } from '../../src/engine/duckdb-session';
import { commitBatches } from '../../src/pipeline/commit';
import type { LakePorts } from '../../src/pipeline/ports';
import { FileDeviceStateStore } from '../../src/pipeline/stream/file-device-state';
import { handleMskEvent, type KafkaBatchResponse, type MskEvent } from '../../src/pipeline/stream/msk-event';
import { registerTableView } from '../../src/pipeline/table-files';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';

/** A lake in a temp folder over a shared DuckDB session, with a device-state file: cheap enough for property runs. */
export interface StreamLake {
  ports: LakePorts;
  state: FileDeviceStateStore;
  /** Handle an MSK event as the Lambda does, committing each request at once; a failed partition throws. */
  deliver(event: MskEvent): Promise<KafkaBatchResponse>;
  /** Rows of a table at its current snapshot, ordered by `orderBy`. */
  rows<T>(table: string, select: string, orderBy: string): Promise<T[]>;
  close(): Promise<void>;
}

export async function createStreamLake(session: DuckDbSession): Promise<StreamLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-stream-'));
  const store = new LocalStore(dir);
  const io = fileIOFor(store);
  const ports: LakePorts = {
    store, io, catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }), session,
    profiles: new Map(), now: Date.now, tempDir: dir,
  };
  const state = await FileDeviceStateStore.create(path.join(dir, 'state', 'device-state.json'));
  let views = 0;
  return {
    ports, state,
    async deliver(event) {
      let failure: unknown;
      const response = await handleMskEvent({
        ports, state, send: async (request) => { await commitBatches(ports, [request]); },
        onPartition: (_key, outcome) => { if ('error' in outcome) failure = outcome.error; },
      }, event);
      if (failure) throw failure;
      return response;
    },
    async rows<T>(table: string, select: string, orderBy: string) {
      if (!(await ports.catalog.tableExists(table))) return [];
      const view = `stream_rows_${++views}`;
      await registerTableView(session, store, openTable(ports.catalog, table, io), view);
      try {
        return await session.all<T>(`SELECT ${select} FROM ${view} ORDER BY ${orderBy}`);
      } finally {
        await session.run(`DROP VIEW IF EXISTS ${view}`);
      }
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
