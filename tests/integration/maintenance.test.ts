import { stat, utimes } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureTable } from '../../src/catalog/open-table';
import { sqlString } from '../../src/engine/duckdb-session';
import { liveFiles } from '../../src/iceberg/scan';
import { readManifestList } from '../../src/iceberg/manifest';
import type { IcebergTable } from '../../src/iceberg/table';
import { currentSnapshot } from '../../src/iceberg/table-metadata';
import { FileContent, type DataFile } from '../../src/iceberg/types';
import { assertValidTable } from '../../src/iceberg/validator';
import {
  DEFAULT_RETENTION, dailyTagName, maintainTables, settlementTagName, tagRefOptions, type MaintenanceOptions,
} from '../../src/pipeline/maintenance';
import type { LakePorts } from '../../src/pipeline/ports';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { READINGS_HISTORY } from '../../src/pipeline/tables';
import { createTempLake, type TempLake } from '../helpers/temp-lake';

const DAY = 86_400_000;
const HISTORY = READINGS_HISTORY.name;
/** Two receive days, so appends pile small files into the same two partitions. */
const RECEIVE_DAYS = ['2024-03-01', '2024-03-02'];

interface Fixture {
  lake: TempLake;
  ports: LakePorts;
  table: IcebergTable;
  clock: { ms: number };
}

/** A lake whose clock starts `daysAgo` days before the real now (file mtimes are real time). */
async function fixture(daysAgo: number): Promise<Fixture> {
  const lake = await createTempLake();
  const clock = { ms: Date.now() - daysAgo * DAY };
  const now = () => clock.ms;
  const table = await ensureTable(lake.catalog, HISTORY, lake.io, READINGS_HISTORY.definition, { now });
  const ports: LakePorts = {
    store: lake.store, io: lake.io, catalog: lake.catalog, session: lake.session, profiles: new Map(), now, tempDir: lake.dir,
  };
  return { lake, ports, table, clock };
}

let batch = 0;
/** Append `rows` readings received on one of the two receive days, as one small file per append. */
async function appendReadings(f: Fixture, rows = 20): Promise<bigint> {
  const n = batch++;
  const sql = `SELECT 'm' || (i % 5) AS meter_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes(30 * (i + ${n * 1000})) AS interval_start,
    30 AS interval_minutes, i * 0.25 AS kwh, 'actual' AS quality, 'test' AS source, 'file-${n}.csv' AS source_file,
    i + 1 AS source_row, 'batch-${n}' AS batch_id, TIMESTAMPTZ '${RECEIVE_DAYS[n % 2]} 06:00:00+00' AS received_at FROM range(${rows}) t(i)`;
  const files = await writeRowsAsDataFiles(f.lake.session, f.lake.store, await f.table.metadata(), { sourceSql: sql });
  return (await f.table.append(files)).snapshot['snapshot-id'];
}

/** Rows of one version of the table (deletes applied), as sorted strings. */
async function readRows(f: Fixture, snapshot?: { ref: string } | { snapshotId: bigint }): Promise<string[]> {
  await registerTableView(f.lake.session, f.lake.store, f.table, 'v', { snapshot });
  const rows = await f.lake.session.all<{ k: string }>(
    `SELECT concat_ws('|', meter_id, interval_start, kwh, source_file, source_row, received_at) AS k FROM v ORDER BY k`,
  );
  return rows.map((r) => r.k);
}

async function assertValid(f: Fixture) {
  const { metadataLocation } = await f.table.load();
  await assertValidTable(f.lake.io, metadataLocation, { duckdb: f.lake.session });
}

const exists = async (uri: string) => (await fileSize(uri)) !== undefined;
async function fileSize(uri: string) {
  try {
    return (await stat(fileURLToPath(uri))).size;
  } catch {
    return undefined;
  }
}

/** Write a stray file under the table location with a chosen modification time. */
async function plantFile(f: Fixture, relative: string, modifiedMs: number): Promise<string> {
  const uri = `${(await f.table.metadata()).location}/${relative}`;
  await f.lake.io.write(uri, 'stray');
  await utimes(fileURLToPath(uri), modifiedMs / 1000, modifiedMs / 1000);
  return uri;
}

async function listUnder(f: Fixture, folder: string): Promise<string[]> {
  const out: string[] = [];
  for await (const file of f.lake.io.list(`${(await f.table.metadata()).location}/${folder}/`)) out.push(file.uri);
  return out.sort();
}

/** Data and delete files live in any retained snapshot. */
async function retainedLiveFiles(f: Fixture): Promise<string[]> {
  const m = await f.table.metadata();
  const paths = new Set<string>();
  for (const s of m.snapshots) for (const e of await liveFiles(f.lake.io, m, s)) paths.add(e.data_file.file_path);
  return [...paths].sort();
}

const run = (f: Fixture, opts: MaintenanceOptions = {}) => maintainTables(f.ports, { tables: [HISTORY], ...opts });

describe('maintenance of a table with tags, expired history, orphans and small files', () => {
  let f: Fixture;
  const before = new Map<string, string[]>();
  let youngOrphan: string;
  let oldOrphans: string[];
  let report: Awaited<ReturnType<typeof maintainTables>>;

  beforeAll(async () => {
    // Prepare: a commit every 5 days for 60 days; some tagged daily, one settlement.
    f = await fixture(60);
    for (let day = 0; day <= 55; day += 5) {
      f.clock.ms += day === 0 ? 0 : 5 * DAY;
      await appendReadings(f);
      const date = new Date(f.clock.ms);
      if (day % 20 === 0) await f.table.setRef(dailyTagName(date), tagRefOptions(dailyTagName(date)));
      if (day === 5) await f.table.setRef(settlementTagName(date), tagRefOptions(settlementTagName(date)));
    }
    f.clock.ms += DAY;
    for (const tag of Object.keys((await f.table.metadata()).refs)) before.set(tag, await readRows(f, { ref: tag }));
    oldOrphans = [
      await plantFile(f, 'data/received_at_day=2024-03-01/stray-old.parquet', f.clock.ms - 10 * DAY),
      await plantFile(f, 'metadata/stray-old-m0.avro', f.clock.ms - 4 * DAY),
    ];
    youngOrphan = await plantFile(f, 'data/in-flight.parquet', f.clock.ms - 3_600_000);
    // Act
    report = await run(f, { targetFileSizeBytes: 1024 * 1024 });
  }, 120_000);
  afterAll(async () => f.lake.close());

  test('every tagged snapshot still reads back in full', async () => {
    expect(before.size).toBe(5);
    for (const [tag, rows] of before) expect(await readRows(f, { ref: tag })).toEqual(rows);
  });

  test('untagged snapshots older than the retention are expired and tags are kept', async () => {
    const m = await f.table.metadata();
    const cutoff = f.clock.ms - DEFAULT_RETENTION.snapshotAgeMs;
    const tagged = new Set(Object.values(m.refs).map((r) => r['snapshot-id']));
    expect(report.tables[0].expire!.expiredSnapshotIds.length).toBeGreaterThan(0);
    expect(Object.keys(m.refs).sort()).toEqual([...before.keys()].sort());
    // Only tagged snapshots, the retained window and maintenance's own snapshots remain.
    const old = m.snapshots.filter((s) => s['timestamp-ms'] < cutoff && !tagged.has(s['snapshot-id']));
    expect(old).toEqual([]);
  });

  test('orphans older than the window are deleted, a younger one is kept', async () => {
    for (const uri of oldOrphans) expect(await exists(uri)).toBe(false);
    expect(await exists(youngOrphan)).toBe(true);
    expect(report.tables[0].orphans!.deleted.map((d) => d.uri).sort()).toEqual([...oldOrphans].sort());
  });

  test('every data file left is live in a retained snapshot (unreferenced files are gone)', async () => {
    const dataFiles = (await listUnder(f, 'data')).filter((u) => u !== youngOrphan);
    expect(dataFiles).toEqual(await retainedLiveFiles(f));
  });

  test('every Avro file left under metadata/ belongs to a retained snapshot', async () => {
    const m = await f.table.metadata();
    const referenced = new Set<string>();
    for (const s of m.snapshots) {
      referenced.add(s['manifest-list']);
      for (const mf of await readManifestList(f.lake.io, s['manifest-list'])) referenced.add(mf.manifest_path);
    }
    const avro = (await listUnder(f, 'metadata')).filter((u) => u.endsWith('.avro'));
    expect(avro.filter((u) => !referenced.has(u))).toEqual([]);
  });

  test('compaction and manifest merge ran and the table is valid', async () => {
    const t = report.tables[0];
    expect(t.compact!.removedFiles.length).toBeGreaterThan(t.compact!.addedFiles.length);
    expect(t.manifests!.manifestsAfter).toBe(1);
    await assertValid(f);
  });
});

describe('expiration keeps what retained snapshots reference', () => {
  test('a file removed by an expired snapshot but live in a tagged one survives', async () => {
    // Prepare: s1 (settlement tag) holds file A; s2 replaces A by B; s3 appends; s2 ages out.
    const f = await fixture(100);
    try {
      await appendReadings(f);
      await f.table.setRef('settlement-2024-01', tagRefOptions('settlement-2024-01'));
      const rowsAtTag = await readRows(f, { ref: 'settlement-2024-01' });
      const [a] = (await f.table.planFiles()).map((t) => t.dataFile);
      f.clock.ms += DAY;
      const b = await writeRowsAsDataFiles(f.lake.session, f.lake.store, await f.table.metadata(), { sourceSql: `SELECT * FROM v` });
      await f.table.replace([a.file_path], b);
      f.clock.ms += DAY;
      await appendReadings(f);
      f.clock.ms += 40 * DAY;
      // Act
      const report = await run(f, { steps: ['expire'] });
      // Assert
      expect(report.tables[0].expire!.expiredSnapshotIds).toHaveLength(1);
      expect(await exists(a.file_path)).toBe(true);
      expect(report.tables[0].expire!.deletedDataFiles).toEqual([]);
      expect(await readRows(f, { ref: 'settlement-2024-01' })).toEqual(rowsAtTag);
      await assertValid(f);
    } finally {
      await f.lake.close();
    }
  });

  test('a daily tag past its max age is removed and its snapshot expired; a settlement tag never', async () => {
    // Prepare: both tags 401 days old.
    const f = await fixture(500);
    try {
      const daily = await appendReadings(f);
      await f.table.setRef('daily-2023-01-01', tagRefOptions('daily-2023-01-01'));
      f.clock.ms += DAY;
      const settled = await appendReadings(f);
      await f.table.setRef('settlement-2023-01', tagRefOptions('settlement-2023-01'));
      f.clock.ms += DAY;
      await appendReadings(f);
      f.clock.ms += 401 * DAY;
      // Act
      const report = await run(f, { steps: ['expire'] });
      // Assert
      const m = await f.table.metadata();
      expect(Object.keys(m.refs).sort()).toEqual(['main', 'settlement-2023-01']);
      expect(report.tables[0].expire!.removedRefs).toEqual(['daily-2023-01-01']);
      expect(report.tables[0].expire!.expiredSnapshotIds).toContain(daily);
      expect(m.snapshots.map((s) => s['snapshot-id'])).toContain(settled);
      await assertValid(f);
    } finally {
      await f.lake.close();
    }
  });

  test('the daily tag age option removes daily tags created without a max age', async () => {
    const f = await fixture(100);
    try {
      await appendReadings(f);
      await f.table.setRef('daily-2024-01-01', { type: 'tag' });
      f.clock.ms += DAY;
      await appendReadings(f);
      f.clock.ms += 50 * DAY;
      const report = await run(f, { steps: ['expire'], dailyTagMaxAgeMs: 45 * DAY });
      expect(report.tables[0].expire!.removedRefs).toEqual(['daily-2024-01-01']);
      expect(Object.keys((await f.table.metadata()).refs)).toEqual(['main']);
    } finally {
      await f.lake.close();
    }
  });
});

/** A position delete file (written with DuckDB) deleting rows `positions` of `target`. */
async function positionDeleteFile(f: Fixture, target: DataFile, positions: number[]): Promise<DataFile> {
  const location = (await f.table.metadata()).location;
  const uri = `${location}/data/pos-delete-${Date.now()}.parquet`;
  const rows = positions.map((p) => `SELECT ${sqlString(target.file_path)} AS file_path, ${p}::BIGINT AS pos`).join(' UNION ALL ');
  await f.lake.session.run(
    `COPY (${rows} ORDER BY pos) TO ${sqlString(fileURLToPath(uri))} (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
  );
  return {
    content: FileContent.POSITION_DELETES, file_path: pathToFileURL(fileURLToPath(uri)).href, file_format: 'PARQUET',
    partition: target.partition, record_count: positions.length, file_size_in_bytes: (await fileSize(uri))!,
  };
}

describe('compaction', () => {
  test('reduces the file count, keeps rows identical and does not resurrect position-deleted rows', async () => {
    // Prepare: 6 small files in two partitions; a position delete removes 3 rows of one file.
    const f = await fixture(10);
    try {
      for (let i = 0; i < 6; i++) await appendReadings(f);
      const [victim] = (await f.table.planFiles()).map((t) => t.dataFile);
      const allBefore = await readRows(f);
      const deleteFile = await positionDeleteFile(f, victim, [0, 1, 2]);
      await f.table.commit({ operation: 'delete', addDeleteFiles: [deleteFile] });
      const rowsBefore = await readRows(f);
      const filesBefore = (await f.table.planFiles()).length;
      // Act
      const report = await run(f, { steps: ['compact'], targetFileSizeBytes: 1024 * 1024 });
      // Assert
      const after = await readRows(f);
      expect(rowsBefore).toHaveLength(allBefore.length - 3);
      expect(after).toEqual(rowsBefore);
      expect((await f.table.planFiles()).length).toBe(2);
      expect(filesBefore).toBe(6);
      expect(report.tables[0].compact!.purgedDeletedRows).toBe(3);
      const snap = currentSnapshot(await f.table.metadata())!;
      expect(snap.summary.operation).toBe('replace');
      expect(snap.summary['deleted-data-files']).toBe('6');
      // The delete file applied only to a rewritten file: it leaves the table with it.
      const live = (await liveFiles(f.lake.io, await f.table.metadata(), snap)).map((e) => e.data_file.file_path);
      expect(live).not.toContain(deleteFile.file_path);
      expect(live).toHaveLength(2);
      expect(snap.summary['added-records']).toBe(String(rowsBefore.length));
      await assertValid(f);
    } finally {
      await f.lake.close();
    }
  });

  test('a dry run changes nothing', async () => {
    const f = await fixture(10);
    try {
      for (let i = 0; i < 4; i++) await appendReadings(f);
      const { metadataLocation } = await f.table.load();
      const report = await run(f, { dryRun: true, targetFileSizeBytes: 1024 * 1024 });
      expect(report.tables[0].compact!.removedFiles).toHaveLength(4);
      expect(report.tables[0].manifests!.replacedManifests).toHaveLength(4);
      expect((await f.table.load()).metadataLocation).toBe(metadataLocation);
    } finally {
      await f.lake.close();
    }
  });
});

describe('manifest merge', () => {
  test('reduces the manifest count; planning returns the same files with the same sequence numbers', async () => {
    const f = await fixture(10);
    try {
      const first = await appendReadings(f);
      for (let i = 0; i < 4; i++) await appendReadings(f);
      const plan = async () => (await f.table.planFiles()).map((t) => `${t.dataFile.file_path}@${t.dataSequenceNumber}`).sort();
      const manifests = async () => (await readManifestList(f.lake.io, currentSnapshot(await f.table.metadata())!['manifest-list'])).length;
      const filesBefore = await plan();
      const rowsBefore = await readRows(f);
      expect(await manifests()).toBe(5);
      // Act
      const report = await run(f, { steps: ['manifests'] });
      // Assert
      expect(await manifests()).toBe(1);
      expect(report.tables[0].manifests).toMatchObject({ manifestsBefore: 5, manifestsAfter: 1 });
      expect(await plan()).toEqual(filesBefore);
      expect(await readRows(f)).toEqual(rowsBefore);
      // Incremental reads still find each append exactly once.
      expect((await f.table.appendedDataFiles(first)).length).toBe(4);
      await assertValid(f);
    } finally {
      await f.lake.close();
    }
  });
});
