/** The forecast's commands over a small lake: backtest (table, CSV, PNG), issue and re-issue, show, features. */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { openTable } from '../../src/catalog/open-table';
import { openLocalLake } from '../../src/local/local-lake';
import { currentSnapshot } from '../../src/iceberg/table-metadata';
import { dailyHooks } from '../../src/pipeline/daily-hooks';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { arrivalOfDay, deliverDay } from '../helpers/forecast-lake';

interface Run { code: number; stdout: string; stderr: string }

/** Run the CLI in this process, capturing what it prints. */
async function meterlake(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const capture = (append: (s: string) => void) => (chunk: string | Uint8Array) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture((s) => { stdout += s; }));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture((s) => { stderr += s; }));
  try {
    return { code: await main(['node', 'meterlake', ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const DAYS = 25;
let dir: string;
let lakeDir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meterlake-forecast-cli-'));
  lakeDir = path.join(dir, 'lake');
  const lake = await openLocalLake(lakeDir);
  try {
    for (let d = 0; d < DAYS; d++) await deliverDay(lake, d);
  } finally {
    lake.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const knownAt = new Date(arrivalOfDay(DAYS - 1)).toISOString();

describe('meterlake forecast', () => {
  test('before any issue, showing the forecast fails naming what to run', async () => {
    const run = await meterlake('--lake', path.join(dir, 'lake'), 'forecast');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no forecast has been issued.*meterlake forecast issue/);
  });

  test('backtest prints accuracy per horizon day and writes the table as CSV and the chart as a PNG beside it', async () => {
    const outDir = path.join(dir, 'backtest');
    const run = await meterlake('--lake', lakeDir, 'forecast', 'backtest', '--origins', '3', '--out', outDir);
    expect(run.code).toBe(0);
    const fleetDays = run.stdout.split('\n').filter((l) => /^fleet\s+all\s/.test(l)).map((l) => l.split(/\s+/)[2]);
    expect(fleetDays).toEqual(['1', '2', '3', '4', '5', '6', '7', 'all']);
    const csv = (await readFile(path.join(outDir, 'backtest.csv'), 'utf8')).split('\n');
    expect(csv[0]).toBe('group_kind,group,horizon_day,hours,mae,rmse,mape_pct,naive_mae,mase,in_80_pct');
    const png = await readFile(path.join(outDir, 'backtest.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 600]);
  });

  test('a horizon beyond 168 hours is a usage error', async () => {
    expect((await meterlake('--lake', lakeDir, 'forecast', 'backtest', '--horizon', '169')).code).toBe(2);
  });

  test('issue appends the forecast known at a time; issuing it again recomputes it and finds it identical', async () => {
    const first = await meterlake('--lake', lakeDir, 'forecast', 'issue', '--known-at', knownAt);
    const again = await meterlake('--lake', lakeDir, 'forecast', 'issue', '--known-at', knownAt);
    expect([first.code, again.code]).toEqual([0, 0]);
    expect(first.stdout).toMatch(/504 rows, 3 groups/);
    expect(again.stdout).toMatch(/identical/);
  });

  test('show prints one row per local day for a group, and an unknown region is an error listing the known ones', async () => {
    await meterlake('--lake', lakeDir, 'forecast', 'issue', '--known-at', knownAt);
    const shown = await meterlake('--lake', lakeDir, 'forecast', '--region', 'unassigned');
    const unknown = await meterlake('--lake', lakeDir, 'forecast', '--region', 'Atlantis');
    expect(shown.stdout.split('\n').filter((l) => /^\d{4}-\d{2}-\d{2} \w{3}\s+24\s/.test(l))).toHaveLength(7);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/no region 'Atlantis' \(known: unassigned\)/)]);
  });

  test('features writes features_hourly as known at the time asked, recorded on its snapshot', async () => {
    const run = await meterlake('--lake', lakeDir, 'features', '--known-at', '2021-01-20T00:00:00Z');
    expect(run.code).toBe(0);
    const lake = await openLocalLake(lakeDir);
    try {
      const snapshot = currentSnapshot(await openTable(lake.catalog, 'features_hourly', lake.io).metadata());
      expect(snapshot?.summary['meterlake.known-at']).toBe('2021-01-20T00:00:00.000Z');
    } finally {
      lake.close();
    }
  });
});

describe('the daily run issues the forecast', () => {
  test('once per known-at time: a run with nothing new only tags the issue it already holds', async () => {
    const lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-forecast-hook-')));
    try {
      for (let d = 0; d < 16; d++) await deliverDay(lake, d);
      const first = await runDailySnapshot(lake, { runDate: '2021-01-20', hooks: dailyHooks() });
      const second = await runDailySnapshot(lake, { runDate: '2021-01-21', hooks: dailyHooks() });
      expect(first.hooks.find((h) => h.name === 'demand_forecast')?.outcome).toBe('rebuilt');
      expect(second.hooks.find((h) => h.name === 'demand_forecast')?.outcome).toBe('tagged');
      const metadata = await openTable(lake.catalog, 'demand_forecast', lake.io).metadata();
      expect(metadata.snapshots).toHaveLength(1);
      expect(Object.keys(metadata.refs).sort()).toEqual(['daily-2021-01-20', 'daily-2021-01-21', 'main']);
    } finally {
      lake.close();
      await rm(lake.dir, { recursive: true, force: true });
    }
  });
});
