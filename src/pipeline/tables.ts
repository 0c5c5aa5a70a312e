import type { NewTableOptions } from '../iceberg/table-metadata';
import type { NestedField } from '../iceberg/types';

/** A table the pipeline owns: its name and definition. Field ids are stable forever. */
export interface TableDefinition {
  name: string;
  definition: Omit<NewTableOptions, 'location' | 'nowMs'>;
}

/** A nullable column of a pipeline table. */
export const optionalField = (id: number, name: string, type: NestedField['type'], doc?: string): NestedField => ({
  id, name, required: false, type, ...(doc ? { doc } : {}),
});
const f = optionalField;

/** Every version of every reading ever received (append-only ledger). */
export const READINGS_HISTORY: TableDefinition = {
  name: 'readings_history',
  definition: {
    fields: [
      f(1, 'meter_id', 'string'),
      f(2, 'interval_start', 'timestamptz', 'start of the metering interval (UTC instant)'),
      f(3, 'interval_minutes', 'int'),
      f(4, 'kwh', 'double'),
      f(5, 'quality', 'string', 'actual | estimated | substituted'),
      f(6, 'source', 'string'),
      f(7, 'source_file', 'string', 'landing key of the file the version came in'),
      f(8, 'source_row', 'long', '1-based data row in that file'),
      f(9, 'batch_id', 'string'),
      f(10, 'received_at', 'timestamptz', 'arrival time of the landing object'),
    ],
    partitionBy: [{ column: 'received_at', transform: 'day' }],
  },
};

/** Input rows that failed validation, with the reason. */
export const REJECTED_READINGS: TableDefinition = {
  name: 'rejected_readings',
  definition: {
    fields: [
      f(1, 'source', 'string'),
      f(2, 'source_file', 'string'),
      f(3, 'source_row', 'long'),
      f(4, 'raw', 'string', 'the raw record as received'),
      f(5, 'field', 'string'),
      f(6, 'value', 'string'),
      f(7, 'reason', 'string', 'stable reason code'),
      f(8, 'message', 'string', 'what was wrong and what was expected'),
      f(9, 'batch_id', 'string'),
      f(10, 'received_at', 'timestamptz'),
    ],
    partitionBy: [{ column: 'received_at', transform: 'day' }],
  },
};

/** One row per landing object processed: what became of it. */
export const INGEST_LOG: TableDefinition = {
  name: 'ingest_log',
  definition: {
    fields: [
      f(1, 'batch_id', 'string'),
      f(2, 'source', 'string'),
      f(3, 'object_key', 'string'),
      f(4, 'status', 'string', 'ingested | quarantined | skipped'),
      f(5, 'rows_in', 'long'),
      f(6, 'rows_accepted', 'long'),
      f(7, 'rows_rejected', 'long'),
      f(8, 'reason', 'string', 'why a file was quarantined or skipped'),
      f(9, 'quarantine_key', 'string'),
      f(10, 'received_at', 'timestamptz'),
      f(11, 'committed_at', 'timestamptz'),
    ],
  },
};

/** Columns of readings_history, in table order. */
export const READING_FIELDS = READINGS_HISTORY.definition.fields.map((x) => x.name);

/** One row per (meter_id, interval_start): the latest version received, rebuilt by the daily run. */
export const METER_READINGS: TableDefinition = {
  name: 'meter_readings',
  definition: {
    fields: [
      ...READINGS_HISTORY.definition.fields,
      f(11, 'version_count', 'int', 'versions received for this reading so far'),
      f(12, 'first_received_at', 'timestamptz', 'arrival of the first version'),
    ],
    partitionBy: [{ column: 'interval_start', transform: 'day' }],
    sortBy: [{ column: 'meter_id' }, { column: 'interval_start' }],
  },
};

/** One row per daily run: what it consumed and what it changed. */
export const SNAPSHOT_LOG: TableDefinition = {
  name: 'snapshot_log',
  definition: {
    fields: [
      f(1, 'run_id', 'string'),
      f(2, 'tag', 'string'),
      f(3, 'meter_readings_snapshot_id', 'long'),
      f(4, 'history_snapshot_id', 'long', 'readings_history snapshot consumed up to'),
      f(5, 'previous_history_snapshot_id', 'long', 'readings_history snapshot the previous run consumed'),
      f(6, 'history_files', 'int', 'history data files read'),
      f(7, 'new_versions', 'long'),
      f(8, 'days_changed', 'int'),
      f(9, 'days', 'string', 'the interval days rewritten, comma separated'),
      f(10, 'rows_written', 'long'),
      f(11, 'files_added', 'int'),
      f(12, 'files_removed', 'int'),
      f(13, 'duration_ms', 'long'),
      f(14, 'run_at', 'timestamptz'),
    ],
  },
};

/** Per source and interval day: completeness and quality of the latest snapshot. */
export const DATA_QUALITY: TableDefinition = {
  name: 'data_quality',
  definition: {
    fields: [
      f(1, 'source', 'string'),
      f(2, 'day', 'date', 'interval day (UTC)'),
      f(3, 'meters', 'int', 'meters with at least one reading that day'),
      f(4, 'expected_intervals', 'long', 'meters × intervals per day at each meter\'s interval length'),
      f(5, 'received_intervals', 'long'),
      f(6, 'missing_intervals', 'long'),
      f(7, 'estimated_share', 'double', 'share of intervals whose latest version is estimated or substituted'),
      f(8, 'corrections', 'long', 'versions received beyond the first'),
      f(9, 'tag', 'string', 'daily run that computed the row'),
      f(10, 'duplicate_rows', 'long', 'rows of a file identical (meter, interval, minutes, kWh, quality) to an earlier row of the same file'),
    ],
    partitionBy: [{ column: 'day', transform: 'identity' }],
  },
};
