/**
 * The dashboard API against a real lake (DuckDB over our Iceberg tables): series equal sums computed
 * independently with SQL over meter_readings; as_of a tag equals time travel; live series include
 * versions committed after the snapshot; every bad parameter is a 400 naming it; SQL injection in
 * every parameter is inert.
 */
import { createDashboardApi, type ApiResponse, type DashboardApi } from '../../src/api/dashboard-app';
import { LakeDashboardReader } from '../../src/api/lake-dashboard-reader';
import { meterCursor } from '../../src/api/request-params';
import type { FleetResult, MeterPage, SeriesResult, StatusResult, TagsResult } from '../../src/api/dashboard-reader';
import type { LocalLake } from '../../src/local/local-lake';
import { queryLake } from '../../src/local/query-lake';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { ingestReadings, quarterHours } from '../helpers/dashboard-lake';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openLocalLake } from '../../src/local/local-lake';

let lake: LocalLake;
let api: DashboardApi;

async function openLake(): Promise<void> {
  lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-dashboard-api-')));
  api = createDashboardApi(new LakeDashboardReader(lake), (error) => { throw error; });
}
async function closeLake(): Promise<void> {
  lake.close();
  await rm(lake.dir, { recursive: true, force: true });
}

/** Tests that only read share one lake of two days; tests that change it get their own. */
function withTwoDayLake(): void {
  beforeAll(async () => {
    await openLake();
    await twoDays();
  });
  afterAll(closeLake);
}
function withFreshLake(): void {
  beforeEach(openLake);
  afterEach(closeLake);
}

const get = (path: string, headers: Record<string, string> = {}): Promise<ApiResponse> => {
  const url = new URL(path, 'http://x');
  return api({ method: 'GET', path: url.pathname, query: url.searchParams, headers });
};
type Answer = SeriesResult & MeterPage & FleetResult & TagsResult & StatusResult & { error: { parameter: string } };
/** The JSON of a response (each test reads the fields of its route). */
const body = (r: ApiResponse) => JSON.parse(r.body) as Answer;

/** Two meters over two days, a daily run after each day (tags daily-2021-01-01, daily-2021-01-02). */
async function twoDays(): Promise<void> {
  await ingestReadings(lake, [...quarterHours('M1', '2021-01-01', 1, { estimated: [0, 1], skip: [4, 5, 6, 7] }), ...quarterHours('M2', '2021-01-01', 2)]);
  await runDailySnapshot(lake, { runDate: '2021-01-01' });
  await ingestReadings(lake, [...quarterHours('M1', '2021-01-02', 3), ...quarterHours('M2', '2021-01-02', 4)]);
  await runDailySnapshot(lake, { runDate: '2021-01-02' });
}

const seriesOf = async (query: string): Promise<SeriesResult> => {
  const r = await get(`/api/series?${query}`);
  expect(r.status).toBe(200);
  return body(r);
};
const hourly = (points: { t: number; kwh: number | null }[]) => points.filter((p) => p.kwh !== null).map((p) => [new Date(p.t).toISOString(), p.kwh]);
const sqlHourly = async (from: string, opts: Parameters<typeof queryLake>[2] = {}) => (await queryLake(lake,
  `SELECT strftime(date_trunc('hour', interval_start), '%Y-%m-%dT%H:%M:%S.000Z') AS h, CAST(sum(CAST(kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh
   FROM ${from} WHERE meter_id = 'M1' GROUP BY 1 ORDER BY 1`, opts)).map((r) => [r.h, r.kwh]);

describe('reading a lake of two days', () => {
  withTwoDayLake();

  test('hourly sums equal an independent GROUP BY over meter_readings', async () => {
    const result = await seriesOf('meters=M1&from=2021-01-01&to=2021-01-03&resolution=1h');
    expect(hourly(result.series[0].points)).toEqual(await sqlHourly('meter_readings'));
  });

  test('as_of a daily tag equals time travel to that tag', async () => {
    const result = await seriesOf('meters=M1&from=2021-01-01&to=2021-01-03&resolution=1h&as_of=daily-2021-01-01');
    expect(hourly(result.series[0].points)).toEqual(await sqlHourly('meter_readings', { asOf: { ref: 'daily-2021-01-01' } }));
  });

  test('each point carries the share of estimated and of missing minutes', async () => {
    const result = await seriesOf('meters=M1&from=2021-01-01T00:00Z&to=2021-01-01T03:00Z&resolution=1h');
    expect(result.series[0].points.map((p) => [p.estimated_share, p.missing_share, p.readings])).toEqual([[0.5, 0, 4], [0, 1, 0], [0, 0, 4]]);
  });

  test('a bucket without readings has null kWh, not zero', async () => {
    const result = await seriesOf('meters=M1&from=2021-01-01T01:00Z&to=2021-01-01T02:00Z&resolution=1h');
    expect(result.series[0].points).toEqual([{ t: Date.parse('2021-01-01T01:00Z'), kwh: null, readings: 0, estimated_share: 0, missing_share: 1 }]);
  });

  test('auto picks the finest resolution within 2,000 points', async () => {
    const week = await seriesOf('meters=M1&from=2021-01-01&to=2021-01-08');
    const year = await seriesOf('meters=M1&from=2021-01-01&to=2022-01-01');
    expect([week.resolution, year.resolution]).toEqual(['15m', '1d']);
  });

  test('fleet by source equals the per-source sums', async () => {
    const r = body(await get('/api/fleet?group=source&from=2021-01-01&to=2021-01-03&resolution=1d'));
    const expected = await queryLake(lake, `SELECT CAST(sum(CAST(kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh FROM meter_readings GROUP BY CAST(interval_start AS DATE) ORDER BY CAST(interval_start AS DATE)`);
    expect(r.groups.map((g) => [g.key, g.points.map((p) => p.kwh)])).toEqual([['default', expected.map((e) => e.kwh)]]);
  });

  test('meter search by id fragment pages with a cursor', async () => {
    const first = body(await get('/api/meters?q=m&limit=1'));
    const second = body(await get(`/api/meters?q=m&limit=1&cursor=${first.next_cursor}`));
    expect([first.meters.map((m) => m.id), second.meters.map((m) => m.id), second.next_cursor]).toEqual([['M1'], ['M2'], null]);
  });

  test('a meter carries its source and first and last reading', async () => {
    const r = body(await get('/api/meters?q=M2'));
    expect(r.meters).toEqual([{ id: 'M2', source: 'default', region: null, product: null, first_reading: '2021-01-01T00:00:00.000Z', last_reading: '2021-01-02T23:45:00.000Z' }]);
  });

  test('tags lists the daily tags, newest first', async () => {
    expect(body(await get('/api/tags')).tags.map((t) => [t.name, t.kind])).toEqual([['daily-2021-01-02', 'daily'], ['daily-2021-01-01', 'daily']]);
  });

  test('a request with the ETag it holds gets 304', async () => {
    const first = await get('/api/series?meters=M1&from=2021-01-01&to=2021-01-02');
    const again = await get('/api/series?meters=M1&from=2021-01-01&to=2021-01-02', { 'if-none-match': first.headers.etag });
    expect([again.status, again.body]).toEqual([304, '']);
  });

  test('an unknown route is a 404 and a POST a 405', async () => {
    const missing = await get('/api/nothing');
    const post = await api({ method: 'POST', path: '/api/tags', query: new URLSearchParams(), headers: {} });
    expect([missing.status, post.status, post.headers.allow]).toEqual([404, 405, 'GET, HEAD']);
  });

  describe('bad parameters are 400 naming the parameter', () => {
    const cases: [string, string][] = [
      ['/api/series?from=2021-01-01&to=2021-01-02', 'meters'],
      ['/api/series?meters=&from=2021-01-01&to=2021-01-02', 'meters'],
      ['/api/series?meters=a,a&from=2021-01-01&to=2021-01-02', 'meters'],
      [`/api/series?meters=${Array.from({ length: 11 }, (_, i) => `m${i}`).join(',')}&from=2021-01-01&to=2021-01-02`, 'meters'],
      [`/api/series?meters=${'x'.repeat(65)}&from=2021-01-01&to=2021-01-02`, 'meters'],
      ['/api/series?meters=M1&to=2021-01-02', 'from'],
      ['/api/series?meters=M1&from=2021-02-30&to=2021-03-02', 'from'],
      ['/api/series?meters=M1&from=2021-01-02&to=2021-01-01', 'to'],
      ['/api/series?meters=M1&from=2021-01-01&to=yesterday', 'to'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&resolution=5m', 'resolution'],
      ['/api/series?meters=M1&from=2020-01-01&to=2021-01-02&resolution=15m', 'resolution'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&tz=Mars/Olympus', 'tz'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&as_of=daily-1999-01-01', 'as_of'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&as_of=daily-2021-01-01&known_at=2021-01-01', 'known_at'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&known_at=soon', 'known_at'],
      ['/api/series?meters=M1&from=2021-01-01&to=2021-01-02&colour=red', 'colour'],
      ['/api/series?meters=M1&meters=M2&from=2021-01-01&to=2021-01-02', 'meters'],
      ['/api/fleet?group=planet&from=2021-01-01&to=2021-01-02', 'group'],
      ['/api/fleet?from=2021-01-01&to=2021-01-02', 'group'],
      ['/api/meters?limit=0', 'limit'],
      ['/api/meters?limit=201', 'limit'],
      ['/api/meters?limit=1.5', 'limit'],
      ['/api/meters?cursor=not*base64', 'cursor'],
      [`/api/meters?q=${'q'.repeat(65)}`, 'q'],
      ['/api/meters?region=%01', 'region'],
      ['/api/status?verbose=1', 'verbose'],
      ['/api/tags?all=1', 'all'],
    ];
    test.each(cases)('%s → %s', async (url, parameter) => {
      const r = await get(url);
      expect([r.status, body(r).error.parameter]).toEqual([400, parameter]);
    });
  });

  describe('SQL injection in every parameter is inert', () => {
    const injection = "x' OR '1'='1";
    const range = 'from=2021-01-01&to=2021-01-03';
    const cases: [string, string, number][] = [
      ['meters', `/api/series?meters=${encodeURIComponent(injection)}&${range}`, 200],
      ['from', `/api/series?meters=M1&from=${encodeURIComponent("2021-01-01' OR 1=1 --")}&to=2021-01-03`, 400],
      ['to', `/api/series?meters=M1&from=2021-01-01&to=${encodeURIComponent("2021-01-03'); DROP TABLE x; --")}`, 400],
      ['resolution', `/api/series?meters=M1&${range}&resolution=${encodeURIComponent("1h' --")}`, 400],
      ['tz', `/api/series?meters=M1&${range}&tz=${encodeURIComponent("UTC') --")}`, 400],
      ['as_of', `/api/series?meters=M1&${range}&as_of=${encodeURIComponent(injection)}`, 400],
      ['known_at', `/api/series?meters=M1&${range}&known_at=${encodeURIComponent("2021-01-01' OR 1=1")}`, 400],
      ['group', `/api/fleet?group=${encodeURIComponent("source' OR 1=1 --")}&${range}`, 400],
      ['q', `/api/meters?q=${encodeURIComponent(injection)}`, 200],
      ['source', `/api/meters?source=${encodeURIComponent(injection)}`, 200],
      ['region', `/api/meters?region=${encodeURIComponent(injection)}`, 200],
      ['limit', `/api/meters?limit=${encodeURIComponent('1; DROP TABLE x')}`, 400],
      ['cursor', `/api/meters?cursor=${meterCursor(injection)}`, 200],
    ];
    test.each(cases)('%s', async (_name, url, status) => {
      const r = await get(url);
      const answer = body(r);
      // Accepted values match nothing: the text was bound as a value, never read as SQL.
      const leaked = status === 200 ? (answer.meters ?? answer.series.flatMap((s) => s.points.filter((p) => p.kwh !== null))) : [];
      expect([r.status, leaked]).toEqual([status, []]);
      expect(await queryLake(lake, 'SELECT count(*)::INTEGER AS n FROM meter_readings')).toEqual([{ n: 2 * 2 * 96 - 4 }]);
    });
  });
});

describe('changing the lake', () => {
  withFreshLake();

  test('live series include versions committed after the newest snapshot', async () => {
    await twoDays();
    await ingestReadings(lake, [{ meter: 'M1', start: '2021-01-02T10:00:00Z', minutes: 15, kwh: 7.5 }]);
    const live = await seriesOf('meters=M1&from=2021-01-02T10:00Z&to=2021-01-02T11:00Z&resolution=15m');
    const snapshot = await seriesOf('meters=M1&from=2021-01-02T10:00Z&to=2021-01-02T11:00Z&resolution=15m&as_of=daily-2021-01-02');
    expect([live.series[0].points[0].kwh, snapshot.series[0].points[0].kwh]).toEqual([7.5, 3.4]);
  });

  test('known_at equals meter_readings rebuilt from the versions received by then', async () => {
    await twoDays();
    await ingestReadings(lake, [{ meter: 'M1', start: '2021-01-01T00:00:00Z', minutes: 15, kwh: 50 }], '2030-01-01T00:00:00Z');
    const result = await seriesOf('meters=M1&from=2021-01-01&to=2021-01-03&resolution=1h&known_at=2029-01-01T00:00:00Z');
    expect(hourly(result.series[0].points)).toEqual(await sqlHourly('meter_readings', { knownAtMs: Date.parse('2029-01-01T00:00:00Z') }));
  });

  test('local days in a zone with DST last 23 and 25 hours and sum their local readings', async () => {
    await ingestReadings(lake, [...quarterHours('M1', '2021-03-27', 1), ...quarterHours('M1', '2021-03-28', 1), ...quarterHours('M1', '2021-03-29', 1)]);
    await runDailySnapshot(lake, { runDate: '2021-03-29' });
    const result = await seriesOf('meters=M1&from=2021-03-28T00:00Z&to=2021-03-28T23:00Z&resolution=1d&tz=Europe/London');
    const [day] = result.series[0].points;
    const expected = await queryLake(lake, `SELECT CAST(sum(CAST(kwh AS DECIMAL(18, 9))) AS DOUBLE) AS kwh FROM meter_readings
      WHERE interval_start >= TIMESTAMPTZ '2021-03-28 00:00:00+00' AND interval_start < TIMESTAMPTZ '2021-03-28 23:00:00+00'`);
    expect([result.from, result.to, day.kwh, day.missing_share]).toEqual(['2021-03-28T00:00:00.000Z', '2021-03-28T23:00:00.000Z', expected[0].kwh, 0]);
  });

  test('a meter seen only in versions after the snapshot is found', async () => {
    await twoDays();
    await ingestReadings(lake, [{ meter: 'NEW1', start: '2021-01-03T00:00:00Z', minutes: 15, kwh: 1 }]);
    expect(body(await get('/api/meters?q=new')).meters.map((m) => m.id)).toEqual(['NEW1']);
  });

  test('status counts versions pending since the snapshot and rejects, and names the tag', async () => {
    await twoDays();
    await ingestReadings(lake, [{ meter: 'M1', start: '2021-01-02T10:00:00Z', minutes: 15, kwh: 7.5 }, { meter: 'M1', start: 'not-a-time', minutes: 15, kwh: 1 }]);
    const r = body(await get('/api/status'));
    expect([r.snapshot?.tag, r.pending.versions, r.last_24h.rejected_rows, r.freshness.newest_reading]).toEqual(['daily-2021-01-02', 1, 1, '2021-01-02T23:45:00.000Z']);
  });

  test('a new commit changes the live ETag but not the tag\'s', async () => {
    await twoDays();
    const url = (extra: string) => `/api/series?meters=M1&from=2021-01-01&to=2021-01-02${extra}`;
    const before = [await get(url('')), await get(url('&as_of=daily-2021-01-02'))];
    await ingestReadings(lake, [{ meter: 'M1', start: '2021-01-02T10:00:00Z', minutes: 15, kwh: 7.5 }]);
    const after = [await get(url('')), await get(url('&as_of=daily-2021-01-02'))];
    expect([after[0].headers.etag === before[0].headers.etag, after[1].headers.etag === before[1].headers.etag]).toEqual([false, true]);
  });
});
