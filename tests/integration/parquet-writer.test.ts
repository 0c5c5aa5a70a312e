import { readdir } from 'node:fs/promises';
import { sqlString } from '../../src/engine/duckdb-session';
import { writeDataFiles, type WriteDataFilesOptions } from '../../src/engine/parquet-writer';
import { parseTransform, toIcebergValue } from '../../src/iceberg/transforms';
import type { PartitionSpec, Schema } from '../../src/iceberg/types';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: true, type: 'timestamptz' },
    { id: 3, name: 'local_ts', required: false, type: 'timestamp' },
    { id: 4, name: 'quality', required: false, type: 'int' },
    { id: 5, name: 'kwh', required: false, type: 'decimal(12,3)' },
    { id: 6, name: 'site name', required: false, type: 'string' },
    { id: 7, name: 'tags', required: false, type: { type: 'list', 'element-id': 8, 'element-required': false, element: 'string' } },
  ],
};
const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
const byDay: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] };

/** 2,000 readings over 5 days (plus some before 1970 to check floor semantics), from types Iceberg cannot store directly. */
const SOURCE = `
  SELECT (range % 50)::TINYINT AS quality,
         (range % 37)::BIGINT AS meter_id,
         ('2024-03-01 00:00:00+00'::TIMESTAMPTZ + to_minutes(range * 3)) AS ts,
         make_timestamp(range * 1000)::TIMESTAMP_NS AS local_ts,
         (range / 7)::DECIMAL(12,3) AS kwh,
         'site ' || (range % 5) AS "site name",
         ['a', 'b'] AS tags
    FROM range(2000)
  UNION ALL
  SELECT 1::TINYINT, 99, '1969-12-31 23:30:00+00'::TIMESTAMPTZ, NULL, NULL, NULL, NULL`;

describe('writeDataFiles', () => {
  const env = useDuckDbAndTempDir('parquet-writer-', { dirPerTest: true });

  const write = (overrides: Partial<WriteDataFilesOptions> = {}) =>
    writeDataFiles(env.session, { sourceSql: SOURCE, schema, spec: unpartitioned, outputDir: env.dir, ...overrides });

  const fileList = (paths: string[]) => `[${paths.map(sqlString).join(', ')}]`;

  it('stamps the schema field ids on every column, nested ones included', async () => {
    const [file] = await write();

    const rows = await env.session.all<{ name: string; field_id: bigint | null }>(
      `SELECT name, field_id FROM parquet_schema(${sqlString(file.localPath)}) WHERE field_id IS NOT NULL`,
    );

    expect(rows.map((row) => [row.name, Number(row.field_id)])).toEqual([
      ['meter_id', 1], ['ts', 2], ['local_ts', 3], ['quality', 4], ['kwh', 5], ['site name', 6], ['tags', 7], ['element', 8],
    ]);
  });

  it('writes timestamptz as TIMESTAMP_MICROS adjusted to UTC and timestamp as not adjusted', async () => {
    const [file] = await write();

    const rows = await env.session.all<{ name: string; logical_type: string }>(
      `SELECT name, logical_type FROM parquet_schema(${sqlString(file.localPath)}) WHERE name IN ('ts', 'local_ts') ORDER BY name`,
    );

    expect(rows[0].logical_type).toMatch(/isAdjustedToUTC=0, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/);
    expect(rows[1].logical_type).toMatch(/isAdjustedToUTC=1, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/);
  });

  it('casts columns to the exact Iceberg physical types', async () => {
    const [file] = await write();

    const rows = await env.session.all<{ name: string; type: string; converted_type: string | null }>(
      `SELECT name, type, converted_type FROM parquet_schema(${sqlString(file.localPath)}) WHERE name IN ('quality', 'kwh') ORDER BY name`,
    );

    expect(rows).toEqual([
      { name: 'kwh', type: 'INT64', converted_type: 'DECIMAL' },
      { name: 'quality', type: 'INT32', converted_type: 'INT_32' },
    ]);
  });

  it('writes every source row exactly once', async () => {
    const files = await write();

    const count = await env.session.scalar<bigint>(`SELECT count(*) FROM read_parquet(${fileList(files.map((f) => f.localPath))})`);

    expect(Number(count)).toBe(2001);
    expect(files.reduce((sum, file) => sum + file.recordCount, 0)).toBe(2001);
  });

  it('puts each row of a day(ts) partitioned write in the file of its day', async () => {
    const files = await write({ spec: byDay });

    const day = parseTransform('day').bind('timestamptz');
    for (const file of files) {
      const micros = await env.session.all<{ us: bigint }>(`SELECT epoch_us(ts) AS us FROM read_parquet(${sqlString(file.localPath)})`);
      const days = new Set(micros.map((row) => day.apply(row.us)));
      expect([...days]).toEqual([file.partition.ts_day]);
    }
    expect(files.map((file) => file.partition.ts_day).sort()).toEqual([-1, 19783, 19784, 19785, 19786, 19787]);
  });

  it('leaves the partition helper columns out of the files', async () => {
    const files = await write({ spec: byDay });

    const names = await env.session.all<{ name: string }>(
      `SELECT DISTINCT name FROM parquet_schema(${fileList(files.map((f) => f.localPath))}) WHERE field_id IS NOT NULL ORDER BY name`,
    );

    expect(names.map((row) => row.name)).toEqual(['element', 'kwh', 'local_ts', 'meter_id', 'quality', 'site name', 'tags', 'ts']);
  });

  it('computes identity, month, hour, bucket and truncate partition values as the Iceberg transforms do', async () => {
    const spec: PartitionSpec = {
      'spec-id': 2,
      fields: [
        { 'source-id': 6, 'field-id': 1000, name: 'site', transform: 'identity' },
        { 'source-id': 2, 'field-id': 1001, name: 'ts_month', transform: 'month' },
        { 'source-id': 2, 'field-id': 1002, name: 'ts_hour', transform: 'hour' },
        { 'source-id': 1, 'field-id': 1003, name: 'meter_bucket', transform: 'bucket[4]' },
        { 'source-id': 5, 'field-id': 1004, name: 'kwh_trunc', transform: 'truncate[50]' },
      ],
    };

    const files = await write({ spec, sourceSql: `SELECT * FROM (${SOURCE}) WHERE meter_id < 3` });

    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const rows = await env.session.all<{ site: string | null; us: bigint; meter_id: bigint; kwh: string | null }>(
        `SELECT "site name" AS site, epoch_us(ts) AS us, meter_id, CAST(kwh AS VARCHAR) AS kwh FROM read_parquet(${sqlString(file.localPath)})`,
      );
      for (const row of rows) {
        expect({
          site: row.site,
          ts_month: parseTransform('month').bind('timestamptz').apply(row.us),
          ts_hour: parseTransform('hour').bind('timestamptz').apply(row.us),
          meter_bucket: parseTransform('bucket[4]').bind('long').apply(row.meter_id),
          kwh_trunc: parseTransform('truncate[50]').bind('decimal(12,3)').apply(toIcebergValue('decimal(12,3)', row.kwh)),
        }).toEqual(file.partition);
      }
    }
  });

  it('splits unpartitioned output at the target file size', async () => {
    const files = await write({ targetFileSizeBytes: 2_000, rowGroupSize: 200 });

    expect(files.length).toBeGreaterThan(1);
    expect(files.reduce((sum, file) => sum + file.recordCount, 0)).toBe(2001);
  });

  it('splits partitioned output at the target file size', async () => {
    // DuckDB cuts files at row-group boundaries and fills row groups from 2,048-row chunks: use enough rows.
    const sourceSql = `SELECT range::BIGINT AS meter_id, '2024-03-01 00:00:00+00'::TIMESTAMPTZ + to_seconds(range * 8) AS ts,
                              NULL AS local_ts, NULL AS quality, NULL AS kwh, NULL AS "site name", NULL AS tags FROM range(20000)`;

    const files = await write({ sourceSql, spec: byDay, targetFileSizeBytes: 20_000, rowGroupSize: 2048 });

    const perDay = new Map<unknown, number>();
    for (const file of files) perDay.set(file.partition.ts_day, (perDay.get(file.partition.ts_day) ?? 0) + 1);
    expect(perDay.get(19783)).toBeGreaterThan(1);
    expect(files.reduce((sum, file) => sum + file.recordCount, 0)).toBe(20000);
  });

  it('orders rows by sortBy within each file of a partitioned write', async () => {
    const files = await write({ spec: byDay, sortBy: ['meter_id', 'ts'] });

    for (const file of files) {
      const unordered = await env.session.scalar<bigint>(
        `SELECT count(*) FROM (SELECT meter_id, ts, lag(meter_id) OVER w AS prev_meter, lag(ts) OVER w AS prev_ts
           FROM read_parquet(${sqlString(file.localPath)}, file_row_number = true) WINDOW w AS (ORDER BY file_row_number))
          WHERE prev_meter IS NOT NULL AND (prev_meter, prev_ts) > (meter_id, ts)`,
      );
      expect(Number(unordered)).toBe(0);
    }
    expect(files).toHaveLength(6);
  });

  it('writes no file when the source has no rows', async () => {
    const files = await write({ sourceSql: `SELECT * FROM (${SOURCE}) WHERE false` });

    expect(files).toEqual([]);
    expect(await readdir(env.dir)).toEqual([]);
  });

  it('writes no file for a partitioned write of no rows', async () => {
    const files = await write({ spec: byDay, sourceSql: `SELECT * FROM (${SOURCE}) WHERE false` });

    expect(files).toEqual([]);
    expect(await readdir(env.dir)).toEqual([]);
  });
});
