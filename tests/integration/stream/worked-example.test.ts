import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTable } from '../../../src/catalog/open-table';
import { planFiles } from '../../../src/iceberg/scan';
import { openLocalLake, type LocalLake } from '../../../src/local/local-lake';
import { handleMskEventLocally } from '../../../src/local/stream-run';
import { icebirdRows } from '../../helpers/icebird';
import { measurementsMessage, mskEvent, mskRecords } from '../../helpers/msk-events';

const reading = (time: string, cumulative: number) => ({ device_id: 123456, device_name: 'Test Device', time, cumulative_energy: cumulative });

describe('the worked example, read back from the written Parquet', () => {
  let lake: LocalLake;
  let energyFile: string;
  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-stream-example-')));
    const response = await handleMskEventLocally(lake, mskEvent(mskRecords('sensors', 0, 0, [
      measurementsMessage(reading('2022-07-11T02:15:00Z', 120.12), reading('2022-07-11T02:20:00Z', 122.45)),
    ])), undefined, (_key, error) => { throw error; });
    expect(response).toEqual({ batchItemFailures: [] });
    const table = openTable(lake.catalog, 'device_energy', lake.io);
    const [task] = await planFiles(lake.io, await table.metadata());
    energyFile = fileURLToPath(task.dataFile.file_path);
  });
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('the data file has exactly the five columns, types, field ids and repetition of the schema', async () => {
    const columns = await lake.session.all(
      `SELECT name, type, converted_type, logical_type, repetition_type, CAST(field_id AS INTEGER) AS field_id
         FROM parquet_schema('${energyFile}') WHERE name <> 'schema' ORDER BY column_id`);
    expect(columns).toEqual([
      { name: 'device_id', type: 'INT32', converted_type: null, logical_type: null, repetition_type: 'REQUIRED', field_id: 1 },
      { name: 'device_name', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: 'StringType()', repetition_type: 'REQUIRED', field_id: 2 },
      { name: 'time', type: 'INT64', converted_type: null, logical_type: 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))', repetition_type: 'REQUIRED', field_id: 3 },
      { name: 'duration', type: 'FLOAT', converted_type: null, logical_type: null, repetition_type: 'OPTIONAL', field_id: 4 },
      { name: 'delta_energy', type: 'FLOAT', converted_type: null, logical_type: null, repetition_type: 'OPTIONAL', field_id: 5 },
    ]);
  });

  test('the first reading has null duration and delta; the second 5.0 minutes and 2.33 as float32', async () => {
    const rows = await lake.session.all(`SELECT device_id, device_name, epoch_ms(time) AS t, duration, delta_energy FROM read_parquet('${energyFile}') ORDER BY time`);
    expect(rows).toEqual([
      { device_id: 123456, device_name: 'Test Device', t: BigInt(Date.UTC(2022, 6, 11, 2, 15)), duration: null, delta_energy: null },
      { device_id: 123456, device_name: 'Test Device', t: BigInt(Date.UTC(2022, 6, 11, 2, 20)), duration: 5, delta_energy: Math.fround(2.33) },
    ]);
  });

  test('an independent Iceberg reader finds the same two rows in device_energy', async () => {
    const table = openTable(lake.catalog, 'device_energy', lake.io);
    const location = (await table.metadata()).location;
    const metadataFile = path.basename((await lake.catalog.loadTable('device_energy')).metadataLocation);
    const rows = await icebirdRows(location, metadataFile);
    expect(rows.map((r) => [r.device_id, r.duration, r.delta_energy])).toEqual([[123456, null, null], [123456, 5, Math.fround(2.33)]]);
  });
});
