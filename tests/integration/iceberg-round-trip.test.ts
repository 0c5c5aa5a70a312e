import { ensureTable } from '../../src/catalog/open-table';
import type { IcebergTable } from '../../src/iceberg/table';
import type { NestedField } from '../../src/iceberg/types';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { assertValidTable, validateMetadataText } from '../../src/iceberg/validator';
import { icebirdRows } from '../helpers/icebird';
import { createTempLake, type TempLake } from '../helpers/temp-lake';

const FIELDS: NestedField[] = [
  { id: 1, name: 'meter_id', required: false, type: 'string' },
  { id: 2, name: 'ts', required: false, type: 'timestamptz' },
  { id: 3, name: 'kwh', required: false, type: 'double' },
  { id: 4, name: 'batch', required: false, type: 'int' },
];

interface Reading { meter_id: string; ts: string; kwh: number; batch: number }

function batchRows(batch: number, day: string, meters: number): Reading[] {
  const rows: Reading[] = [];
  for (let m = 0; m < meters; m++) {
    for (let h = 0; h < 3; h++) rows.push({ meter_id: `m${m}`, ts: `${day}T0${h}:00:00.000Z`, kwh: batch * 100 + m + h / 10, batch });
  }
  return rows;
}

const key = (r: Reading) => `${r.meter_id}|${r.ts}|${r.kwh}|${r.batch}`;
const sortRows = (rows: Reading[]) => rows.map(key).sort();

function normalise(rows: Record<string, unknown>[]): Reading[] {
  return rows.map((r) => ({
    meter_id: String(r.meter_id),
    ts: r.ts instanceof Date ? r.ts.toISOString() : new Date(Number(BigInt(r.ts as bigint) / 1000n)).toISOString(),
    kwh: Number(r.kwh),
    batch: Number(r.batch),
  }));
}

describe('Iceberg round trip: create, append x3, overwrite a partition, tag, expire', () => {
  let lake: TempLake;
  let table: IcebergTable;
  let clock = Date.parse('2026-01-10T00:00:00Z');
  const now = () => (clock += 1000);

  async function writeAndAppend(rows: Reading[]) {
    const values = rows.map((r) => `('${r.meter_id}', TIMESTAMPTZ '${r.ts}', ${r.kwh}, ${r.batch})`).join(',');
    const files = await writeRowsAsDataFiles(lake.session, lake.store, await table.metadata(), {
      sourceSql: `SELECT * FROM (VALUES ${values}) t(meter_id, ts, kwh, batch)`,
    });
    return files;
  }

  async function ourRows(selector?: Parameters<IcebergTable['planFiles']>[0]) {
    await registerTableView(lake.session, lake.store, table, 'v', selector ?? {});
    return normalise(await lake.session.all('SELECT * FROM v'));
  }

  async function independentRows(snapshotId?: bigint) {
    const loaded = await table.load();
    await assertValidTable(lake.io, loaded.metadataLocation, { duckdb: lake.session });
    const name = loaded.metadataLocation.split('/').pop()!;
    return normalise(await icebirdRows(loaded.metadata.location, name, snapshotId));
  }

  const expected: Reading[][] = [];
  const snapshots: { id: bigint; ts: number }[] = [];

  beforeAll(async () => {
    lake = await createTempLake();
    table = await ensureTable(lake.catalog, 'readings', lake.io, { fields: FIELDS, partitionBy: [{ column: 'ts', transform: 'day' }] }, { now });
  });
  afterAll(async () => lake.close());

  test('three appends each read back in full with icebird and with our reader', async () => {
    let all: Reading[] = [];
    for (const [batch, day] of [[1, '2026-01-01'], [2, '2026-01-02'], [3, '2026-01-02']] as const) {
      const rows = batchRows(batch, day, 4);
      const result = await table.append(await writeAndAppend(rows), { 'meterlake.batch': String(batch) });
      all = [...all, ...rows];
      expected.push(all);
      snapshots.push({ id: result.snapshot['snapshot-id'], ts: result.snapshot['timestamp-ms'] });
      expect(sortRows(await independentRows())).toEqual(sortRows(all));
      expect(sortRows(await ourRows())).toEqual(sortRows(all));
    }
  });

  test('overwriting one day partition replaces exactly that day', async () => {
    const replacement = batchRows(9, '2026-01-02', 2);
    const day = Date.parse('2026-01-02') / 86_400_000;
    const result = await table.commit({
      operation: 'overwrite',
      addDataFiles: await writeAndAppend(replacement),
      removeWhere: (f) => f.partition.ts_day === day,
    });
    const all = [...expected[0], ...replacement];
    expected.push(all);
    snapshots.push({ id: result.snapshot['snapshot-id'], ts: result.snapshot['timestamp-ms'] });
    expect(result.snapshot.summary['deleted-data-files']).toBe('2');
    expect(sortRows(await independentRows())).toEqual(sortRows(all));
    expect(sortRows(await ourRows())).toEqual(sortRows(all));
  });

  test('time travel by snapshot id returns each version', async () => {
    for (const [i, s] of snapshots.entries()) {
      expect(sortRows(await ourRows({ snapshot: { snapshotId: s.id } }))).toEqual(sortRows(expected[i]));
      expect(sortRows(await independentRows(s.id))).toEqual(sortRows(expected[i]));
    }
  });

  test('time travel by timestamp resolves through the snapshot-log', async () => {
    for (const [i, s] of snapshots.entries()) {
      expect(sortRows(await ourRows({ snapshot: { asOfMs: s.ts + 500 } }))).toEqual(sortRows(expected[i]));
    }
  });

  test('a tag reads its snapshot, and expiry keeps it while removing untagged history', async () => {
    await table.setRef('first-load', { type: 'tag', snapshotId: snapshots[0].id });
    const result = await table.expireSnapshots({ olderThanMs: clock + 1, retainLast: 1 });
    expect(result.expiredSnapshotIds.sort()).toEqual([snapshots[1].id, snapshots[2].id].sort());
    expect(sortRows(await ourRows({ snapshot: { ref: 'first-load' } }))).toEqual(sortRows(expected[0]));
    expect(sortRows(await independentRows(snapshots[0].id))).toEqual(sortRows(expected[0]));
    expect(sortRows(await independentRows())).toEqual(sortRows(expected[3]));
    expect(sortRows(await ourRows())).toEqual(sortRows(expected[3]));
  });

  test('the validator passes on every metadata version written', async () => {
    const versions = [];
    for await (const f of lake.io.list(`${(await table.metadata()).location}/metadata/`)) {
      if (f.uri.endsWith('.metadata.json')) versions.push(f.uri);
    }
    expect(versions.length).toBeGreaterThanOrEqual(7);
    for (const uri of versions) expect(validateMetadataText((await lake.io.read(uri)).toString('utf8'))).toEqual([]);
  });
});
