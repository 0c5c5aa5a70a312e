import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sqlString } from '../../src/engine/duckdb-session';
import { writeDataFiles } from '../../src/engine/parquet-writer';
import type { PartitionSpec, Schema } from '../../src/iceberg/types';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'long' },
    { id: 2, name: 'received_at', required: true, type: 'timestamptz' },
  ],
};
const byDay: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'received_at_day', transform: 'day' }] };
const DAY_2024_01_04 = 19726;

/** `rows` rows received on 2024-01-04 at 06:00 UTC (as an ingested file has: one constant received_at). */
const oneDay = (rows: number) => `SELECT range AS meter_id, TIMESTAMPTZ '2024-01-04 06:00:00+00' AS received_at FROM range(${rows})`;

describe('writeDataFiles when every row falls in one partition', () => {
  const env = useDuckDbAndTempDir('parquet-writer-one-', { dirPerTest: true });

  it('writes one file with the partition value and every row', async () => {
    // Act
    const files = await writeDataFiles(env.session, { sourceSql: oneDay(1000), schema, spec: byDay, outputDir: env.dir });
    // Assert
    expect(files.map((f) => [f.partition, f.recordCount])).toEqual([[{ received_at_day: DAY_2024_01_04 }, 1000]]);
    expect(path.relative(env.dir, path.dirname(files[0].localPath))).toBe(`__ml_part_0=${DAY_2024_01_04}`);
  });

  it('stamps the field ids and writes no helper column', async () => {
    // Prepare
    const [file] = await writeDataFiles(env.session, { sourceSql: oneDay(10), schema, spec: byDay, outputDir: env.dir });
    // Act
    const columns = await env.session.all<{ name: string; field_id: number }>(
      `SELECT name, CAST(field_id AS INTEGER) AS field_id FROM parquet_schema(${sqlString(file.localPath)}) WHERE field_id IS NOT NULL ORDER BY field_id`,
    );
    // Assert
    expect(columns).toEqual([{ name: 'meter_id', field_id: 1 }, { name: 'received_at', field_id: 2 }]);
  });

  it('writes nothing for no rows', async () => {
    // Act
    const files = await writeDataFiles(env.session, { sourceSql: oneDay(0), schema, spec: byDay, outputDir: env.dir });
    // Assert
    expect(files).toEqual([]);
    expect(await readdir(env.dir)).toEqual([]);
  });

  it('still splits rows of two days into two partitions', async () => {
    // Prepare
    const twoDays = `${oneDay(5)} UNION ALL SELECT 7, TIMESTAMPTZ '2024-01-05 00:00:00+00'`;
    // Act
    const files = await writeDataFiles(env.session, { sourceSql: twoDays, schema, spec: byDay, outputDir: env.dir });
    // Assert
    expect(files.map((f) => [f.partition.received_at_day, f.recordCount]).sort()).toEqual([[DAY_2024_01_04, 5], [DAY_2024_01_04 + 1, 1]]);
  });

  it('with expectSinglePartition, writes the one partition into its folder', async () => {
    // Act
    const files = await writeDataFiles(env.session, { sourceSql: oneDay(500), schema, spec: byDay, outputDir: env.dir, expectSinglePartition: true });
    // Assert
    expect(files.map((f) => [f.partition, f.recordCount])).toEqual([[{ received_at_day: DAY_2024_01_04 }, 500]]);
    expect(path.relative(env.dir, path.dirname(files[0].localPath))).toBe(`__ml_part_0=${DAY_2024_01_04}`);
  });

  it('with expectSinglePartition, reads the source once (no pre-pass)', async () => {
    // Prepare: every read of a received_at value draws from a sequence, so the draws count the reads.
    await env.session.run('CREATE OR REPLACE SEQUENCE source_reads START 1');
    const counted = `SELECT range AS meter_id, TIMESTAMPTZ '2024-01-04 06:00:00+00' + to_microseconds(nextval('source_reads') % 1) AS received_at FROM range(500)`;
    // Act
    await writeDataFiles(env.session, { sourceSql: counted, schema, spec: byDay, outputDir: env.dir, expectSinglePartition: true });
    // Assert
    expect(Number(await env.session.scalar<bigint>(`SELECT currval('source_reads')`))).toBe(500);
  });

  it('with expectSinglePartition, falls back to partitioning when rows span two days', async () => {
    // Prepare
    const twoDays = `${oneDay(3)} UNION ALL SELECT 7 AS meter_id, TIMESTAMPTZ '2024-01-05 01:00:00+00' AS received_at`;
    // Act
    const files = await writeDataFiles(env.session, { sourceSql: twoDays, schema, spec: byDay, outputDir: env.dir, expectSinglePartition: true });
    // Assert
    expect(files.map((f) => [f.partition.received_at_day, f.recordCount]).sort()).toEqual([[DAY_2024_01_04, 3], [DAY_2024_01_04 + 1, 1]]);
  });
});
