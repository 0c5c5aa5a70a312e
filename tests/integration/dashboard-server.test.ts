/** The local dashboard server (page + API over HTTP) and the landing watcher `npm start` runs beside it. */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { startDashboardServer, type DashboardServer } from '../../src/local/dashboard-server';
import { watchLanding, type LandingWatcher } from '../../src/local/landing-watcher';
import type { LocalLake } from '../../src/local/local-lake';
import { queryLake } from '../../src/local/query-lake';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';

let lake: LocalLake;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-dashboard-server-');

const CSV = 'meter_id,interval_start,interval_minutes,kwh,quality\nW1,2021-01-01T00:00:00Z,15,0.5,actual\nW1,2021-01-01T00:15:00Z,15,0.25,actual\n';

/** Polls `check` until it is true (the watcher works in the background); fails after `limitMs`. */
async function eventually(check: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const historyRows = async () => (lake.catalog.tableExists('readings_history').then(async (exists) => (exists
  ? Number((await queryLake(lake, 'SELECT count(*) AS n FROM readings_history'))[0].n) : 0)));

describe('landing watcher', () => {
  let watcher: LandingWatcher | undefined;
  afterEach(async () => watcher?.stop());

  test('a file dropped into landing/ is ingested through the pipeline', async () => {
    watcher = watchLanding(lake, { intervalMs: 100 });
    const dir = path.join(lake.dir, 'landing', 'default', 'readings');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(lake.tempDir, 'drop.csv'), CSV);
    await copyFile(path.join(lake.tempDir, 'drop.csv'), path.join(dir, 'drop.csv'));
    await eventually(async () => (await historyRows()) === 2);
    expect(await queryLake(lake, 'SELECT meter_id, kwh FROM readings_history ORDER BY interval_start')).toEqual([{ meter_id: 'W1', kwh: 0.5 }, { meter_id: 'W1', kwh: 0.25 }]);
  });

  test('a restarted watcher does not ingest a file again', async () => {
    const dir = path.join(lake.dir, 'landing', 'default', 'readings');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'drop.csv'), CSV);
    const rounds: string[][] = [];
    watcher = watchLanding(lake, { intervalMs: 100, onRound: (_t, keys) => rounds.push(keys) });
    await eventually(async () => (await historyRows()) === 2);
    await watcher.stop();
    let listings = 0;
    watcher = watchLanding(lake, { intervalMs: 100, onRound: (_t, keys) => rounds.push(keys), onError: (e) => { throw e; } });
    // Three seconds of listings every 100 ms: the file is seen again and skipped as committed.
    await eventually(async () => ++listings > 30);
    expect([rounds, await historyRows()]).toEqual([[['landing/default/readings/drop.csv']], 2]);
  });
});

describe('server', () => {
  let server: DashboardServer;
  beforeEach(async () => { server = await startDashboardServer(lake, { port: 0 }); });
  afterEach(async () => server.close());

  test('the page is served with a content security policy that allows only its own origin', async () => {
    const page = await fetch(server.url);
    expect([page.status, page.headers.get('content-security-policy')?.includes("default-src 'self'"), (await page.text()).includes('<script src="dashboard.js">')]).toEqual([200, true, true]);
  });

  test('the script bundles uPlot from the package (no other origin is referenced)', async () => {
    const script = await (await fetch(`${server.url}dashboard.js`)).text();
    expect([script.includes('uplot'), /https?:\/\/(?!www\.w3\.org)/.test(script)]).toEqual([true, false]);
  });

  test('the API answers over HTTP and an unknown path is a 404', async () => {
    const [tags, missing] = await Promise.all([fetch(`${server.url}api/tags`), fetch(`${server.url}secrets.txt`)]);
    expect([tags.status, await tags.json(), missing.status]).toEqual([200, { tags: [] }, 404]);
  });
});

test('answers are gzipped for clients that accept it', async () => {
  const server = await startDashboardServer(lake, { port: 0 });
  try {
    const script = await fetch(`${server.url}dashboard.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect([script.headers.get('content-encoding'), (await script.text()).length > 1024]).toEqual(['gzip', true]);
  } finally {
    await server.close();
  }
});
