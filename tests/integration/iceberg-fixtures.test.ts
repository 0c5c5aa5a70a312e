/**
 * Golden tests against tables written by Athena, Spark and the Iceberg Java library: our reader
 * (planFiles + the DuckDB scan view) returns, for every snapshot of every metadata version, the
 * same rows as icebird, an independent JavaScript Iceberg reader; and the manifests our writer
 * produces have the structure of Athena's (header keys, record names, field ids, summary keys).
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { icebergMetadata, icebergRead } from 'icebird';
import { FileCatalog } from '../../src/catalog/file-catalog';
import type { TableHandle } from '../../src/catalog/catalog';
import { DuckDbSession, sqlString } from '../../src/engine/duckdb-session';
import { fieldIdsClause } from '../../src/engine/iceberg-duckdb-types';
import { createScanView } from '../../src/engine/snapshot-view';
import { readAvroContainer, type AvroContainer } from '../../src/iceberg/avro';
import type { FileIO } from '../../src/iceberg/file-io';
import { parseTableMetadata } from '../../src/iceberg/metadata-json';
import { planFiles } from '../../src/iceberg/scan';
import { IcebergTable } from '../../src/iceberg/table';
import { currentSchema, newTableMetadata } from '../../src/iceberg/table-metadata';
import type { TableMetadata } from '../../src/iceberg/types';
import { assertValidTable, validateTableFiles } from '../../src/iceberg/validator';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import { FIXTURES_DIR, fixtureIO, fixtureLocalPath, fixtureMetadataFiles, withFixtureFetch } from '../helpers/fixture-io';

const TABLES = ['athena/example', 'spark/bunnies', 'spark/rename_column', 'java/bunnies'];

type Row = Record<string, unknown>;

/** One comparable string per row: bigint/number/Date normalised, keys sorted. */
function normaliseRow(row: Row): string {
  const value = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return String(v);
    if (v instanceof Date) return v.toISOString();
    return v;
  };
  return JSON.stringify(Object.keys(row).sort().map((k) => [k, value(row[k])]));
}
const rowSet = (rows: Row[]) => rows.map(normaliseRow).sort();

/** Our reader: plan with scan.ts, read with the DuckDB scan view (field ids, deletes applied). */
async function ourRows(session: DuckDbSession, io: FileIO, m: TableMetadata, snapshotId: bigint): Promise<Row[]> {
  const tasks = await planFiles(io, m, { snapshot: { snapshotId } });
  await createScanView(session, 'fixture_scan', currentSchema(m), tasks, async (uri) => fixtureLocalPath(uri));
  return session.all('SELECT * FROM fixture_scan');
}

/**
 * icebird's rows for one snapshot. icebird reads only the current snapshot of a metadata file, so
 * time travel is done by handing it the same metadata with current-snapshot-id moved. It parses
 * ids with JSON.parse (lossy beyond 2^53), so the snapshot is picked by position, not by id.
 */
async function icebirdRows(table: string, metadataFileName: string, snapshotIndex: number): Promise<Row[]> {
  const tableUrl = `s3://hyperparam-iceberg/${table}`;
  return withFixtureFetch(async () => {
    const metadata = await icebergMetadata({ tableUrl, metadataFileName });
    metadata['current-snapshot-id'] = metadata.snapshots![snapshotIndex]['snapshot-id'];
    return (await icebergRead({ tableUrl, metadata })) as Row[];
  });
}

interface SnapshotCase { table: string; file: string; index: number; snapshotId: bigint; metadata: TableMetadata }

async function allSnapshotCases(): Promise<SnapshotCase[]> {
  const cases: SnapshotCase[] = [];
  for (const table of TABLES) {
    for (const file of await fixtureMetadataFiles(table)) {
      const metadata = parseTableMetadata(await readFile(path.join(FIXTURES_DIR, table, 'metadata', file), 'utf8'));
      metadata.snapshots.forEach((s, index) => cases.push({ table, file, index, snapshotId: s['snapshot-id'], metadata }));
    }
  }
  return cases;
}

describe('our reader on the golden fixture tables', () => {
  let session: DuckDbSession;
  let cases: SnapshotCase[];
  const io = fixtureIO();

  beforeAll(async () => {
    session = await DuckDbSession.create({ threads: 1 });
    cases = await allSnapshotCases();
  });
  afterAll(() => session.close());

  it('covers every snapshot of every metadata version of the four tables', () => {
    // 1 (athena) + 1+1+2+2+3 (spark/bunnies) + 1+1 (rename_column) + 1+1+2+3 (java/bunnies)
    expect(cases).toHaveLength(19);
  });

  it('returns the rows icebird returns for every snapshot', async () => {
    // Prepare
    const mismatches: string[] = [];
    // Act
    for (const c of cases) {
      const [ours, theirs] = [await ourRows(session, io, c.metadata, c.snapshotId), await icebirdRows(c.table, c.file, c.index)];
      const [a, b] = [rowSet(ours), rowSet(theirs)];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        mismatches.push(`${c.table}/${c.file} snapshot ${c.snapshotId}:\n  ours   ${a.join('\n         ')}\n  icebird ${b.join('\n          ')}`);
      }
    }
    // Assert
    expect(mismatches).toEqual([]);
  });

  it('applies the Java table\'s equality delete only to older data files (expected rows derived by hand)', async () => {
    // Prepare: java/bunnies v5 = 21 initial rows, 6 removed by position deletes (positions 2-6, 11),
    // then an overwrite that equality-deletes "New Zealand" (field 1) and re-adds it updated in the
    // same commit. The delete's sequence number (3) equals the new file's, so it must not hide it.
    const c = cases.find((x) => x.table === 'java/bunnies' && x.file === 'v5.metadata.json' && x.index === 2)!;
    // Act
    const rows = await ourRows(session, io, c.metadata, c.snapshotId);
    // Assert
    const names = rows.map((r) => r['Breed Name']).sort();
    expect(rows).toHaveLength(15);
    expect(names.filter((n) => n === 'New Zealand')).toEqual(['New Zealand']);
    expect(rows.find((r) => r['Breed Name'] === 'New Zealand')).toMatchObject({ 'Popularity Rank': 0n, __happy__: true });
    expect(names).not.toEqual(expect.arrayContaining(['Flemish Giant', 'English Lop', 'Rex', 'Mini Lop', 'Lionhead', 'French Angora']));
  });

  it('reads the renamed column of spark/rename_column by field id', async () => {
    // Prepare: the files were written when field 3 was called "date"; the current schema says "event_date".
    const c = cases.find((x) => x.table === 'spark/rename_column' && x.file === 'v3.metadata.json')!;
    // Act
    const rows = await ourRows(session, io, c.metadata, c.snapshotId);
    // Assert
    expect(rows.filter((r) => r.event_date !== null)).toHaveLength(3);
  });

  it('finds no problem in the fixtures\' manifests and files (foreign-writer mode)', async () => {
    // Prepare: Java and Athena do not write the manifest schema-id header, so strictWriter is off.
    const problems: string[] = [];
    // Act
    for (const table of TABLES) {
      const files = await fixtureMetadataFiles(table);
      const latest = parseTableMetadata(await readFile(path.join(FIXTURES_DIR, table, 'metadata', files.at(-1)!), 'utf8'));
      problems.push(...(await validateTableFiles(io, latest, undefined, { strictWriter: false, duckdb: session, localPath: fixtureLocalPath })));
    }
    // Assert
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Our writer's manifests against Athena's.

/** Every record name in an Avro schema. */
function recordNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => recordNames(s, out));
  else if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s.type === 'record') {
      out.add(String(s.name));
      (s.fields as { type: unknown }[]).forEach((f) => recordNames(f.type, out));
    } else if (s.type === 'array') recordNames(s.items, out);
  }
  return out;
}

/** `path → field-id / element-id` for every field of an Avro schema. */
function fieldIds(schema: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (Array.isArray(schema)) schema.forEach((s) => fieldIds(s, prefix, out));
  else if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s.type === 'record') {
      for (const f of s.fields as Record<string, unknown>[]) {
        const p = prefix ? `${prefix}.${String(f.name)}` : String(f.name);
        out[p] = Number(f['field-id']);
        fieldIds(f.type, p, out);
      }
    } else if (s.type === 'array') {
      if (s['element-id'] !== undefined) out[`${prefix}[]`] = Number(s['element-id']);
      fieldIds(s.items, `${prefix}[]`, out);
    }
  }
  return out;
}

const headerKeys = (c: AvroContainer) => Object.keys(c.metadata).filter((k) => k !== 'iceberg.schema').sort();

describe('manifests written by our writer match the fixtures\' structure', () => {
  const athenaDir = path.join(FIXTURES_DIR, 'athena/example/metadata');
  let dir: string;
  let session: DuckDbSession;
  let io: FileIO;
  let ours: { list: AvroContainer; manifest: AvroContainer; summary: Record<string, string>; metadataLocation: string };
  let athena: { list: AvroContainer; manifest: AvroContainer; summary: Record<string, string> };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'iceberg-fixtures-'));
    session = await DuckDbSession.create({ threads: 1 });
    const store = await LocalStore.create(dir);
    io = fileIOFor(store);
    const catalog = new FileCatalog({ io, warehouse: store.url });
    const name = 'readings';
    const fields = [
      { id: 1, name: 'id', required: false, type: 'int' as const },
      { id: 2, name: 'name', required: false, type: 'string' as const },
    ];
    const handle = await catalog.createTable(name, newTableMetadata({ location: catalog.defaultLocation(name), fields, nowMs: Date.now() }));
    const table = new IcebergTable(name, io, {
      load: () => catalog.loadTable(name),
      commit: (base, m) => catalog.commit(base as TableHandle, m),
    });
    // A Parquet file written by DuckDB with the table's field ids, described by hand.
    const key = `${name}/data/part-00000.parquet`;
    const localPath = store.localPath(key);
    await mkdir(path.dirname(localPath), { recursive: true });
    const schema = currentSchema(handle.metadata);
    await session.run(
      `COPY (SELECT CAST(id AS INTEGER) AS id, name FROM (VALUES (1, 'Alice'), (2, 'Bob')) t(id, name)) ` +
        `TO ${sqlString(localPath)} (FORMAT PARQUET, ${fieldIdsClause(schema)})`,
    );
    const result = await table.append([{
      content: 0, file_path: `${store.url}/${key}`, file_format: 'PARQUET', partition: {}, record_count: 2,
      file_size_in_bytes: (await stat(localPath)).size,
    }]);
    const list = await readAvroContainer(await io.read(result.snapshot['manifest-list']));
    const manifestPath = String(list.records[0].manifest_path);
    ours = {
      list, manifest: await readAvroContainer(await io.read(manifestPath)),
      summary: result.snapshot.summary, metadataLocation: result.metadataLocation,
    };
    const athenaMeta = parseTableMetadata(await readFile(path.join(athenaDir, '00001-aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json'), 'utf8'));
    athena = {
      list: await readAvroContainer(await readFile(path.join(athenaDir, 'snap-6838723292707092922-1-3d82674b-df1e-49b5-a7a9-05b61567065a.avro'))),
      manifest: await readAvroContainer(await readFile(path.join(athenaDir, '3d82674b-df1e-49b5-a7a9-05b61567065a-m0.avro'))),
      summary: athenaMeta.snapshots[0].summary,
    };
  });
  afterAll(async () => {
    session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the full self-check, Parquet included', async () => {
    await expect(assertValidTable(io, ours.metadataLocation, { duckdb: session })).resolves.toBeUndefined();
  });

  it('writes every manifest header key Athena writes (iceberg.schema aside)', () => {
    expect(headerKeys(ours.manifest)).toEqual(expect.arrayContaining(headerKeys(athena.manifest)));
  });

  it('writes every manifest-list header key Athena writes (iceberg.schema aside)', () => {
    expect(headerKeys(ours.list)).toEqual(expect.arrayContaining(headerKeys(athena.list)));
  });

  it('uses the same Avro record names as Athena', () => {
    expect([...recordNames(ours.manifest.schema)].sort()).toEqual([...recordNames(athena.manifest.schema)].sort());
    expect([...recordNames(ours.list.schema)].sort()).toEqual([...recordNames(athena.list.schema)].sort());
  });

  it('gives every field Athena writes the same field id', () => {
    expect(fieldIds(ours.manifest.schema)).toMatchObject(fieldIds(athena.manifest.schema));
    expect(fieldIds(ours.list.schema)).toMatchObject(fieldIds(athena.list.schema));
  });

  it('writes the summary keys Athena writes for an append (engine-specific keys aside)', () => {
    const keys = (s: Record<string, string>) => Object.keys(s).filter((k) => k !== 'trino_query_id').sort();
    expect(keys(ours.summary)).toEqual(keys(athena.summary));
  });
});
