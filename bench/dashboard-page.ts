/// <reference lib="dom" />
/**
 * The dashboard page in headless Chromium (Debian's /usr/bin/chromium via playwright-core): time from
 * navigation start to the chart drawn (the page marks #chart data-ready after drawing the first
 * answer) and bytes transferred (document, script, styles, API answers), for a link that shows two
 * meters over a week. Each sample is a fresh browser context (no HTTP cache). The server runs in
 * this process over an existing lake.
 *
 * Usage: npx tsx bench/dashboard-page.ts --lake DIR [--reps 10] [--screenshot docs/dashboard.png]
 */
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startDashboardServer } from '../src/local/dashboard-server';
import { openLocalLake } from '../src/local/local-lake';
import { argValue, median, printTable } from './bench-util';

const lakeDir = argValue('--lake');
const reps = Number(argValue('--reps') ?? 10);
const screenshot = argValue('--screenshot');

async function main(): Promise<void> {
  if (!lakeDir) throw new Error('--lake <dir> is required (e.g. the lake `npm start` made: .meterlake)');
  const lake = await openLocalLake(lakeDir, { threads: 2 });
  const server = await startDashboardServer(lake, { port: 0 });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const meters = ((await (await fetch(`${server.url}api/meters?limit=2`)).json()) as { meters: { id: string; last_reading: string }[] }).meters;
    const to = new Date(Math.ceil(Date.parse(meters[0].last_reading) / 86_400_000) * 86_400_000);
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const url = `${server.url}?meters=${meters.map((m) => m.id).join(',')}&from=${from.toISOString()}&to=${to.toISOString()}&preset=week&resolution=auto&tz=utc`;
    const samples: { ms: number; bytes: number; requests: number }[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('chart')?.dataset.ready !== undefined);
      const measured = await page.evaluate(() => {
        const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')] as PerformanceResourceTiming[];
        return { ms: performance.now(), bytes: entries.reduce((n, e) => n + e.transferSize, 0), requests: entries.length };
      });
      if (i === reps && screenshot) await page.screenshot({ path: screenshot });
      await context.close();
      if (i > 0) samples.push(measured); // the first warms the server (reader, directory)
    }
    console.log(`\npage over ${lakeDir}: 2 meters × 1 week (auto → 15m), ${reps} fresh browser contexts after one warm-up; load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    printTable(['measure', 'median', 'min', 'max'], [
      ['navigation → chart drawn (ms)', median(samples.map((s) => s.ms)).toFixed(0), Math.min(...samples.map((s) => s.ms)).toFixed(0), Math.max(...samples.map((s) => s.ms)).toFixed(0)],
      ['bytes transferred', median(samples.map((s) => s.bytes)), Math.min(...samples.map((s) => s.bytes)), Math.max(...samples.map((s) => s.bytes))],
      ['requests', median(samples.map((s) => s.requests)), Math.min(...samples.map((s) => s.requests)), Math.max(...samples.map((s) => s.requests))],
    ]);
    console.log(JSON.stringify({ msP50: median(samples.map((s) => s.ms)), bytes: median(samples.map((s) => s.bytes)) }));
  } finally {
    await browser.close();
    await server.close();
    lake.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
