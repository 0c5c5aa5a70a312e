/**
 * At-least-once delivery means the same object can be ingested by several workers at the same
 * moment, and a worker can die at any instruction. These tests start real `meterlake ingest`
 * processes on one lake at once — the same file, the same files in different orders, and with
 * kill -9 at random moments followed by a redelivery — and check after every round that each row
 * is in the tables exactly once and ingest_log has one row per object version.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openLocalLake } from '../../src/local/local-lake';
import { registerLakeTables } from '../../src/local/tables-view';

const CLI = path.resolve(__dirname, '../../scripts/meterlake.cjs');
const ROWS_PER_FILE = 150;

jest.setTimeout(600_000);

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Start `meterlake --lake <lake> ingest <files…>`; `killAfterMs` sends SIGKILL at that moment. */
function ingestProcess(lake: string, files: string[], killAfterMs?: number): Promise<Outcome> {
  const child = spawn(process.execPath, [CLI, '--lake', lake, 'ingest', ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** What a process that did not succeed said (undefined for exit code 0). */
const failure = (o: Outcome) => (o.code === 0 ? undefined : `exit ${o.code ?? o.signal}: ${o.stderr}`);

/** A canonical CSV of its own meters, with one bad row (so rejected_readings is written too). */
async function readingsFile(dir: string, name: string): Promise<string> {
  const lines = ['meter_id,interval_start,interval_minutes,kwh,quality'];
  for (let i = 0; i < ROWS_PER_FILE; i++) {
    const start = new Date(Date.UTC(2021, 0, 1) + (i % 48) * 1_800_000).toISOString();
    lines.push(`${name}-M${Math.floor(i / 48)},${start},30,${(i % 7) / 4},actual`);
  }
  lines.push(`${name}-BAD,2021-01-01T00:00:00Z,30,not-a-number,actual`);
  const file = path.join(dir, `${name}.csv`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

interface LakeCounts {
  historyRows: number;
  historyKeysMoreThanOnce: number;
  rejectedRows: number;
  rejectedKeysMoreThanOnce: number;
  logRows: number;
  logBatches: number;
  landedObjects: number;
}

async function countLake(dir: string): Promise<LakeCounts> {
  const lake = await openLocalLake(dir);
  try {
    await registerLakeTables(lake);
    const one = async (sql: string) => Number((await lake.session.all<{ n: bigint }>(sql))[0].n);
    let landedObjects = 0;
    for await (const info of lake.store.list('landing/')) if (info.size > 0) landedObjects++;
    return {
      historyRows: await one('SELECT count(*) AS n FROM readings_history'),
      historyKeysMoreThanOnce: await one('SELECT count(*) AS n FROM (SELECT source_file, source_row FROM readings_history GROUP BY ALL HAVING count(*) > 1)'),
      rejectedRows: await one('SELECT count(*) AS n FROM rejected_readings'),
      rejectedKeysMoreThanOnce: await one('SELECT count(*) AS n FROM (SELECT source_file, source_row FROM rejected_readings GROUP BY ALL HAVING count(*) > 1)'),
      logRows: await one('SELECT count(*) AS n FROM ingest_log'),
      logBatches: await one('SELECT count(DISTINCT batch_id) AS n FROM ingest_log'),
      landedObjects,
    };
  } finally {
    lake.close();
  }
}

/** What a lake holding exactly `files` distinct objects, each once, must count. */
function exactlyOnce(files: number): LakeCounts {
  return {
    historyRows: files * ROWS_PER_FILE, historyKeysMoreThanOnce: 0,
    rejectedRows: files, rejectedKeysMoreThanOnce: 0,
    logRows: files, logBatches: files, landedObjects: files,
  };
}

/** Deterministic shuffles, so a failing round can be replayed. */
function permutation<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('concurrent delivery by real processes', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'meterlake-concurrent-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the same file ingested by four processes at once lands once per round, from a fresh lake on', async () => {
    const lake = path.join(work, 'same-file');
    for (let round = 1; round <= 4; round++) {
      const file = await readingsFile(work, `same-r${round}`);
      const outcomes = await Promise.all([1, 2, 3, 4].map(() => ingestProcess(lake, [file])));
      expect(outcomes.map(failure)).toEqual(outcomes.map(() => undefined));
      expect(await countLake(lake)).toEqual(exactlyOnce(round));
    }
  });

  test('the same files in different orders by three processes at once land once each', async () => {
    const lake = path.join(work, 'orders');
    for (let round = 1; round <= 3; round++) {
      const files = await Promise.all(['a', 'b', 'c'].map((n) => readingsFile(work, `order-r${round}-${n}`)));
      const outcomes = await Promise.all([1, 2, 3].map((seed) => ingestProcess(lake, permutation(files, seed * 7 + round))));
      expect(outcomes.map(failure)).toEqual(outcomes.map(() => undefined));
      expect(await countLake(lake)).toEqual(exactlyOnce(round * 3));
    }
  });

  test('a process killed at a random moment loses and doubles nothing once the file is redelivered', async () => {
    const lake = path.join(work, 'killed');
    let seed = 12_345;
    const nextDelay = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return 200 + (seed % 2_500);
    };
    for (let round = 1; round <= 4; round++) {
      const files = await Promise.all(['a', 'b'].map((n) => readingsFile(work, `killed-r${round}-${n}`)));
      const outcomes = await Promise.all([
        ingestProcess(lake, files, nextDelay()),
        ingestProcess(lake, permutation(files, round), nextDelay()),
        ingestProcess(lake, files),
      ]);
      const survivors = outcomes.filter((o) => o.signal !== 'SIGKILL');
      expect(survivors.map(failure)).toEqual(survivors.map(() => undefined));
      // The queue redelivers what a dead worker held.
      expect((await ingestProcess(lake, files)).code).toBe(0);
      expect(await countLake(lake)).toEqual(exactlyOnce(round * 2));
    }
  });
});
