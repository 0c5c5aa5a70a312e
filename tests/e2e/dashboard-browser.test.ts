/// <reference lib="dom" />
/**
 * The dashboard end to end in a real browser: Debian's headless Chromium, driven by playwright-core
 * (no browser download), loads the page from the local server over a small lake (6 meters × 4 days of
 * quarter hours with gaps and estimates, a daily run after each day: the demo's shape at a size a test
 * builds in seconds; the full demo ingest took minutes on a loaded machine), searches a meter
 * with the keyboard, picks a range, checks the plotted points against the API, zooms by dragging,
 * switches to a daily tag and downloads the CSV. Screenshots go to test-output/screenshots/
 * (gitignored). Skipped, with a message, where /usr/bin/chromium is absent (`.ci/run` installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SeriesResult } from '../../src/api/dashboard-reader';
import { startDashboardServer, type DashboardServer } from '../../src/local/dashboard-server';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { REPO_ROOT } from '../../src/repo-root';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { ingestReadings, quarterHours } from '../helpers/dashboard-lake';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)`);
const describeInBrowser = haveChromium ? describe : describe.skip;

describeInBrowser('dashboard in Chromium', () => {
  let lake: LocalLake;
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-e2e-')));
    for (const [d, day] of ['2021-02-20', '2021-02-21', '2021-02-22', '2021-02-23'].entries()) {
      const meters = Array.from({ length: 6 }, (_, m) => quarterHours(`MTR-${1000 + m}`, day, 0.05 * (m + 1), { skip: m === 0 ? [40, 41, 42] : [], estimated: [d * 3, d * 3 + 1] }));
      await ingestReadings(lake, meters.flat());
      await runDailySnapshot(lake, { runDate: day });
    }
    server = await startDashboardServer(lake, { port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 }, acceptDownloads: true, timezoneId: 'Europe/London' });
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    lake?.close();
    if (lake) await rm(lake.dir, { recursive: true, force: true });
  });

  /** The series the API answers for the view the page shows now (same parameters as the page asked). */
  async function apiForView(): Promise<SeriesResult> {
    const request = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .map((e) => e.name).filter((n) => n.includes('/api/series?')).at(-1)!);
    return (await (await fetch(request)).json()) as SeriesResult;
  }
  const plotted = () => page.evaluate(() => (window as unknown as { meterlakeDashboard: { plotted(): (number | null)[][] } }).meterlakeDashboard.plotted());
  const chartReady = async (after: string | null) => {
    await page.waitForFunction((prev) => {
      const ready = document.getElementById('chart')?.dataset.ready;
      return ready !== undefined && ready !== prev;
    }, after);
    return page.locator('#chart').getAttribute('data-ready');
  };
  const asPlotted = (answer: SeriesResult) => [answer.series[0].points.map((p) => p.t / 1000), ...answer.series.map((s) => s.points.map((p) => p.kwh))];

  test('search, range, plotted points, zoom, tag, CSV', async () => {
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('freshness')!.textContent!.startsWith('Snapshot daily-'));

    // Search with the keyboard: type a fragment, arrow to the first option, Enter.
    const firstMeter = (await (await fetch(`${server.url}api/meters?limit=1`)).json()).meters[0].id as string;
    await page.focus('#meter-search');
    await page.keyboard.type(firstMeter.slice(0, 4));
    await page.waitForSelector(`#meter-options li[data-meter="${firstMeter}"]`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    let ready = await chartReady(null);

    // Pick a range: the Day preset.
    await page.click('button[data-preset="day"]');
    ready = await chartReady(ready);
    await page.screenshot({ path: path.join(SCREENSHOTS, '1-day.png') });
    const day = await apiForView();
    expect([day.resolution, await plotted()]).toEqual(['15m', asPlotted(day)]);

    // Week, then drag across the middle of the plot: the dragged range is fetched at a finer resolution.
    await page.click('button[data-preset="week"]');
    ready = await chartReady(ready);
    const week = await apiForView();
    const box = (await page.locator('#chart .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    ready = await chartReady(ready);
    const zoomed = await apiForView();
    await page.screenshot({ path: path.join(SCREENSHOTS, '2-zoomed.png') });
    const span = (a: SeriesResult) => Date.parse(a.to) - Date.parse(a.from);
    expect([span(zoomed) < span(week) / 3, await plotted()]).toEqual([true, asPlotted(zoomed)]);

    // Switch to a daily tag: the page asks for that snapshot and the URL says so.
    const tag = await page.locator('#as-of option').nth(2).getAttribute('value');
    await page.selectOption('#as-of', tag!);
    await chartReady(ready);
    const atTag = await apiForView();
    await page.screenshot({ path: path.join(SCREENSHOTS, '3-as-of-tag.png') });
    expect([atTag.version, new URL(page.url()).searchParams.get('as_of'), await plotted()]).toEqual([{ as_of: tag }, tag, asPlotted(atTag)]);

    // Download what is shown as CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect([csv[0], csv.length - 1, csv[1].split(',')[1]]).toEqual(['bucket_start_utc,meter_id,kwh,readings,estimated_share,missing_share', atTag.series[0].points.length, firstMeter]);
  });

  test('a link reproduces the view', async () => {
    const meters = (await (await fetch(`${server.url}api/meters?limit=2`)).json()).meters.map((m: { id: string }) => m.id) as string[];
    const view = `?meters=${meters.join(',')}&from=2021-02-21T00:00:00.000Z&to=2021-02-22T00:00:00.000Z&preset=custom&resolution=1h&tz=utc`;
    await page.goto(`${server.url}${view}`);
    await chartReady(null);
    const answer = await apiForView();
    await page.screenshot({ path: path.join(SCREENSHOTS, '4-link.png') });
    expect([answer.series.map((s) => s.meter_id), answer.resolution, answer.from, await plotted()]).toEqual([meters, '1h', '2021-02-21T00:00:00.000Z', asPlotted(answer)]);
  });
});
