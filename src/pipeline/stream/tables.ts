import type { NestedField } from '../../iceberg/types';
import { optionalField as f, type TableDefinition } from '../tables';

/** A non-null column (Iceberg `required`, Parquet REQUIRED). */
const required = (id: number, name: string, type: NestedField['type'], doc?: string): NestedField => ({ ...f(id, name, type, doc), required: true });

/** Every sensor measurement received, raw, every version kept: the ledger deltas are rebuilt from. */
export const DEVICE_MEASUREMENTS: TableDefinition = {
  name: 'device_measurements',
  definition: {
    fields: [
      f(1, 'device_id', 'int'),
      f(2, 'device_name', 'string'),
      f(3, 'time', 'timestamptz', 'when the sensor read its counter (UTC instant)'),
      f(4, 'cumulative_energy', 'double', 'the counter as sent'),
      f(5, 'topic', 'string'),
      f(6, 'partition', 'int'),
      f(7, 'offset', 'long'),
      f(8, 'received_at', 'timestamptz', 'the Kafka record timestamp'),
    ],
    partitionBy: [{ column: 'time', transform: 'day' }],
  },
};

/** The deltas, exactly the five columns of the sensors' Parquet schema (nothing else may be added here). */
export const DEVICE_ENERGY: TableDefinition = {
  name: 'device_energy',
  definition: {
    fields: [
      required(1, 'device_id', 'int'),
      required(2, 'device_name', 'string'),
      required(3, 'time', 'timestamptz'),
      f(4, 'duration', 'float', 'minutes since the device\'s previous reading; null for its first reading'),
      f(5, 'delta_energy', 'float', 'cumulative_energy minus the previous reading\'s; null for its first reading'),
    ],
    partitionBy: [{ column: 'time', transform: 'day' }],
  },
};

/** Measurements (or whole messages) that could not be read, with the reason. */
export const REJECTED_MEASUREMENTS: TableDefinition = {
  name: 'rejected_measurements',
  definition: {
    fields: [
      f(1, 'topic', 'string'),
      f(2, 'partition', 'int'),
      f(3, 'offset', 'long'),
      f(4, 'measurement_index', 'int', '0-based position in the message\'s measurements; null when the whole message is rejected'),
      f(5, 'raw', 'string', 'the measurement or message as received (base64: when it is not UTF-8)'),
      f(6, 'field', 'string'),
      f(7, 'value', 'string'),
      f(8, 'reason', 'string', 'stable reason code'),
      f(9, 'message', 'string', 'what was wrong and what was expected'),
      f(10, 'batch_id', 'string'),
      f(11, 'received_at', 'timestamptz'),
    ],
    partitionBy: [{ column: 'received_at', transform: 'day' }],
  },
};

/**
 * What the stream noticed per reading beyond its delta: late and duplicate readings (whose days
 * the daily repair recomputes) and counter resets. device_energy keeps its five columns.
 */
export const DEVICE_STREAM_EVENTS: TableDefinition = {
  name: 'device_stream_events',
  definition: {
    fields: [
      f(1, 'device_id', 'int'),
      f(2, 'time', 'timestamptz', 'the reading the event is about'),
      f(3, 'kind', 'string', 'late | duplicate | counter_reset'),
      f(4, 'cumulative_energy', 'double'),
      f(5, 'state_time', 'timestamptz', 'the device state at the time: its latest reading'),
      f(6, 'state_cumulative_energy', 'double'),
      f(7, 'topic', 'string'),
      f(8, 'partition', 'int'),
      f(9, 'offset', 'long'),
      f(10, 'batch_id', 'string'),
      f(11, 'received_at', 'timestamptz'),
    ],
    partitionBy: [{ column: 'time', transform: 'day' }],
  },
};

/** The sensor stream's tables (created on deploy beside the ingest tables). */
export const STREAM_TABLES: readonly TableDefinition[] = [DEVICE_MEASUREMENTS, DEVICE_ENERGY, REJECTED_MEASUREMENTS, DEVICE_STREAM_EVENTS];
