import { DuckDbSession } from '../../src/engine/duckdb-session';
import { DuckDbQueryEngine, type ResolveDuckDbSlot } from '../../src/engine/duckdb-query-engine';
import { VersionedViewError, type TableVersion } from '../../src/engine/query-engine';
import { parseSqlTemplate, type SqlTemplate } from '../../src/engine/sql-template';

// Two "snapshots" of one table as two DuckDB tables; the resolver picks one by version, the way
// the lead's resolver registers a view over a snapshot's files.
let session: DuckDbSession;

beforeAll(async () => {
  session = await DuckDbSession.create({ threads: 1 });
  await session.run(`
    CREATE TABLE readings_v1 AS SELECT * FROM (VALUES ('m1', 1.0), ('m2', 2.0)) t(meter_id, kwh);
    CREATE TABLE readings_v2 AS SELECT * FROM (VALUES ('m1', 1.0), ('m2', 2.0), ('m3', 4.0)) t(meter_id, kwh);
    CREATE TABLE days AS SELECT * FROM (VALUES (DATE '2021-01-01', 'a'), (DATE '2021-03-28', 'b')) t(d, label);
  `);
});

afterAll(() => session.close());

const views = new Map<string, SqlTemplate>([
  ['total_view', parseSqlTemplate('SELECT sum(kwh) AS kwh FROM {{readings}}', 'total_view')],
  ['wrapped_view', parseSqlTemplate('SELECT kwh * 2 AS kwh FROM {{total_view}}', 'wrapped_view')],
]);

function engineWith(calls: [string, TableVersion | undefined][] = []): DuckDbQueryEngine {
  const resolveSlot: ResolveDuckDbSlot = async (slot, version) => {
    calls.push([slot, version]);
    if (slot === 'readings') return version === 1n ? 'readings_v1' : 'readings_v2';
    return slot;
  };
  return new DuckDbQueryEngine({ session, resolveSlot, views });
}

it('reads each slot at the version asked for, and the current one otherwise', async () => {
  const calls: [string, TableVersion | undefined][] = [];
  const template = parseSqlTemplate('SELECT count(*) AS n FROM {{readings}}', 'count');

  const pinned = await engineWith(calls).query(template, { versions: { readings: 1n } });
  const current = await engineWith(calls).query(template);

  expect([pinned, current]).toEqual([[{ n: 2n }], [{ n: 3n }]]);
  expect(calls).toEqual([['readings', 1n], ['readings', undefined]]);
});

it('inlines views, nested ones too, so they read the tables at the pinned versions', async () => {
  const template = parseSqlTemplate('SELECT kwh FROM {{wrapped_view}}', 'through-views');

  const rows = await engineWith().query(template, { versions: { readings: 1n } });

  expect(rows).toEqual([{ kwh: 6 }]);
});

it('binds parameters as their declared type, from strings or Dates', async () => {
  const template = parseSqlTemplate('-- @param from_day DATE\nSELECT label FROM {{days}} WHERE d >= :from_day ORDER BY d', 'days-from');

  const fromString = await engineWith().query(template, { params: { from_day: '2021-02-01' } });
  const fromDate = await engineWith().query(template, { params: { from_day: new Date('2021-01-01T00:00:00Z') } });

  expect([fromString, fromDate]).toEqual([[{ label: 'b' }], [{ label: 'a' }, { label: 'b' }]]);
});

it('refuses a version for a view', async () => {
  const template = parseSqlTemplate('SELECT kwh FROM {{total_view}}', 'view');

  await expect(engineWith().query(template, { versions: { total_view: 1n } })).rejects.toThrow(VersionedViewError);
});
