import { ensureTable, openTable } from '../../src/catalog/open-table';
import type { FileIO } from '../../src/iceberg/file-io';
import type { IcebergTable } from '../../src/iceberg/table';
import { FileContent, type DataFile, type NestedField } from '../../src/iceberg/types';
import { liveFiles } from '../../src/iceberg/scan';
import { currentSnapshot } from '../../src/iceberg/table-metadata';
import { S3Store } from '../../src/storage/s3-store';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';
import { createTempLake, type TempLake } from '../helpers/temp-lake';

const FIELDS: NestedField[] = [
  { id: 1, name: 'id', required: false, type: 'long' },
  { id: 2, name: 'writer', required: false, type: 'string' },
];

/** A data file entry for commit tests (the commit protocol never opens data files). */
function fakeDataFile(location: string, name: string): DataFile {
  return { content: FileContent.DATA, file_path: `${location}/data/${name}.parquet`, file_format: 'PARQUET', partition: {}, record_count: 1, file_size_in_bytes: 100 };
}

async function livePaths(table: IcebergTable): Promise<string[]> {
  const m = await table.metadata();
  const snap = currentSnapshot(m);
  return snap ? (await liveFiles(table.io, m, snap)).map((e) => e.data_file.file_path) : [];
}

describe.each([
  ['LocalStore', false],
  ['local S3 server', true],
])('two writers appending concurrently on %s', (_name, useS3) => {
  let lake: TempLake;
  let server: TestS3Server | undefined;

  beforeAll(async () => {
    if (useS3) server = await startS3Server();
    lake = await createTempLake(server ? new S3Store(server.storeOptions('lake')) : undefined);
  });
  afterAll(async () => {
    await lake.close();
    await server?.close();
  });

  test('50 commits each: every append present exactly once, none lost', async () => {
    const created = await ensureTable(lake.catalog, 'concurrent', lake.io, { fields: FIELDS });
    const location = (await created.metadata()).location;
    const writer = async (w: string) => {
      const table = openTable(lake.catalog, 'concurrent', lake.io, { maxRetries: 100, minManifestsToMerge: 20 });
      for (let i = 0; i < 50; i++) await table.append([fakeDataFile(location, `${w}-${i}`)]);
    };
    await Promise.all([writer('a'), writer('b')]);

    const paths = await livePaths(created);
    expect(paths).toHaveLength(100);
    expect(new Set(paths).size).toBe(100);
    const m = await created.metadata();
    expect(m.snapshots).toHaveLength(100);
    expect(currentSnapshot(m)?.summary['total-data-files']).toBe('100');
  });
});

/**
 * A FileIO whose writes to matching URIs fail `times` times, to simulate a crash at that step.
 * (The file catalog retries an ambiguous marker write once, so that step needs two failures.)
 */
function failing(io: FileIO, matches: (uri: string) => boolean, times: number): FileIO {
  let left = times;
  const trip = (uri: string) => {
    if (left > 0 && matches(uri)) { left--; throw new Error(`injected failure writing ${uri}`); }
  };
  return {
    ...io,
    async write(uri, data) { trip(uri); return io.write(uri, data); },
    async writeIfAbsent(uri, data) { trip(uri); return io.writeIfAbsent(uri, data); },
  };
}

describe('a failure at each step of a commit', () => {
  let lake: TempLake;
  beforeAll(async () => { lake = await createTempLake(); });
  afterAll(async () => lake.close());

  test.each([
    ['after data upload, writing the manifest', (u: string) => /-m\d+\.avro$/.test(u), 1],
    ['after the manifest, writing the manifest list', (u: string) => /\/snap-[^/]+\.avro$/.test(u), 1],
    ['after the manifest list, writing the metadata file', (u: string) => u.endsWith('.metadata.json'), 1],
    ['before the pointer swap (the commit marker)', (u: string) => u.includes('/metadata/commits/'), 2],
  ])('%s leaves the previous version readable and a retry completes', async (step, matches, times) => {
    const name = `crash_${step.replace(/[^a-z]+/g, '_').replace(/^_|_$/g, '')}`.slice(0, 60);
    const table = await ensureTable(lake.catalog, name, lake.io, { fields: FIELDS });
    const location = (await table.metadata()).location;
    await table.append([fakeDataFile(location, 'first')]);
    const before = await table.load();

    const faulty = failing(lake.io, matches, times);
    const { FileCatalog } = await import('../../src/catalog/file-catalog');
    const faultyTable = openTable(new FileCatalog({ io: faulty, warehouse: `${lake.store.url}/warehouse` }), name, faulty);
    await expect(faultyTable.append([fakeDataFile(location, 'second')])).rejects.toThrow(/injected failure/);

    const after = await table.load();
    expect(after.metadataLocation).toBe(before.metadataLocation);
    expect(await livePaths(table)).toEqual([`${location}/data/first.parquet`]);

    await faultyTable.append([fakeDataFile(location, 'second')]);
    expect((await livePaths(table)).sort()).toEqual([`${location}/data/first.parquet`, `${location}/data/second.parquet`]);
  });
});
