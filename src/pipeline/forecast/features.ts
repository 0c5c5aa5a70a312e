/**
 * features_hourly: load per forecast group (fleet, region, product) and UTC hour, as known at a
 * time T — built only from the reading versions received at or before T (the --known-at
 * machinery) and the reference drops that had arrived by T, so a training set never sees a
 * correction or a region change that arrived later.
 */
import * as path from 'node:path';
import { sqlIdent, scratchName } from '../../engine/duckdb-session';
import { createEmptyView } from '../../engine/snapshot-view';
import { expandViews, loadSqlTemplate, loadSqlTemplates, renderSql, SQL_ROOT } from '../../engine/sql-template';
import { currentSchema } from '../../iceberg/table-metadata';
import type { Snapshot } from '../../iceberg/types';
import { registerKnownAtView } from '../known-at';
import { tableFor } from '../lake-tables';
import type { LakePorts } from '../ports';
import { REFERENCE_TABLES, referenceSnapshotAt } from '../reference';
import { writeRowsAsDataFiles, registerTableView } from '../table-files';
import { optionalField as f, type TableDefinition } from '../tables';
import { englandBankHolidays, HOUR_MS, localHourOf, type HolidayCalendar } from './calendar';

/** The forecast's SQL: features and the seasonal-naive reference. */
export const SQL_FORECAST_DIR = path.join(SQL_ROOT, 'forecast');
/** features_hourly summary property: the known-at time (ISO) its rows were built as of. */
export const KNOWN_AT_PROPERTY = 'meterlake.known-at';

/** Group kinds of the forecast, in the order they are written. */
export const GROUP_KINDS = ['fleet', 'product', 'region'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

export const FEATURES_HOURLY: TableDefinition = {
  name: 'features_hourly',
  definition: {
    fields: [
      f(1, 'group_kind', 'string', 'fleet | region | product'),
      f(2, 'group_value', 'string', 'the region or product id; "all" for the fleet'),
      f(3, 'hour', 'timestamptz', 'UTC hour start'),
      f(4, 'local_date', 'date', 'Europe/London date of the hour'),
      f(5, 'local_hour', 'int', 'Europe/London wall-clock hour 0-23'),
      f(6, 'local_dow', 'int', 'ISO weekday of the local date, 1 = Monday'),
      f(7, 'is_holiday', 'boolean', 'the local date is an England & Wales bank holiday'),
      f(8, 'load_kwh', 'double', 'energy of the group in the hour'),
      f(9, 'meters', 'int', 'meters with a reading in the hour'),
      f(10, 'estimated_share', 'double', 'share of the readings whose latest known version is estimated or substituted'),
      f(11, 'readings', 'long'),
      f(12, 'known_at', 'timestamptz', 'only versions received at or before this time were read'),
    ],
    partitionBy: [{ column: 'hour', transform: 'day' }],
  },
};

/** One row of features_hourly. */
export interface FeatureRow {
  groupKind: GroupKind;
  groupValue: string;
  hourMs: number;
  loadKwh: number;
  meters: number;
}

/** Features built in the session: the temp table holding them, and the rows the model reads. */
export interface BuiltFeatures {
  knownAtMs: number;
  /** A TEMP table with features_hourly's columns; drop it with dropFeatures. */
  table: string;
  rows: FeatureRow[];
}

export interface FeatureOptions {
  holidays?: HolidayCalendar;
}

/** DuckDB SQL literal of an instant. */
const timestamptzLiteral = (ms: number) => `make_timestamptz(${Math.round(ms * 1000)}::BIGINT)`;

/**
 * Build features_hourly as known at `knownAtMs` in the session (not yet written to the lake):
 * meter_readings rebuilt from readings_history as known then, each reference table at the latest
 * drop received by then (empty before the first), grouped by the SQL of sql/forecast.
 */
export async function buildFeaturesHourly(ports: LakePorts, knownAtMs: number, opts: FeatureOptions = {}): Promise<BuiltFeatures> {
  const { session } = ports;
  const holidays = opts.holidays ?? englandBankHolidays();
  const slots = new Map<string, string>();
  const dropAfter: string[] = [];
  try {
    const readings = scratchName('known_readings');
    await registerKnownAtView(ports, readings, knownAtMs, { versionStats: false });
    slots.set('meter_readings', readings);
    dropAfter.push(`DROP VIEW IF EXISTS ${sqlIdent(readings)}`);
    for (const definition of Object.values(REFERENCE_TABLES)) {
      const table = await tableFor(ports, definition);
      const metadata = await table.metadata();
      const view = scratchName(`known_${definition.name}`);
      const snapshotId = referenceSnapshotAt(metadata, knownAtMs);
      if (snapshotId === undefined) await createEmptyView(session, view, currentSchema(metadata));
      else await registerTableView(session, ports.store, table, view, { snapshot: { snapshotId } });
      slots.set(definition.name, view);
      dropAfter.push(`DROP VIEW IF EXISTS ${sqlIdent(view)}`);
    }
    const calendar = scratchName('forecast_calendar');
    await createCalendarTable(ports, calendar, readings, holidays);
    slots.set('forecast_calendar', calendar);
    dropAfter.push(`DROP TABLE IF EXISTS ${sqlIdent(calendar)}`);

    const template = expandViews(loadSqlTemplate(path.join(SQL_FORECAST_DIR, 'features_hourly.sql')), loadSqlTemplates());
    const rendered = renderSql(template, { table: (slot) => {
      const name = slots.get(slot);
      if (!name) throw new Error(`features_hourly.sql reads ${slot}, which the feature build does not provide`);
      return sqlIdent(name);
    } });
    const table = scratchName('features_hourly');
    await session.run(`CREATE TEMP TABLE ${sqlIdent(table)} AS SELECT *, ${timestamptzLiteral(knownAtMs)} AS known_at FROM (${rendered.sql})`);
    const rows = (await session.all<{ group_kind: GroupKind; group_value: string; hour_us: bigint; load_kwh: number; meters: number }>(
      `SELECT group_kind, group_value, epoch_us("hour") AS hour_us, load_kwh, meters FROM ${sqlIdent(table)} ORDER BY group_kind, group_value, "hour"`,
    )).map((r) => ({ groupKind: r.group_kind, groupValue: r.group_value, hourMs: Number(r.hour_us / 1000n), loadKwh: r.load_kwh, meters: r.meters }));
    return { knownAtMs, table, rows };
  } finally {
    for (const statement of dropAfter.reverse()) await session.run(statement);
  }
}

/** Drop the session's temp table of built features. */
export async function dropFeatures(ports: LakePorts, features: BuiltFeatures): Promise<void> {
  await ports.session.run(`DROP TABLE IF EXISTS ${sqlIdent(features.table)}`);
}

/** One row per UTC hour the readings span: its local date, hour, weekday and holiday flag (from calendar.ts, the model's own). */
async function createCalendarTable(ports: LakePorts, name: string, readings: string, holidays: HolidayCalendar): Promise<void> {
  const [span] = await ports.session.all<{ first_us: bigint | null; last_us: bigint | null }>(
    `SELECT epoch_us(min(date_trunc('hour', interval_start))) AS first_us, epoch_us(max(date_trunc('hour', interval_start))) AS last_us FROM ${sqlIdent(readings)}`,
  );
  await ports.session.run(`CREATE TEMP TABLE ${sqlIdent(name)} ("hour" TIMESTAMPTZ, local_date DATE, local_hour INTEGER, local_dow INTEGER, is_holiday BOOLEAN)`);
  if (span.first_us === null || span.last_us === null) return;
  const values: string[] = [];
  const flush = async () => {
    if (values.length) await ports.session.run(`INSERT INTO ${sqlIdent(name)} VALUES ${values.join(',')}`);
    values.length = 0;
  };
  for (let hourMs = Number(span.first_us / 1000n); hourMs <= Number(span.last_us / 1000n); hourMs += HOUR_MS) {
    const local = localHourOf(hourMs, holidays);
    values.push(`(${timestamptzLiteral(hourMs)}, DATE '${local.localDate}', ${local.localHour}, ${local.localDow}, ${local.isHoliday})`);
    if (values.length >= 2000) await flush();
  }
  await flush();
}

/**
 * Replace features_hourly's contents with built features in one overwrite snapshot that records
 * their known-at time; returns the snapshot.
 */
export async function writeFeaturesHourly(ports: LakePorts, features: BuiltFeatures, summary: Record<string, string> = {}): Promise<Snapshot> {
  const table = await tableFor(ports, FEATURES_HOURLY);
  const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), {
    sourceSql: `SELECT * FROM ${sqlIdent(features.table)}`, sortBy: ['group_kind', 'group_value', 'hour'],
  });
  const commit = await table.commit({
    operation: 'overwrite', addDataFiles: files, removeWhere: () => true,
    summary: { ...summary, [KNOWN_AT_PROPERTY]: new Date(features.knownAtMs).toISOString() },
  });
  return commit.snapshot;
}
