import path from 'node:path';
import { sqlString } from '../../src/engine/duckdb-session';
import { writeDataFiles } from '../../src/engine/parquet-writer';
import { createScanView, createUnavailableView, MissingFieldIdsError, type FileScanTask } from '../../src/engine/snapshot-view';
import type { DataFile, Schema } from '../../src/iceberg/types';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';
import { FIXTURES_DIR as FIXTURES } from '../helpers/fixture-io';

const BUCKET_PREFIX = /^s3a?:\/\/hyperparam-iceberg\//;
const unpartitioned = { 'spec-id': 0, fields: [] };

/** Table URIs are the local paths here; fixture URIs map their bucket onto the fixtures folder. */
const resolveLocalPath = async (uri: string) => uri.replace(BUCKET_PREFIX, `${FIXTURES}/`);

function dataFile(filePath: string, overrides: Partial<DataFile> = {}): DataFile {
  return { content: 0, file_path: filePath, file_format: 'PARQUET', partition: {}, record_count: 0, file_size_in_bytes: 0, ...overrides };
}

const task = (file: DataFile, deletes: FileScanTask['deletes'] = [], dataSequenceNumber = 1): FileScanTask => ({
  dataFile: file, dataSequenceNumber, deletes,
});

const schemaV1: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'long' },
    { id: 2, name: 'reading', required: false, type: 'decimal(12,3)' },
    { id: 3, name: 'date', required: false, type: 'date' },
  ],
};
/** v2 renames `date` (id 3) and adds `quality` (id 4). */
const schemaV2: Schema = {
  type: 'struct',
  'schema-id': 1,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'long' },
    { id: 2, name: 'reading', required: false, type: 'decimal(12,3)' },
    { id: 3, name: 'reading_date', required: false, type: 'date' },
    { id: 4, name: 'quality', required: false, type: 'int' },
  ],
};

describe('createScanView', () => {
  const env = useDuckDbAndTempDir('snapshot-view-');
  let fileA: string;
  let fileB: string;

  beforeAll(async () => {
    const write = async (sourceSql: string, schema: Schema) =>
      (await writeDataFiles(env.session, { sourceSql, schema, spec: unpartitioned, outputDir: env.dir }))[0].localPath;
    fileA = await write(`SELECT range AS meter_id, range * 1.5 AS reading, DATE '2024-01-01' + range::INTEGER AS date FROM range(10)`, schemaV1);
    fileB = await write(`SELECT 100 + range AS meter_id, 0 AS reading, NULL AS reading_date, 7 AS quality FROM range(3)`, schemaV2);
  });

  /** Writes a position delete file (Iceberg's reserved field ids) listing `positions` of `dataPath`. */
  async function positionDeleteFile(dataPath: string, positions: number[]): Promise<DataFile> {
    const localPath = path.join(env.dir, `pos-${positions.join('-')}.parquet`);
    const rows = positions.map((pos) => `(${sqlString(dataPath)}, ${pos}::BIGINT)`).join(', ');
    await env.session.run(
      `COPY (SELECT * FROM (VALUES ${rows}) v(file_path, pos)) TO ${sqlString(localPath)}
         (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
    );
    return dataFile(localPath, { content: 1, record_count: positions.length });
  }

  /** Writes an equality delete file on field id 1 (meter_id). */
  async function equalityDeleteFile(meterIds: (number | null)[]): Promise<DataFile> {
    const localPath = path.join(env.dir, `eq-${meterIds.join('-')}.parquet`);
    const rows = meterIds.map((id) => `(${id === null ? 'NULL' : id}::BIGINT)`).join(', ');
    await env.session.run(`COPY (SELECT * FROM (VALUES ${rows}) v(m)) TO ${sqlString(localPath)} (FORMAT parquet, FIELD_IDS {m: 1})`);
    return dataFile(localPath, { content: 2, equality_ids: [1], record_count: meterIds.length });
  }

  const meterIds = async (view: string) =>
    (await env.session.all<{ meter_id: bigint }>(`SELECT meter_id FROM ${view} ORDER BY meter_id`)).map((row) => Number(row.meter_id));

  it('reads exactly the rows of the given data files', async () => {
    await createScanView(env.session, 'scan_plain', schemaV2, [task(dataFile(fileA)), task(dataFile(fileB))], resolveLocalPath);

    expect(await meterIds('scan_plain')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101, 102]);
  });

  it('removes the rows a position delete file lists for that data file', async () => {
    const deletes = await positionDeleteFile(fileA, [0, 3, 9]);

    await createScanView(env.session, 'scan_pos', schemaV2, [task(dataFile(fileA), [{ file: deletes, sequenceNumber: 2 }])], resolveLocalPath);

    expect(await meterIds('scan_pos')).toEqual([1, 2, 4, 5, 6, 7, 8]);
  });

  it('applies a position delete file only to the data files it was planned for', async () => {
    const deletes = await positionDeleteFile(fileA, [1]);

    await createScanView(
      env.session, 'scan_pos_scoped', schemaV2,
      [task(dataFile(fileA)), task(dataFile(fileB), [{ file: deletes, sequenceNumber: 2 }])],
      resolveLocalPath,
    );

    expect(await meterIds('scan_pos_scoped')).toContain(1);
  });

  it('removes rows whose equality-delete columns match a delete row', async () => {
    const deletes = await equalityDeleteFile([2, 101, null]);

    await createScanView(
      env.session, 'scan_eq', schemaV2,
      [task(dataFile(fileA), [{ file: deletes, sequenceNumber: 2 }]), task(dataFile(fileB), [{ file: deletes, sequenceNumber: 2 }])],
      resolveLocalPath,
    );

    expect(await meterIds('scan_eq')).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 100, 102]);
  });

  it('reads a renamed column by field id', async () => {
    await createScanView(env.session, 'scan_renamed', schemaV2, [task(dataFile(fileA))], resolveLocalPath);

    const rows = await env.session.all<{ d: string }>(`SELECT CAST(reading_date AS VARCHAR) AS d FROM scan_renamed WHERE meter_id = 2`);
    expect(rows).toEqual([{ d: '2024-01-03' }]);
  });

  it('reads NULL for a column the file was written without', async () => {
    await createScanView(env.session, 'scan_added', schemaV2, [task(dataFile(fileA)), task(dataFile(fileB))], resolveLocalPath);

    const rows = await env.session.all<{ quality: number | null; n: bigint }>(
      `SELECT quality, count(*) AS n FROM scan_added GROUP BY quality ORDER BY quality NULLS FIRST`,
    );
    expect(rows).toEqual([{ quality: null, n: 10n }, { quality: 7, n: 3n }]);
  });

  it('registers an empty view with the schema columns and types when there are no files', async () => {
    await createScanView(env.session, 'scan_empty', schemaV2, [], resolveLocalPath);

    const columns = await env.session.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE scan_empty)`);
    expect(columns).toEqual([
      { column_name: 'meter_id', column_type: 'BIGINT' },
      { column_name: 'reading', column_type: 'DECIMAL(12,3)' },
      { column_name: 'reading_date', column_type: 'DATE' },
      { column_name: 'quality', column_type: 'INTEGER' },
    ]);
    expect(await meterIds('scan_empty')).toEqual([]);
  });

  it('refuses a data file without field ids instead of reading it as NULLs', async () => {
    const localPath = path.join(env.dir, 'no-ids.parquet');
    await env.session.run(`COPY (SELECT 1::BIGINT AS meter_id) TO ${sqlString(localPath)} (FORMAT parquet)`);

    await expect(createScanView(env.session, 'scan_no_ids', schemaV2, [task(dataFile(localPath))], resolveLocalPath)).rejects.toThrow(
      MissingFieldIdsError,
    );
  });

  describe('on tables written by other engines', () => {
    const bunnies: Schema = {
      type: 'struct',
      'schema-id': 1,
      fields: [
        { id: 1, name: 'Breed Name', required: false, type: 'string' },
        { id: 4, name: 'Lifespan', required: false, type: 'long' },
        { id: 9, name: '__happy__', required: false, type: 'boolean' },
      ],
    };
    const bunnyFile = (name: string, overrides: Partial<DataFile> = {}) =>
      dataFile(`s3a://hyperparam-iceberg/java/bunnies/data/${name}.parquet`, overrides);

    it('applies the Java-written position and equality deletes of java/bunnies (snapshot 3)', async () => {
      // Snapshot 3: initial data (seq 1) ← position deletes (seq 2) + equality delete on "Breed Name" (seq 3);
      // the updated New Zealand row (seq 3) is not touched by the seq-3 equality delete.
      const positionDeletes = bunnyFile('bunnies-pos-deletes', { content: 1 });
      const equalityDeletes = bunnyFile('bunnies-eq-delete-new-zealand', { content: 2, equality_ids: [1] });
      const tasks = [
        task(bunnyFile('bunnies-initial'), [{ file: positionDeletes, sequenceNumber: 2 }, { file: equalityDeletes, sequenceNumber: 3 }], 1),
        task(bunnyFile('bunnies-updated-new-zealand'), [], 3),
      ];

      await createScanView(env.session, 'bunnies', bunnies, tasks, resolveLocalPath);

      const rows = await env.session.all<{ name: string; happy: boolean | null }>(
        `SELECT "Breed Name" AS name, __happy__ AS happy FROM bunnies ORDER BY name`,
      );
      expect(rows.map((row) => row.name)).toEqual([
        'American Fuzzy Lop', 'Belgian Hare', 'Californian', 'Dutch', 'English Angora', 'Harlequin', 'Himalayan',
        'Holland Lop', 'Mini Rex', 'Netherland Dwarf', 'New Zealand', 'Polish', 'Satin Angora', 'Silver Fox', 'Thrianta',
      ]);
      expect(rows.find((row) => row.name === 'New Zealand')?.happy).toBe(true);
      expect(rows.filter((row) => row.happy === null)).toHaveLength(14);
    });

    it('reads the renamed column of spark/rename_column by field id', async () => {
      const schema: Schema = {
        type: 'struct',
        'schema-id': 1,
        fields: [
          { id: 1, name: 'id', required: false, type: 'int' },
          { id: 3, name: 'event_date', required: false, type: 'date' },
          { id: 4, name: 'price', required: false, type: 'decimal(10, 2)' },
        ],
      };
      const base = 's3://hyperparam-iceberg/spark/rename_column/data';
      const tasks = [
        'id_bucket=0/date=2022-01-01/00000-20-b65939d1-96e1-4d30-a733-aa5264a479aa-00001.parquet',
        'id_bucket=3/date=null/00000-20-b65939d1-96e1-4d30-a733-aa5264a479aa-00002.parquet',
        'id_bucket=2/date=2022-01-02/00000-20-b65939d1-96e1-4d30-a733-aa5264a479aa-00003.parquet',
      ].map((name) => task(dataFile(`${base}/${name}`)));

      await createScanView(env.session, 'renamed', schema, tasks, resolveLocalPath);

      const rows = await env.session.all<{ id: number; d: string | null; price: string }>(
        `SELECT id, CAST(event_date AS VARCHAR) AS d, CAST(price AS VARCHAR) AS price FROM renamed ORDER BY id`,
      );
      expect(rows).toEqual([
        { id: 1, d: '2022-01-01', price: '9.99' },
        { id: 2, d: '2022-01-01', price: '-5.00' },
        { id: 3, d: null, price: '0.00' },
        { id: 4, d: '2022-01-02', price: '99999999.99' },
      ]);
    });
  });
});

describe('createUnavailableView', () => {
  const env = useDuckDbAndTempDir('unavailable-view-');
  const message = 'table ingest_log has no snapshot committed at or before 2021-02-01T00:00:00.000Z';

  beforeAll(async () => {
    await createUnavailableView(env.session, 'gone', schemaV2, message);
  });

  it.each([
    ['every row', 'SELECT * FROM gone'],
    ['a count', 'SELECT count(*) FROM gone'],
    ['a filtered column', 'SELECT meter_id FROM gone WHERE quality = 1'],
    ['a join', 'SELECT * FROM (SELECT 1::BIGINT AS k) t LEFT JOIN gone ON t.k = gone.meter_id'],
  ])('fails with its message when a query reads %s', async (_what, sql) => {
    await expect(env.session.all(sql)).rejects.toThrow(message);
  });

  it('keeps the schema columns, so views over it can be created', async () => {
    await env.session.run('CREATE OR REPLACE VIEW over_gone AS SELECT meter_id, quality FROM gone');
    await expect(env.session.all('SELECT * FROM over_gone')).rejects.toThrow(message);
  });
});
