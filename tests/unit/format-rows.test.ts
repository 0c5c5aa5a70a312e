import { formatRows } from '../../src/local/format-rows';

const day = new Date(Date.UTC(2021, 1, 20));

test('a DATE column prints as a date, a TIMESTAMP as an instant', () => {
  expect(formatRows([{ d: day, ts: day }], 'csv', ['d', 'ts'], { d: 'DATE', ts: 'TIMESTAMP' })).toBe('d,ts\n2021-02-20,2021-02-20T00:00:00.000Z');
});

test('an interval prints as DuckDB prints it', () => {
  const rows = [{ a: { months: 14, days: 3, micros: 5_400_500_000n }, b: { months: 0, days: 0, micros: 0n } }];
  expect(formatRows(rows, 'csv', ['a', 'b'])).toBe('a,b\n1 year 2 months 3 days 01:30:00.5,00:00:00');
});

test('JSON output carries lists and structs of bigints as numbers', () => {
  expect(JSON.parse(formatRows([{ l: [1n, 2n], s: { a: 3n } }], 'json'))).toEqual([{ l: [1, 2], s: { a: 3 } }]);
});
