import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileCatalog } from '../../src/catalog/file-catalog';
import { DuckDbSession } from '../../src/engine/duckdb-session';
import { loadSourceProfiles } from '../../src/formats/source-profiles';
import { assertValidTable } from '../../src/iceberg/validator';
import { commitBatches } from '../../src/pipeline/commit';
import { ingestObject } from '../../src/pipeline/ingest';
import { tableFor } from '../../src/pipeline/lake-tables';
import type { LakePorts } from '../../src/pipeline/ports';
import { runDailySnapshot, type DailyRunResult } from '../../src/pipeline/snapshot';
import { METER_READINGS, READINGS_HISTORY, REJECTED_READINGS } from '../../src/pipeline/tables';
import { keyOf, registerTableView } from '../../src/pipeline/table-files';
import { fileIOFor } from '../../src/storage/file-io';
import { S3Store } from '../../src/storage/s3-store';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

/**
 * The pipeline with the lake on S3 (an S3-compatible server on 127.0.0.1): landing objects are
 * downloaded, data and position-delete files are written locally and uploaded, metadata is
 * committed with conditional writes. Two drops: a day of readings (one bad row), then one
 * correction, whose daily run is merge-on-read (a winners file plus a position delete file).
 */
const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const DAY_ONE = [
  HEADER,
  ...['MTR-1', 'MTR-2', 'MTR-3'].flatMap((meter, m) =>
    ['00:00', '00:30', '01:00', '01:30'].map((time, t) => `${meter},2021-03-01T${time}:00Z,30,${m + 1}.${t},actual`)),
  'MTR-4,2021-03-01T00:00:00Z,30,-1,actual',
].join('\n');
const CORRECTION = `${HEADER}\nMTR-2,2021-03-01T00:30:00Z,30,9.5,substituted\n`;

let server: TestS3Server;
let ports: LakePorts;
let runs: DailyRunResult[];

async function deliver(key: string, body: string, arrivalTime: string): Promise<void> {
  await ports.store.put(key, body);
  const request = await ingestObject(ports, { bucket: server.bucket, key, etag: randomUUID(), arrivalTime: new Date(arrivalTime) });
  await commitBatches(ports, [request]);
}

beforeAll(async () => {
  server = await startS3Server();
  const store = new S3Store(server.storeOptions(`pipeline-${randomUUID()}`));
  const io = fileIOFor(store);
  ports = {
    store, io,
    catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }),
    session: await DuckDbSession.create({ threads: 2 }),
    profiles: loadSourceProfiles(),
    now: () => Date.parse('2021-03-03T06:00:00Z'),
    tempDir: await mkdtemp(path.join(tmpdir(), 'meterlake-s3-pipeline-')),
  };
  await deliver('landing/default/readings/day-one.csv', DAY_ONE, '2021-03-02T01:00:00Z');
  runs = [await runDailySnapshot(ports, { runDate: '2021-03-02' })];
  await deliver('landing/default/readings/correction.csv', CORRECTION, '2021-03-02T09:00:00Z');
  runs.push(await runDailySnapshot(ports, { runDate: '2021-03-03', mergeOnRead: { maxNewKeyFraction: 1000 } }));
}, 120_000);

afterAll(async () => {
  ports.session.close();
  await rm(ports.tempDir, { recursive: true, force: true });
  await server.close();
});

test('readings_history on S3 holds every accepted version and rejected_readings the bad row', async () => {
  await registerTableView(ports.session, ports.store, await tableFor(ports, READINGS_HISTORY), 'history_s3');
  await registerTableView(ports.session, ports.store, await tableFor(ports, REJECTED_READINGS), 'rejected_s3');

  const history = await ports.session.all<{ n: bigint }>(`SELECT count(*) AS n FROM history_s3`);
  const rejected = await ports.session.all<{ source_row: bigint; value: string; reason: string }>(`SELECT source_row, value, reason FROM rejected_s3`);

  expect(Number(history[0].n)).toBe(13);
  expect(rejected.map((r) => [Number(r.source_row), r.value, r.reason])).toEqual([[13, '-1', 'negative_kwh']]);
});

test('the correction run is merge-on-read and its position delete file is uploaded', async () => {
  const day = runs[1].days;

  expect(day.map((d) => d.mode)).toEqual(['merge-on-read']);
  expect(day[0].addedDeletes).toHaveLength(1);
  expect(await ports.store.head(keyOf(ports.store, day[0].addedDeletes[0].file_path))).toBeDefined();
});

test('meter_readings read back from S3 has one row per reading, the correction winning', async () => {
  await registerTableView(ports.session, ports.store, await tableFor(ports, METER_READINGS), 'readings_s3');

  const rows = await ports.session.all<{ meter_id: string; kwh: number; quality: string }>(
    `SELECT meter_id, kwh, quality FROM readings_s3 WHERE meter_id = 'MTR-2' ORDER BY interval_start`,
  );
  const count = await ports.session.all<{ n: bigint }>(`SELECT count(*) AS n FROM readings_s3`);

  expect(Number(count[0].n)).toBe(12);
  expect(rows.map((r) => [r.kwh, r.quality])).toEqual([[2, 'actual'], [9.5, 'substituted'], [2.2, 'actual'], [2.3, 'actual']]);
});

test('meter_readings on S3 passes the Iceberg validator', async () => {
  const { metadataLocation } = await (await tableFor(ports, METER_READINGS)).load();

  await expect(assertValidTable(ports.io, metadataLocation, { duckdb: ports.session })).resolves.toBeUndefined();
});
