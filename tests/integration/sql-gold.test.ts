import * as path from 'node:path';
import type { DuckDbQueryEngine } from '../../src/engine/duckdb-query-engine';
import type { DuckDbSession } from '../../src/engine/duckdb-session';
import { listSqlFiles, loadSqlTemplate, SQL_GOLD_DIR } from '../../src/engine/sql-template';
import { comparableRows, expectedRows, openOctopusGoldEngine } from '../fixtures/octopus-gold/load-fixture';

// Golden tests: every gold SQL file runs on DuckDB over the octopus-gold fixture and must return
// exactly the rows in tests/fixtures/octopus-gold/expected/<name>.json (in order: each has ORDER BY).
const DATE_COLUMNS = ['date'];
const DEFAULT_AS_OF = '2021-01-01';

let session: DuckDbSession;
let engine: DuckDbQueryEngine;

beforeAll(async () => {
  ({ session, engine } = await openOctopusGoldEngine());
});

afterAll(() => session.close());

const goldFiles = listSqlFiles(SQL_GOLD_DIR);

it('finds the four gold tables', () => {
  expect(goldFiles.map((f) => path.basename(f, '.sql'))).toEqual(expect.arrayContaining([
    'gold_active_agreements', 'gold_halfhour_consumption', 'gold_product_daily_consumption', 'gold_halfhour_product_average',
  ]));
});

it.each(goldFiles.map((file) => [path.basename(file, '.sql'), file]))('%s returns the expected rows', async (name, file) => {
  const rows = await engine.query(loadSqlTemplate(file), { params: { as_of_date: DEFAULT_AS_OF } });

  expect(comparableRows(rows, DATE_COLUMNS)).toEqual(expectedRows(name));
});

it('gold_active_agreements follows the as-of date (bounds strict: an agreement starting on it is not yet active)', async () => {
  const template = loadSqlTemplate(path.join(SQL_GOLD_DIR, 'gold_active_agreements.sql'));

  const rows = await engine.query(template, { params: { as_of_date: new Date('2021-04-01T00:00:00Z') } });

  expect(comparableRows(rows)).toEqual(expectedRows('gold_active_agreements.as-of-2021-04-01'));
});

it('each gold table has exactly the columns the analytics issue names', async () => {
  const columns: Record<string, string[]> = {
    gold_active_agreements: ['agreement_id', 'meterpoint_id', 'product_display_name', 'product_is_variable'],
    gold_halfhour_consumption: ['interval_start', 'meterpoint_count', 'kwh_total'],
    gold_product_daily_consumption: ['product_display_name', 'date', 'meterpoint_count', 'kwh_total'],
    gold_halfhour_product_average: ['interval_start', 'product_display_name', 'meterpoint_count', 'kwh_avg'],
  };

  for (const [name, expected] of Object.entries(columns)) {
    const [first] = await engine.query(loadSqlTemplate(path.join(SQL_GOLD_DIR, `${name}.sql`)), { params: { as_of_date: DEFAULT_AS_OF } });
    expect([name, Object.keys(first)]).toEqual([name, expected]);
  }
});
