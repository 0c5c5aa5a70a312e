import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDbDeviceStateStore } from '../../../src/aws/dynamodb-device-state';
import { FileCatalog } from '../../../src/catalog/file-catalog';
import { openTable } from '../../../src/catalog/open-table';
import { DuckDbSession } from '../../../src/engine/duckdb-session';
import { commitBatches } from '../../../src/pipeline/commit';
import type { LakePorts } from '../../../src/pipeline/ports';
import { handleMskEvent, type MskEvent } from '../../../src/pipeline/stream/msk-event';
import { registerTableView } from '../../../src/pipeline/table-files';
import { fileIOFor } from '../../../src/storage/file-io';
import { LocalStore } from '../../../src/storage/local-store';
import { startDynalite, type DynaliteServer } from '../../helpers/dynalite';
import { measurementsMessage, mskEvent, mskRecords } from '../../helpers/msk-events';

/** Two Lambda containers: each its own DuckDB session and ports, the same lake folder and DynamoDB table. */
describe('two invocations handling the same device at once', () => {
  let dynalite: DynaliteServer;
  let dir: string;
  let invocations: { ports: LakePorts; state: DynamoDbDeviceStateStore }[];
  beforeAll(async () => {
    dynalite = await startDynalite();
    dir = await mkdtemp(path.join(tmpdir(), 'meterlake-stream-race-'));
    const table = await dynalite.createDeviceStateTable();
    invocations = await Promise.all([1, 2].map(async () => {
      const store = new LocalStore(dir);
      const io = fileIOFor(store);
      const ports: LakePorts = {
        store, io, catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }), session: await DuckDbSession.create({ threads: 1 }),
        profiles: new Map(), now: Date.now, tempDir: dir,
      };
      return { ports, state: new DynamoDbDeviceStateStore(dynalite.client, table) };
    }));
  });
  afterAll(async () => {
    for (const { ports } of invocations) ports.session.close();
    await dynalite.close();
    await rm(dir, { recursive: true, force: true });
  });

  const handle = (i: number, event: MskEvent) => handleMskEvent({
    ports: invocations[i].ports, state: invocations[i].state, send: async (request) => { await commitBatches(invocations[i].ports, [request]); },
  }, event);

  test('never produce two deltas for one reading', async () => {
    const devices = [11, 12, 13, 14, 15, 16];
    for (const [round, device] of devices.entries()) {
      const readings = Array.from({ length: 8 }, (_, k) => ({
        device_id: device, device_name: `meter ${device}`, time: new Date(Date.UTC(2022, 6, 11, 0, 5 * k)).toISOString(), cumulative_energy: 10 + k,
      }));
      // The same readings reach two partitions (a producer retry), handled by two containers at once.
      const [a, b] = await Promise.all([
        handle(0, mskEvent(mskRecords('sensors', 0, round, [measurementsMessage(...readings)]))),
        handle(1, mskEvent(mskRecords('sensors', 1, round, [measurementsMessage(...readings.slice().reverse())]))),
      ]);
      expect([a, b]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    }
    const { ports } = invocations[0];
    await registerTableView(ports.session, ports.store, openTable(ports.catalog, 'device_energy', ports.io), 'race_energy');
    const perReading = await ports.session.all<{ device_id: number; n: bigint }>(
      'SELECT device_id, count(*) AS n, count(DISTINCT time) AS times FROM race_energy GROUP BY device_id ORDER BY device_id');
    expect(perReading).toEqual(devices.map((device_id) => ({ device_id, n: 8n, times: 8n })));
  }, 60_000);
});
