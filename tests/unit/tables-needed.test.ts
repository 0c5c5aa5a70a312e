import { neededBy } from '../../src/local/tables-view';

const TABLES = ['readings_history', 'meter_readings', 'agreement', 'product', 'meterpoint', 'ingest_log'];
const needed = (sql: string) => {
  const n = neededBy(sql, TABLES);
  return { tables: [...n.tables].sort(), liveView: n.liveView, sqlViews: n.sqlViews };
};

test('a statement naming no table needs none', () => {
  expect(needed('SELECT 1')).toEqual({ tables: [], liveView: false, sqlViews: false });
});

test('tables are matched as whole words, in any case', () => {
  expect(needed('SELECT count(*) FROM Readings_History JOIN ingest_log_x ON true').tables).toEqual(['readings_history']);
});

test('the live view needs the snapshot and the history', () => {
  expect(needed('SELECT * FROM meter_readings_live')).toEqual({ tables: ['meter_readings', 'readings_history'], liveView: true, sqlViews: false });
});

test('naming one SQL view needs the tables of all of them', () => {
  const n = needed('SELECT * FROM usage_daily');
  expect([n.sqlViews, ['meter_readings', 'agreement', 'product', 'meterpoint'].every((t) => n.tables.includes(t))]).toEqual([true, true]);
});
