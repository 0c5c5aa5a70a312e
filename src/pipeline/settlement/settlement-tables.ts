/** Tables of settlement and demand response. Field ids are stable forever. */
import { optionalField as f, type TableDefinition } from '../tables';

/** One row per settlement run: its month, tag, the pinned snapshot of every input and its outputs. */
export const SETTLEMENT_RUNS: TableDefinition = {
  name: 'settlement_runs',
  definition: {
    fields: [
      f(1, 'run_id', 'string', 'also the tag placed on every input table: settlement-YYYY-MM-rN'),
      f(2, 'month', 'string', 'YYYY-MM'),
      f(3, 'as_of', 'string', 'the daily tag the run settled from'),
      f(4, 'status', 'string', 'succeeded'),
      f(5, 'inputs', 'string', 'table@snapshot id, comma separated'),
      f(6, 'outputs', 'string', 'file:rows, comma separated'),
      f(7, 'manifest_key', 'string'),
      f(8, 'manifest_sha256', 'string'),
      f(9, 'settled_at', 'timestamptz'),
    ],
  },
};

/** Demand-response events: one row per event (reference drop, replaced whole). */
export const DR_EVENTS: TableDefinition = {
  name: 'dr_events',
  definition: {
    fields: [
      f(1, 'event_id', 'string'),
      f(2, 'program', 'string'),
      f(3, 'partner', 'string', 'the source whose meters the event settles'),
      f(4, 'event_day', 'date', 'local date in the partner\'s settlement time zone'),
      f(5, 'start_hour', 'int', 'first local hour of the event (0-23)'),
      f(6, 'end_hour', 'int', 'local hour the event ends (exclusive, 1-24)'),
      f(7, 'price_per_kwh', 'decimal(18,9)'),
      f(8, 'floor_at_zero', 'boolean', 'a negative reduction pays 0 instead of a charge'),
    ],
  },
};

/** Meters enrolled in a demand-response program. */
export const DR_ENROLLMENTS: TableDefinition = {
  name: 'dr_enrollments',
  definition: {
    fields: [f(1, 'program', 'string'), f(2, 'meter_id', 'string')],
  },
};
