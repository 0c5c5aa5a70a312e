import { ensureTable, openTable } from '../../src/catalog/open-table';
import { readManifest, readManifestList } from '../../src/iceberg/manifest';
import { currentSchema, currentSnapshot, specsById } from '../../src/iceberg/table-metadata';
import type { IcebergTable } from '../../src/iceberg/table';
import { EntryStatus, FileContent, type DataFile, type ManifestFile, type NestedField } from '../../src/iceberg/types';
import { createTempLake, type TempLake } from '../helpers/temp-lake';

const FIELDS: NestedField[] = [
  { id: 1, name: 'id', required: false, type: 'long' },
  { id: 2, name: 'day', required: false, type: 'date' },
];

function fileOnDay(location: string, day: number, name: string): DataFile {
  return {
    content: FileContent.DATA, file_path: `${location}/data/day=${day}/${name}.parquet`, file_format: 'PARQUET',
    partition: { day }, record_count: 1, file_size_in_bytes: 100,
  };
}

async function manifestsOf(table: IcebergTable): Promise<ManifestFile[]> {
  return readManifestList(table.io, currentSnapshot(await table.metadata())!['manifest-list']);
}

/** Each manifest's distinct partition days, from its entries. */
async function daysPerManifest(table: IcebergTable): Promise<number[][]> {
  const m = await table.metadata();
  const ctx = { io: table.io, schema: currentSchema(m), specsById: specsById(m) };
  const out: number[][] = [];
  for (const mf of await manifestsOf(table)) {
    const entries = await readManifest(ctx, mf);
    out.push([...new Set(entries.map((e) => e.data_file.partition.day as number))].sort());
  }
  return out.sort((a, b) => a[0] - b[0]);
}

describe('manifest merge at commit', () => {
  let lake: TempLake;
  let table: IcebergTable;
  let location: string;
  /** File path → data sequence number as planned before the merge. */
  let plannedBefore: Map<string, number>;
  /** The manifest the first append wrote (day 10 only). */
  let day10Manifest: string;

  beforeAll(async () => {
    lake = await createTempLake();
    const created = await ensureTable(lake.catalog, 'merged', lake.io, { fields: FIELDS, partitionBy: [{ column: 'day', transform: 'identity' }] });
    location = (await created.metadata()).location;
    table = openTable(lake.catalog, 'merged', lake.io, { minManifestsToMerge: 3 });
    // Day 10 alone in its manifest; days 20 and 21 get two appends each, one of them a two-day append.
    await table.append([fileOnDay(location, 10, 'a')]);
    day10Manifest = (await manifestsOf(table))[0].manifest_path;
    await table.append([fileOnDay(location, 20, 'b')]);
    await table.append([fileOnDay(location, 20, 'c'), fileOnDay(location, 21, 'd')]);
    plannedBefore = new Map((await table.planFiles()).map((t) => [t.dataFile.file_path, t.dataSequenceNumber]));
    await table.append([fileOnDay(location, 21, 'e')]);
  });
  afterAll(async () => lake.close());

  test('writes one manifest per partition', async () => {
    // Act
    const days = await daysPerManifest(table);
    // Assert
    expect(days).toEqual([[10], [20], [21]]);
  });

  test('keeps every file with its original data sequence number', async () => {
    // Act
    const planned = new Map((await table.planFiles()).map((t) => [t.dataFile.file_path, t.dataSequenceNumber]));
    // Assert
    expect(planned.size).toBe(5);
    for (const [file, sequence] of plannedBefore) expect(planned.get(file)).toBe(sequence);
  });

  test('leaves a manifest that alone holds its partition untouched', async () => {
    // Act
    const paths = (await manifestsOf(table)).map((mf) => mf.manifest_path);
    // Assert
    expect(paths).toContain(day10Manifest);
  });

  test('keeps the files added by the merging commit ADDED and the older ones EXISTING', async () => {
    // Prepare
    const m = await table.metadata();
    const ctx = { io: table.io, schema: currentSchema(m), specsById: specsById(m) };
    // Act
    const entries = (await Promise.all((await manifestsOf(table)).map((mf) => readManifest(ctx, mf)))).flat();
    // Assert
    const statusOf = (name: string) => entries.find((e) => e.data_file.file_path.endsWith(`/${name}.parquet`))!.status;
    expect(['a', 'b', 'c', 'd', 'e'].map(statusOf)).toEqual([EntryStatus.ADDED, EntryStatus.EXISTING, EntryStatus.EXISTING, EntryStatus.EXISTING, EntryStatus.ADDED]);
  });
});
