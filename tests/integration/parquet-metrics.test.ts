import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sqlIdent, sqlString } from '../../src/engine/duckdb-session';
import { dataFileMetrics, writeDataFilesWithMetrics } from '../../src/engine/parquet-metrics';
import { writeDataFiles } from '../../src/engine/parquet-writer';
import { fromBinary } from '../../src/iceberg/conversions';
import type { DataFile, KeyValue, Schema } from '../../src/iceberg/types';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'flag', required: false, type: 'boolean' },
    { id: 2, name: 'quality', required: false, type: 'int' },
    { id: 3, name: 'meter_id', required: false, type: 'long' },
    { id: 4, name: 'ratio', required: false, type: 'float' },
    { id: 5, name: 'kw', required: false, type: 'double' },
    { id: 6, name: 'day', required: false, type: 'date' },
    { id: 7, name: 'local_ts', required: false, type: 'timestamp' },
    { id: 8, name: 'ts', required: false, type: 'timestamptz' },
    { id: 9, name: 'name', required: false, type: 'string' },
    { id: 10, name: 'kwh', required: false, type: 'decimal(12,3)' },
  ],
};

/** 5,000 rows with nulls sprinkled in every column, written in several row groups. */
const SOURCE = `
  SELECT CASE WHEN range % 11 = 0 THEN NULL ELSE range % 2 = 0 END AS flag,
         CASE WHEN range % 13 = 0 THEN NULL ELSE range - 2500 END AS quality,
         CASE WHEN range % 17 = 0 THEN NULL ELSE range * 1000000007 END AS meter_id,
         CASE WHEN range % 19 = 0 THEN NULL ELSE range / 3.0 - 100 END AS ratio,
         CASE WHEN range % 23 = 0 THEN NULL ELSE -range / 7.0 END AS kw,
         CASE WHEN range % 29 = 0 THEN NULL ELSE DATE '1969-12-01' + range::INTEGER END AS day,
         CASE WHEN range % 31 = 0 THEN NULL ELSE make_timestamp(range * 1000003) END AS local_ts,
         CASE WHEN range % 37 = 0 THEN NULL ELSE TIMESTAMPTZ '2024-03-01 00:00:00.000001+00' + to_microseconds(range * 77) END AS ts,
         CASE WHEN range % 41 = 0 THEN NULL ELSE 'meter ' || lpad(range::VARCHAR, 5, '0') END AS name,
         CASE WHEN range % 43 = 0 THEN NULL ELSE (range / 7.0 - 300)::DECIMAL(12,3) END AS kwh
    FROM range(5000)`;

/** The expected canonical min/max of each column, computed by a full scan in SQL. */
const CANONICAL: Record<string, string> = {
  flag: 'x',
  quality: 'x',
  meter_id: 'x',
  ratio: 'x',
  kw: 'x',
  day: `CAST(x - DATE '1970-01-01' AS INTEGER)`,
  local_ts: 'epoch_us(x)',
  ts: 'epoch_us(x)',
  name: 'x',
  kwh: 'CAST(x * 1000 AS BIGINT)',
};

const valueOf = <V>(entries: KeyValue<V>[] | null | undefined, key: number): V | undefined =>
  entries?.find((entry) => entry.key === key)?.value;

describe('dataFileMetrics', () => {
  const env = useDuckDbAndTempDir('parquet-metrics-');
  let localPath: string;
  let dataFile: DataFile;

  beforeAll(async () => {
    const [written] = await writeDataFiles(env.session, {
      sourceSql: SOURCE, schema, spec: { 'spec-id': 0, fields: [] }, outputDir: env.dir, rowGroupSize: 2048,
    });
    localPath = written.localPath;
    dataFile = await dataFileMetrics(env.session, localPath, schema, { filePath: 's3://bucket/t/data/x.parquet', partition: {} });
  });

  it('reports the record count and the exact file size', async () => {
    expect(dataFile.record_count).toBe(5000);
    expect(dataFile.file_size_in_bytes).toBe((await stat(localPath)).size);
  });

  it('records the caller-supplied file path, PARQUET format and data content', () => {
    expect(dataFile).toMatchObject({ content: 0, file_path: 's3://bucket/t/data/x.parquet', file_format: 'PARQUET', partition: {} });
  });

  it.each(schema.fields.map((field) => [field.name, field.id] as const))(
    'counts values and nulls of %s as a full scan does',
    async (name, id) => {
      const [expected] = await env.session.all<{ total: bigint; nulls: bigint }>(
        `SELECT count(*) AS total, count(*) FILTER (WHERE ${sqlIdent(name)} IS NULL) AS nulls FROM read_parquet(${sqlString(localPath)})`,
      );

      expect(valueOf(dataFile.value_counts, id)).toBe(Number(expected.total));
      expect(valueOf(dataFile.null_value_counts, id)).toBe(Number(expected.nulls));
      expect(valueOf(dataFile.column_sizes, id)).toBeGreaterThan(0);
    },
  );

  it.each(schema.fields.map((field) => [field.name, field.id, field.type as string] as const))(
    'bounds %s by the min and max a full scan finds',
    async (name, id, type) => {
      const expr = (aggregate: string) => CANONICAL[name].replace('x', `${aggregate}(${sqlIdent(name)})`);
      const [expected] = await env.session.all<{ lo: unknown; hi: unknown }>(
        `SELECT ${expr('min')} AS lo, ${expr('max')} AS hi FROM read_parquet(${sqlString(localPath)})`,
      );
      const lower = fromBinary(type, valueOf(dataFile.lower_bounds, id) as Buffer);
      const upper = fromBinary(type, valueOf(dataFile.upper_bounds, id) as Buffer);

      const canonical = (value: unknown) =>
        type === 'float' ? Math.fround(value as number) : type === 'decimal(12,3)' ? BigInt(value as bigint) : value;
      expect([lower, upper]).toEqual([canonical(expected.lo), canonical(expected.hi)]);
    },
  );

  it('lists ascending split offsets inside the file, one per row group', async () => {
    const rowGroups = await env.session.scalar<bigint>(`SELECT num_row_groups FROM parquet_file_metadata(${sqlString(localPath)})`);

    expect(dataFile.split_offsets).toHaveLength(Number(rowGroups));
    expect(Number(rowGroups)).toBeGreaterThan(1);
    expect([...(dataFile.split_offsets ?? [])].sort((a, b) => a - b)).toEqual(dataFile.split_offsets);
    expect(Math.max(...(dataFile.split_offsets ?? []))).toBeLessThan(dataFile.file_size_in_bytes);
  });

  it('omits NaN counts, which the Parquet footer does not hold', () => {
    expect(dataFile.nan_value_counts ?? undefined).toBeUndefined();
  });

  it('writes no bounds for a double column holding NaN', async () => {
    const nanSchema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'v', required: false, type: 'double' }] };
    const [file] = await writeDataFiles(env.session, {
      sourceSql: `SELECT CASE WHEN range = 3 THEN 'NaN'::DOUBLE ELSE range END AS v FROM range(10)`,
      schema: nanSchema, spec: { 'spec-id': 0, fields: [] }, outputDir: env.dir,
    });

    const metrics = await dataFileMetrics(env.session, file.localPath, nanSchema);

    expect(valueOf(metrics.lower_bounds, 1)).toBeUndefined();
    expect(valueOf(metrics.upper_bounds, 1)).toBeUndefined();
  });

  it('truncates long string bounds to 16 characters, rounding the upper bound up', async () => {
    const textSchema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 's', required: false, type: 'string' }] };
    const [file] = await writeDataFiles(env.session, {
      sourceSql: `SELECT * FROM (VALUES ('aaaaaaaaaaaaaaaaaaaaaaaa'), ('bbbbbbbbbbbbbbbbbbbbbbbb')) v(s)`,
      schema: textSchema, spec: { 'spec-id': 0, fields: [] }, outputDir: env.dir,
    });

    const metrics = await dataFileMetrics(env.session, file.localPath, textSchema);

    expect(fromBinary('string', valueOf(metrics.lower_bounds, 1) as Buffer)).toBe('a'.repeat(16));
    expect(fromBinary('string', valueOf(metrics.upper_bounds, 1) as Buffer)).toBe(`${'b'.repeat(15)}c`);
  });

  it('writes no bounds for list elements but counts them', async () => {
    const listSchema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [{ id: 1, name: 'tags', required: false, type: { type: 'list', 'element-id': 2, 'element-required': false, element: 'string' } }],
    };
    const [file] = await writeDataFiles(env.session, {
      sourceSql: `SELECT ['a', 'b', NULL] AS tags`, schema: listSchema, spec: { 'spec-id': 0, fields: [] }, outputDir: env.dir,
    });

    const metrics = await dataFileMetrics(env.session, file.localPath, listSchema);

    expect(metrics.lower_bounds).toEqual([]);
    expect(valueOf(metrics.value_counts, 2)).toBe(3);
    expect(valueOf(metrics.null_value_counts, 2)).toBe(1);
  });

  it('pairs every written file with its metrics and partition', async () => {
    const written = await writeDataFilesWithMetrics(
      env.session,
      {
        sourceSql: SOURCE, schema, outputDir: env.dir,
        spec: { 'spec-id': 1, fields: [{ 'source-id': 8, 'field-id': 1000, name: 'ts_day', transform: 'day' }] },
      },
      (local) => `s3://bucket/t/data/${path.basename(local)}`,
    );

    expect(written.length).toBeGreaterThan(0);
    // SOURCE's ts spans one day (2024-03-01 = day 19783), with every 37th row null.
    expect(written.map((file) => file.partition.ts_day).sort()).toEqual([19783, null]);
    expect(written.reduce((sum, file) => sum + file.recordCount, 0)).toBe(5000);
    for (const file of written) {
      expect(file.dataFile.partition).toEqual(file.partition);
      expect(file.dataFile.record_count).toBe(file.recordCount);
      expect(file.dataFile.file_path).toBe(`s3://bucket/t/data/${path.basename(file.localPath)}`);
    }
  });

  it('writes a one-value ENUM constant exactly as the string constant: same Parquet type and metrics', async () => {
    const strings: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'n', required: false, type: 'long' }, { id: 2, name: 'source_file', required: false, type: 'string' }] };
    const write = async (constant: string, enumConstants?: string[]) => {
      const out = await mkdtemp(path.join(os.tmpdir(), 'parquet-enum-'));
      const [file] = await writeDataFilesWithMetrics(env.session, {
        sourceSql: `SELECT range AS n, ${constant} AS source_file FROM range(1000)`, schema: strings, spec: { 'spec-id': 0, fields: [] }, outputDir: out, enumConstants,
      });
      const types = await env.session.all(`SELECT name, type, converted_type FROM parquet_schema(${sqlString(file.localPath)})`);
      const { file_path: _path, file_size_in_bytes: _size, split_offsets: _offsets, ...metrics } = file.dataFile;
      await rm(out, { recursive: true, force: true });
      return { types, metrics };
    };

    const asEnum = await write(`CAST('landing/x/readings/a.csv' AS ENUM('landing/x/readings/a.csv'))`, ['source_file']);
    const asString = await write(`'landing/x/readings/a.csv'`);

    expect(asEnum).toEqual(asString);
    expect(asString.types).toContainEqual({ name: 'source_file', type: 'BYTE_ARRAY', converted_type: 'UTF8' });
  });
});
