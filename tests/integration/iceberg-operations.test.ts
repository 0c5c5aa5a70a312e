import { ensureTable } from '../../src/catalog/open-table';
import { CommitConflictError } from '../../src/iceberg/errors';
import { readManifestList } from '../../src/iceberg/manifest';
import { liveFiles, resolveSnapshot } from '../../src/iceberg/scan';
import type { IcebergTable } from '../../src/iceberg/table';
import { currentSnapshot } from '../../src/iceberg/table-metadata';
import { FileContent, type DataFile, type NestedField } from '../../src/iceberg/types';
import { validateMetadataText } from '../../src/iceberg/validator';
import { createTempLake, type TempLake } from '../helpers/temp-lake';

const FIELDS: NestedField[] = [{ id: 1, name: 'id', required: false, type: 'long' }];

function dataFile(location: string, name: string): DataFile {
  return { content: FileContent.DATA, file_path: `${location}/data/${name}.parquet`, file_format: 'PARQUET', partition: {}, record_count: 1, file_size_in_bytes: 10 };
}

function positionDeleteFile(location: string, name: string, references: string): DataFile {
  return { ...dataFile(location, name), content: FileContent.POSITION_DELETES, referenced_data_file: `${location}/data/${references}.parquet`, record_count: 2 };
}

describe('Iceberg operations', () => {
  let lake: TempLake;
  let n = 0;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const newTable = async (): Promise<[IcebergTable, string]> => {
    const t = await ensureTable(lake.catalog, `ops_${n++}`, lake.io, { fields: FIELDS }, { now: () => (clock += 1000), minManifestsToMerge: 4 });
    return [t, (await t.metadata()).location];
  };
  beforeAll(async () => { lake = await createTempLake(); });
  afterAll(async () => lake.close());

  test('an overwrite whose removed file was removed concurrently fails with CommitConflictError', async () => {
    const [table, loc] = await newTable();
    await table.append([dataFile(loc, 'a'), dataFile(loc, 'b')]);
    await table.commit({ operation: 'overwrite', removePaths: [`${loc}/data/a.parquet`], addDataFiles: [dataFile(loc, 'a2')] });
    await expect(table.commit({ operation: 'overwrite', removePaths: [`${loc}/data/a.parquet`], addDataFiles: [dataFile(loc, 'a3')] }))
      .rejects.toBeInstanceOf(CommitConflictError);
  });

  test('an overwrite planned before a concurrent append to its partitions fails with CommitConflictError', async () => {
    const [table, loc] = await newTable();
    const planned = (await table.append([dataFile(loc, 'a')])).snapshot['snapshot-id'];
    await table.append([dataFile(loc, 'late')]);
    await expect(table.commit({
      operation: 'overwrite', removeWhere: () => true, addDataFiles: [dataFile(loc, 'b')],
      plannedFromSnapshotId: planned, conflictFilter: () => true,
    })).rejects.toBeInstanceOf(CommitConflictError);
  });

  test('an overwrite can remove a delete file: it leaves the snapshot and the summary counts it out', async () => {
    const [table, loc] = await newTable();
    await table.append([dataFile(loc, 'a')]);
    await table.commit({ operation: 'delete', addDeleteFiles: [positionDeleteFile(loc, 'a-del', 'a')] });
    const { snapshot } = await table.commit({ operation: 'overwrite', removePaths: [`${loc}/data/a-del.parquet`] });
    const m = await table.metadata();
    expect((await liveFiles(table.io, m, snapshot)).map((e) => e.data_file.file_path)).toEqual([`${loc}/data/a.parquet`]);
    expect(snapshot.summary).toMatchObject({
      'removed-delete-files': '1', 'removed-position-delete-files': '1', 'removed-position-deletes': '2',
      'total-delete-files': '0', 'total-position-deletes': '0', 'total-data-files': '1',
    });
  });

  test('a commit whose required live file was removed concurrently fails with CommitConflictError', async () => {
    const [table, loc] = await newTable();
    await table.append([dataFile(loc, 'a')]);
    await table.commit({ operation: 'delete', removePaths: [`${loc}/data/a.parquet`] });
    await expect(table.commit({
      operation: 'overwrite', addDeleteFiles: [positionDeleteFile(loc, 'a-del', 'a')], requireLivePaths: [`${loc}/data/a.parquet`],
    })).rejects.toBeInstanceOf(CommitConflictError);
  });

  test('an overwrite planned before a concurrent delete file in its partitions fails with CommitConflictError', async () => {
    const [table, loc] = await newTable();
    const planned = (await table.append([dataFile(loc, 'a')])).snapshot['snapshot-id'];
    await table.commit({ operation: 'delete', addDeleteFiles: [positionDeleteFile(loc, 'a-del', 'a')] });
    await expect(table.commit({
      operation: 'overwrite', removePaths: [`${loc}/data/a.parquet`], addDataFiles: [dataFile(loc, 'b')],
      plannedFromSnapshotId: planned, conflictFilter: () => true,
    })).rejects.toBeInstanceOf(CommitConflictError);
  });

  test('the incremental scan returns each appended file exactly once across manifest merges', async () => {
    const [table, loc] = await newTable();
    const first = (await table.append([dataFile(loc, 'f0')])).snapshot['snapshot-id'];
    for (let i = 1; i <= 9; i++) await table.append([dataFile(loc, `f${i}`)]);
    const added = (await table.appendedDataFiles(first)).map((e) => e.data_file.file_path).sort();
    expect(added).toEqual(Array.from({ length: 9 }, (_, i) => `${loc}/data/f${i + 1}.parquet`).sort());
    const m = await table.metadata();
    const live = (await liveFiles(table.io, m, currentSnapshot(m)!)).map((e) => e.data_file.file_path).sort();
    expect(live.length).toBe(10);
    expect(live).toEqual(Array.from({ length: 10 }, (_, i) => `${loc}/data/f${i}.parquet`).sort());
  });

  test('tags and branches can be created, moved and removed, and main can be rolled back', async () => {
    const [table, loc] = await newTable();
    const s1 = (await table.append([dataFile(loc, 'x')])).snapshot['snapshot-id'];
    const s2 = (await table.append([dataFile(loc, 'y')])).snapshot['snapshot-id'];
    await table.setRef('release', { type: 'tag', snapshotId: s1, maxRefAgeMs: 86_400_000 });
    await table.setRef('audit', { type: 'branch', snapshotId: s1 });
    expect(resolveSnapshot(await table.metadata(), { ref: 'release' })?.['snapshot-id']).toBe(s1);
    await table.setRef('release', { type: 'tag', snapshotId: s2 });
    expect((await table.metadata()).refs.release).toEqual({ 'snapshot-id': s2, type: 'tag' });
    await table.removeRef('audit');
    expect((await table.metadata()).refs.audit).toBeUndefined();
    await table.setRef('main', { type: 'branch', snapshotId: s1 });
    const m = await table.metadata();
    expect(m['current-snapshot-id']).toBe(s1);
    expect(m['snapshot-log'].at(-1)?.['snapshot-id']).toBe(s1);
    // (the data files here are descriptions only, so only the metadata is validated)
    expect(validateMetadataText((await lake.io.read((await table.load()).metadataLocation)).toString('utf8'))).toEqual([]);
  });

  test('a tag past its max-ref-age is dropped by expiry and its snapshot expires', async () => {
    const [table, loc] = await newTable();
    const s1 = (await table.append([dataFile(loc, 'old')])).snapshot['snapshot-id'];
    await table.append([dataFile(loc, 'new')]);
    await table.setRef('short-lived', { type: 'tag', snapshotId: s1, maxRefAgeMs: 1 });
    clock += 10_000;
    const result = await table.expireSnapshots({ olderThanMs: clock, retainLast: 1 });
    expect(result.removedRefs).toEqual(['short-lived']);
    expect(result.expiredSnapshotIds).toEqual([s1]);
  });

  test('expiry deletes exactly the manifests and files that only expired snapshots reference', async () => {
    const [table, loc] = await newTable();
    const first = (await table.append([dataFile(loc, 'a'), dataFile(loc, 'kept')])).snapshot;
    const firstManifests = (await readManifestList(table.io, first['manifest-list'])).map((mf) => mf.manifest_path);
    await table.commit({ operation: 'overwrite', removePaths: [`${loc}/data/a.parquet`], addDataFiles: [dataFile(loc, 'b')] });
    clock += 10_000;
    const result = await table.expireSnapshots({ olderThanMs: clock, retainLast: 1 });
    expect(result.expiredSnapshotIds).toEqual([first['snapshot-id']]);
    expect(result.deletedDataFiles).toEqual([`${loc}/data/a.parquet`]);
    expect(result.deletedManifests).toEqual(firstManifests);
    expect(result.deletedManifestLists).toEqual([first['manifest-list']]);
  });
});
