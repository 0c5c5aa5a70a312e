/** `meterlake settle` and `meterlake audit`: what they print and the exit codes an operator scripts against. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { openLocalLake } from '../../src/local/local-lake';
import { sha256Hex } from '../../src/pipeline/settlement/report-files';
import { writeMeterReadings, type TestReading } from '../helpers/settlement-lake';

interface Run { code: number; stdout: string; stderr: string }

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
    return { code: await main(['node', 'meterlake', '--lake', dir, ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meterlake-cli-settle-'));
  const lake = await openLocalLake(dir);
  const readings: TestReading[] = [];
  for (let t = Date.parse('2021-02-01T00:00:00Z'); t < Date.parse('2021-03-01T00:00:00Z'); t += 1_800_000) {
    readings.push({ meter_id: 'M1', interval_start: new Date(t).toISOString(), interval_minutes: 30, kwh: 0.5, quality: 'actual', source: 'default' });
  }
  await writeMeterReadings(lake, readings, 'daily-2021-03-01');
  lake.close();
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('settle names the run, its inputs and outputs; verify says identical and exits 0; list shows it', async () => {
  const settled = await meterlake('settle', '--month', '2021-02');
  const verified = await meterlake('audit', 'verify', 'settlement-2021-02-r1');
  const listed = await meterlake('audit', 'list');

  expect(settled).toMatchObject({ code: 0, stdout: expect.stringMatching(/^settlement-2021-02-r1: 2021-02 settled from daily-2021-03-01 \(meter_readings@\d+/) });
  expect(settled.stdout).toContain('energy_meters.csv: 1 rows');
  expect(verified).toMatchObject({ code: 0, stdout: expect.stringContaining('settlement-2021-02-r1: identical') });
  expect(listed.stdout).toMatch(/settlement-2021-02-r1\s+2021-02\s+daily-2021-03-01\s+succeeded/);
}, 60_000);

test('verify of an altered run prints DIFFERS with the first differing line and exits 1', async () => {
  await meterlake('settle', '--month', '2021-02');
  const lake = await openLocalLake(dir);
  try {
    const key = 'audit/settlement-2021-02-r2/energy_meters.csv';
    const altered = Buffer.from((await lake.store.get(key)).toString('utf8').replace('672.000000000', '1.000000000'));
    await lake.store.put(key, altered);
    const manifest = JSON.parse((await lake.store.get('audit/settlement-2021-02-r2/manifest.json')).toString('utf8'));
    manifest.outputs.find((o: { file: string }) => o.file === 'energy_meters.csv').sha256 = sha256Hex(altered);
    await lake.store.put('audit/settlement-2021-02-r2/manifest.json', JSON.stringify(manifest));
  } finally {
    lake.close();
  }

  const verified = await meterlake('audit', 'verify', path.join(dir, 'audit/settlement-2021-02-r2/manifest.json'));

  expect(verified.code).toBe(1);
  expect(verified.stdout).toContain('DIFFERS   energy_meters.csv');
  expect(verified.stdout).toContain('first difference at line 2');
}, 60_000);

test.each([
  [['audit', 'verify', 'settlement-2021-02'], 2],
  [['settle', '--month', '2021-13'], 2],
  [['settle'], 2],
  [['audit', 'verify', 'settlement-2020-01-r1'], 1],
  [['settle', '--month', '2021-02', '--as-of', 'daily-2020-01-01'], 1],
])('meterlake %j exits %i', async (args, code) => {
  expect((await meterlake(...(args as string[]))).code).toBe(code);
}, 60_000);
