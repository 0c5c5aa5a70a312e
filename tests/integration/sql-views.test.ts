import * as path from 'node:path';
import type { DuckDbQueryEngine } from '../../src/engine/duckdb-query-engine';
import type { DuckDbSession } from '../../src/engine/duckdb-session';
import { listSqlFiles, parseSqlTemplate, SQL_VIEWS_DIR } from '../../src/engine/sql-template';
import { comparableRows, expectedRows, openOctopusGoldEngine } from '../fixtures/octopus-gold/load-fixture';

// Every view in sql/views runs on DuckDB over the octopus-gold fixture (through the engine, which
// inlines views the view reads) and must return the rows in expected/<view>.json.
const DATE_COLUMNS = ['local_date', 'day'];

/** The columns compared for each view (wide views: the ones that carry its logic). */
const COMPARED_COLUMNS: Record<string, string[]> = {
  readings_bucketed: ['meter_id', 'interval_start', 'half_hour_start', 'local_date'],
  readings_enriched: ['meter_id', 'interval_start', 'local_date', 'region', 'agreement_id', 'product_display_name', 'product_is_variable'],
  usage_hourly: ['meter_id', 'hour', 'kwh', 'readings'],
  usage_daily: ['meter_id', 'day', 'kwh', 'readings'],
  device_energy_hourly: ['device_id', 'hour', 'energy', 'deltas', 'readings'],
};

let session: DuckDbSession;
let engine: DuckDbQueryEngine;

beforeAll(async () => {
  ({ session, engine } = await openOctopusGoldEngine());
});

afterAll(() => session.close());

const viewNames = listSqlFiles(SQL_VIEWS_DIR).map((f) => path.basename(f, '.sql'));

it('has an expected result for every view in sql/views', () => {
  expect(viewNames.filter((name) => !COMPARED_COLUMNS[name])).toEqual([]);
});

it.each(viewNames)('%s returns the expected rows', async (name) => {
  const columns = COMPARED_COLUMNS[name];
  const select = parseSqlTemplate(`SELECT ${columns.join(', ')} FROM {{${name}}} ORDER BY ${columns.map((_, i) => i + 1).join(', ')}`, `select-${name}`);

  const rows = await engine.query(select);

  expect(comparableRows(rows, DATE_COLUMNS)).toEqual(expectedRows(name));
});
