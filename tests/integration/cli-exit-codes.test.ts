import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';

const REPO = path.join(__dirname, '..', '..');

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
    const code = await main(['node', 'meterlake', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'meterlake-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('usage errors: exit 2 before any work', () => {
  const lake = () => path.join(dir, 'untouched');
  afterEach(() => {
    expect(existsSync(lake())).toBe(false);
  });

  it('an unknown --format value', async () => {
    const r = await meterlake('--lake', lake(), 'history', 'meter_readings', '--format', 'xml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'xml' is invalid. Allowed choices are table, csv, json");
  });

  it('an empty SQL statement', async () => {
    const r = await meterlake('--lake', lake(), 'query', '  ');
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('the SQL statement is empty')]);
  });

  it('a --date that is no calendar date', async () => {
    const r = await meterlake('--lake', lake(), 'snapshot', '--date', '2021-13-45');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'2021-13-45' is not a calendar date");
  });

  it('an unknown --source profile, listing the known ones, before any file is copied', async () => {
    const file = path.join(dir, 'readings.csv');
    await writeFile(file, 'meter_id,interval_start,interval_minutes,kwh,quality\n');
    const r = await meterlake('--lake', lake(), 'ingest', file, '--source', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'nosuch' is invalid\. unknown source profile \(known: default, .*octopus/);
  });

  it('a number option that is not a whole number', async () => {
    const r = await meterlake('--lake', lake(), 'generate', '--meters', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'abc' is invalid. expected a whole number >= 1");
  });

  it('demo sizes that do not fit together', async () => {
    const r = await meterlake('--lake', lake(), 'generate', '--days', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('recentDays (2) must not exceed days (1)');
  });

  it('an --as-of time that is no real time', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT 1', '--as-of', '2021-02-30');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'2021-02-30' is not a time");
  });

  it('a --known-at that is no time', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT 1', '--known-at', 'yesterday');
    expect(r.code).toBe(2);
  });

  it('--known-at together with --as-of', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT 1', '--as-of', 'daily-2021-01-01', '--known-at', '2021-01-01');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--known-at <time>' cannot be used with option '--as-of");
  });

  it('an unknown option', async () => {
    expect((await meterlake('--lake', lake(), 'tables', '--colour')).code).toBe(2);
  });

  it('an unknown command', async () => {
    expect((await meterlake('--lake', lake(), 'tabels')).code).toBe(2);
  });
});

it('--help prints the exit codes and exits 0', async () => {
  const r = await meterlake('--help');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('3  done, but some files were quarantined');
});

it('a read command on a folder that is not a lake fails naming it, and creates nothing', async () => {
  const typo = path.join(dir, 'lakee');
  const r = await meterlake('--lake', typo, 'query', 'SELECT 1');
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`error: ${typo} is not a lake (it has no warehouse/ folder): check --lake, or make one with \`meterlake start\` or \`meterlake ingest\`\n`);
  expect(existsSync(typo)).toBe(false);
});

describe('on a lake', () => {
  const lake = () => path.join(dir, 'lake');
  const header = 'meter_id,interval_start,interval_minutes,kwh,quality\n';
  const csv = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };
  const count = async (...args: string[]) => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT count(*) AS n FROM readings_history', '--format', 'json', ...args);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return (JSON.parse(r.stdout) as { n: number }[])[0].n;
  };

  beforeAll(async () => {
    const first = await csv('first.csv', `${header}MTR-001,2021-01-01T00:00:00Z,30,0.25,actual\nMTR-001,2021-01-01T00:30:00Z,30,0.5,actual\n`);
    expect((await meterlake('--lake', lake(), 'ingest', first)).code).toBe(0);
    expect((await meterlake('--lake', lake(), 'snapshot', '--date', '2021-01-01')).code).toBe(0);
    const second = await csv('second.csv', `${header}MTR-002,2021-01-02T00:00:00Z,30,1,actual\n`);
    expect((await meterlake('--lake', lake(), 'ingest', second)).code).toBe(0);
  });

  it('ingest exits 3 when a file was quarantined', async () => {
    const r = await meterlake('--lake', lake(), 'ingest', await csv('unreadable.csv', 'foo,bar\n1,2\n'));
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('quarantined files: 1');
  });

  it('--as-of a tag reads the other tables as of the tag, not their current version', async () => {
    expect(await count()).toBe(3);
    expect(await count('--as-of', 'daily-2021-01-01')).toBe(2);
  });

  it('--as-of a mistyped tag fails naming it and the nearest tags', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT count(*) FROM meter_readings', '--as-of', 'daily-2021-01-0l');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: no table has a tag or branch named 'daily-2021-01-0l'; nearest tags: daily-2021-01-01\n");
  });

  it('--as-of an unknown snapshot id fails', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT count(*) FROM meter_readings', '--as-of', '1234567');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no table has snapshot 1234567; latest tags: daily-2021-01-01\n');
  });

  it('--as-of a time before the first snapshot fails', async () => {
    const r = await meterlake('--lake', lake(), 'query', 'SELECT count(*) FROM meter_readings', '--as-of', '2020-01-01');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no table has a snapshot committed at or before 2020-01-01T00:00:00\.000Z \(the first was committed at .*\); nearest tags: daily-2021-01-01\n$/);
  });

  it('query --format csv escapes formula cells and keeps numbers', async () => {
    const r = await meterlake('--lake', lake(), 'query', `SELECT '=cmd|'' /C calc''!A0' AS "=id", '-1.5' AS text, -1.5::DOUBLE AS number`, '--format', 'csv');
    expect(r.stdout).toBe(`"'=id",text,number\n"'=cmd|' /C calc'!A0","'-1.5",-1.5\n`);
  });
});

describe('the meterlake command passes the exit code on', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'scripts', 'meterlake.cjs'), ...args], { cwd: REPO, encoding: 'utf8' });

  it('2 for a usage error', () => {
    expect(run('--lake', path.join(dir, 'none'), 'history', 't', '--format', 'xml').status).toBe(2);
  });

  it('1 for a failure, with the message and no stack', () => {
    const r = run('--lake', path.join(dir, 'none'), 'tables');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .* is not a lake .*\n$/);
  });
});
