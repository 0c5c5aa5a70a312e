import { tableFor } from '../../src/pipeline/lake-tables';
import type { LakePorts } from '../../src/pipeline/ports';
import { tagRefOptions } from '../../src/pipeline/maintenance/tag-policy';
import { METER_READINGS, type TableDefinition } from '../../src/pipeline/tables';
import { writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { sqlString } from '../../src/engine/duckdb-session';
import { DR_ENROLLMENTS, DR_EVENTS } from '../../src/pipeline/settlement/settlement-tables';

/** A reading as the settlement tests write it into meter_readings. */
export interface TestReading {
  meter_id: string;
  interval_start: string;
  interval_minutes: number;
  kwh: number;
  quality: 'actual' | 'estimated' | 'substituted';
  source: string;
  received_at?: string;
  source_file?: string;
  source_row?: number;
}

/** Rows of a TableDefinition from JS objects (a VALUES list, typed by the table's columns). */
export async function replaceRows(ports: LakePorts, table: TableDefinition, columns: Record<string, string>, rows: Record<string, unknown>[]) {
  const t = await tableFor(ports, table);
  const literal = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? sqlString(v) : String(v));
  const names = Object.keys(columns);
  const values = rows.map((r) => `(${names.map((n) => `CAST(${literal(r[n])} AS ${columns[n]})`).join(', ')})`).join(',\n');
  const select = rows.length ? `SELECT * FROM (VALUES ${values}) AS v(${names.join(', ')})` : `SELECT ${names.map((n) => `CAST(NULL AS ${columns[n]}) AS ${n}`).join(', ')} LIMIT 0`;
  const files = await writeRowsAsDataFiles(ports.session, ports.store, await t.metadata(), { sourceSql: `(${select})` });
  return t.commit({ operation: 'overwrite', addDataFiles: files, removeWhere: () => true });
}

const READING_COLUMNS = {
  meter_id: 'VARCHAR', interval_start: 'TIMESTAMPTZ', interval_minutes: 'INTEGER', kwh: 'DOUBLE', quality: 'VARCHAR', source: 'VARCHAR',
  source_file: 'VARCHAR', source_row: 'BIGINT', batch_id: 'VARCHAR', received_at: 'TIMESTAMPTZ', version_count: 'INTEGER', first_received_at: 'TIMESTAMPTZ',
};

/** Replace meter_readings by these readings (one overwrite snapshot) and tag it `tag`. */
export async function writeMeterReadings(ports: LakePorts, readings: TestReading[], tag: string) {
  const rows = readings.map((r, i) => ({
    ...r, source_file: r.source_file ?? 'f.csv', source_row: r.source_row ?? i + 1, batch_id: 'b',
    received_at: r.received_at ?? '2021-04-02T00:00:00Z', version_count: 1, first_received_at: r.received_at ?? '2021-04-02T00:00:00Z',
  }));
  const commit = await replaceRows(ports, METER_READINGS, READING_COLUMNS, rows);
  const table = await tableFor(ports, METER_READINGS);
  await table.setRef(tag, { ...tagRefOptions(tag), snapshotId: commit.snapshot['snapshot-id'] });
  return commit.snapshot['snapshot-id'];
}

/** A demand-response event as the tests write it into dr_events. */
export interface TestDrEvent {
  event_id: string;
  program: string;
  partner: string;
  event_day: string;
  start_hour: number;
  end_hour: number;
  price_per_kwh: string;
  floor_at_zero: boolean;
}

/** Replace dr_events and dr_enrollments (one overwrite snapshot each). */
export async function writeDrTables(ports: LakePorts, events: TestDrEvent[], enrollments: { program: string; meter_id: string }[]) {
  await replaceRows(ports, DR_EVENTS, {
    event_id: 'VARCHAR', program: 'VARCHAR', partner: 'VARCHAR', event_day: 'DATE', start_hour: 'INTEGER', end_hour: 'INTEGER',
    price_per_kwh: 'DECIMAL(18, 9)', floor_at_zero: 'BOOLEAN',
  }, events as unknown as Record<string, unknown>[]);
  await replaceRows(ports, DR_ENROLLMENTS, { program: 'VARCHAR', meter_id: 'VARCHAR' }, enrollments);
}
