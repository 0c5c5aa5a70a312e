/**
 * The data files of one stream batch. device_energy files are written with hyparquet-writer,
 * because its five columns must carry the exact Parquet repetition (REQUIRED for device_id,
 * device_name, time) and DuckDB writes every column OPTIONAL; the other tables go through the
 * product's DuckDB writer.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { SchemaElement } from 'hyparquet';
import { scratchName, sqlIdent, sqlString } from '../../engine/duckdb-session';
import { dataFileMetrics } from '../../engine/parquet-metrics';
import { currentSchema } from '../../iceberg/table-metadata';
import type { DataFile, TableMetadata } from '../../iceberg/types';
import type { LakePorts } from '../ports';
import { writeIntoDataFolder, writeRowsAsDataFiles } from '../table-files';
import type { EnergyDelta, StreamEvent } from './deltas';
import type { Measurement, RejectedMeasurement } from './measurements';

const MS_PER_DAY = 86_400_000;

/** The Parquet schema of device_energy data files, field ids from the table's schema. */
function energyParquetSchema(table: TableMetadata): SchemaElement[] {
  const id = (name: string) => {
    const field = currentSchema(table).fields.find((f) => f.name === name);
    if (!field) throw new Error(`device_energy has no column ${name}`);
    return field.id;
  };
  return [
    { name: 'schema', num_children: 5 },
    { name: 'device_id', type: 'INT32', repetition_type: 'REQUIRED', field_id: id('device_id') },
    { name: 'device_name', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED', field_id: id('device_name') },
    {
      name: 'time', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      repetition_type: 'REQUIRED', field_id: id('time'),
    },
    { name: 'duration', type: 'FLOAT', repetition_type: 'OPTIONAL', field_id: id('duration') },
    { name: 'delta_energy', type: 'FLOAT', repetition_type: 'OPTIONAL', field_id: id('delta_energy') },
  ];
}

const dayText = (day: number) => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** device_energy data files for `deltas`: one per day partition, rows in (device, time) order. */
export async function writeEnergyFiles(ports: LakePorts, table: TableMetadata, deltas: readonly EnergyDelta[]): Promise<DataFile[]> {
  if (!deltas.length) return [];
  const byDay = new Map<number, EnergyDelta[]>();
  for (const d of deltas) {
    const day = Math.floor(d.timeMs / MS_PER_DAY);
    const list = byDay.get(day);
    if (list) list.push(d);
    else byDay.set(day, [d]);
  }
  const schema = energyParquetSchema(table);
  // hyparquet-writer is ESM only: a dynamic import loads it from CommonJS (tsx, Node) as well as from the bundles.
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  return writeIntoDataFolder(ports.store, table, async (outputDir, uriOf) => {
    const written = [];
    for (const [day, rows] of byDay) {
      rows.sort((a, b) => a.deviceId - b.deviceId || a.timeMs - b.timeMs);
      const buffer = parquetWriteBuffer({
        schema,
        columnData: [
          { name: 'device_id', data: Int32Array.from(rows, (r) => r.deviceId) },
          { name: 'device_name', data: rows.map((r) => r.deviceName) },
          // Microseconds as int64 (the writer's Date conversion has no statistics for them).
          { name: 'time', data: BigInt64Array.from(rows, (r) => BigInt(r.timeMs) * 1000n) },
          { name: 'duration', data: rows.map((r) => r.duration) },
          { name: 'delta_energy', data: rows.map((r) => r.deltaEnergy) },
        ],
      });
      const folder = path.join(outputDir, `time_day=${dayText(day)}`);
      await mkdir(folder, { recursive: true });
      const localPath = path.join(folder, `${randomUUID()}.parquet`);
      await writeFile(localPath, new Uint8Array(buffer));
      const dataFile = await dataFileMetrics(ports.session, localPath, currentSchema(table), { filePath: uriOf(localPath), partition: { time_day: day } });
      written.push({ localPath, dataFile });
    }
    return written;
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Rows (plain objects keyed by column) → data files of `table` through DuckDB: the rows go to a
 * newline-delimited JSON scratch file that DuckDB reads with the table's exact column types.
 */
function writeJsonRows(ports: LakePorts, table: TableMetadata, columns: Record<string, string>, rows: readonly object[]): Promise<DataFile[]> {
  return writeJsonLines(ports, table, columns, rows.map((r) => JSON.stringify(r)), '*');
}

/** JSON lines → data files of `table`: DuckDB reads them with `columns`, and `select` makes the table's columns of them. */
async function writeJsonLines(ports: LakePorts, table: TableMetadata, columns: Record<string, string>, lines: readonly string[], select: string): Promise<DataFile[]> {
  if (!lines.length) return [];
  const file = path.join(ports.tempDir, `${scratchName('stream_rows')}.ndjson`);
  await writeFile(file, lines.join('\n'));
  const scratch = scratchName('stream_rows');
  const columnTypes = Object.entries(columns).map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ');
  try {
    await ports.session.run(`CREATE TEMP TABLE ${sqlIdent(scratch)} AS SELECT ${select} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columnTypes}})`);
    return await writeRowsAsDataFiles(ports.session, ports.store, table, { sourceSql: sqlIdent(scratch) });
  } finally {
    await ports.session.run(`DROP TABLE IF EXISTS ${sqlIdent(scratch)}`);
    await rm(file, { force: true });
  }
}

/** device_measurements data files: every measurement received, as sent. */
export function writeMeasurementFiles(ports: LakePorts, table: TableMetadata, measurements: readonly Measurement[]): Promise<DataFile[]> {
  // The hot path of a large batch: each row written as JSON text directly (JSON.stringify of whole objects costs twice as much).
  const lines = measurements.map((m) => `{"device_id":${m.deviceId},"device_name":${JSON.stringify(m.deviceName)},"time":${m.timeMs},` +
    `"cumulative_energy":${m.cumulativeEnergy},"topic":${JSON.stringify(m.origin.topic)},"partition":${m.origin.partition},"offset":${m.origin.offset},"received_at":${m.origin.receivedAtMs}}`);
  return writeJsonLines(ports, table, {
    device_id: 'INTEGER', device_name: 'VARCHAR', time: 'BIGINT', cumulative_energy: 'DOUBLE',
    topic: 'VARCHAR', partition: 'INTEGER', offset: 'BIGINT', received_at: 'BIGINT',
  }, lines, 'device_id, device_name, make_timestamptz(time * 1000) AS time, cumulative_energy, topic, "partition", "offset", make_timestamptz(received_at * 1000) AS received_at');
}

/** device_stream_events data files. */
export function writeEventFiles(ports: LakePorts, table: TableMetadata, events: readonly StreamEvent[], batchId: string): Promise<DataFile[]> {
  return writeJsonRows(ports, table, {
    device_id: 'INTEGER', time: 'TIMESTAMPTZ', kind: 'VARCHAR', cumulative_energy: 'DOUBLE', state_time: 'TIMESTAMPTZ',
    state_cumulative_energy: 'DOUBLE', topic: 'VARCHAR', partition: 'INTEGER', offset: 'BIGINT', batch_id: 'VARCHAR', received_at: 'TIMESTAMPTZ',
  }, events.map((e) => ({
    device_id: e.measurement.deviceId, time: iso(e.measurement.timeMs), kind: e.kind, cumulative_energy: e.measurement.cumulativeEnergy,
    state_time: e.stateTimeMs === null ? null : iso(e.stateTimeMs), state_cumulative_energy: e.stateCumulativeEnergy,
    topic: e.measurement.origin.topic, partition: e.measurement.origin.partition, offset: e.measurement.origin.offset,
    batch_id: batchId, received_at: iso(e.measurement.origin.receivedAtMs),
  })));
}

/** rejected_measurements data files. */
export function writeRejectedFiles(ports: LakePorts, table: TableMetadata, rejects: readonly RejectedMeasurement[], batchId: string): Promise<DataFile[]> {
  return writeJsonRows(ports, table, {
    topic: 'VARCHAR', partition: 'INTEGER', offset: 'BIGINT', measurement_index: 'INTEGER', raw: 'VARCHAR', field: 'VARCHAR',
    value: 'VARCHAR', reason: 'VARCHAR', message: 'VARCHAR', batch_id: 'VARCHAR', received_at: 'TIMESTAMPTZ',
  }, rejects.map((r) => ({
    topic: r.origin.topic, partition: r.origin.partition, offset: r.origin.offset, measurement_index: r.index, raw: r.raw,
    field: r.field, value: r.value, reason: r.reason, message: r.message, batch_id: batchId, received_at: iso(r.origin.receivedAtMs),
  })));
}
