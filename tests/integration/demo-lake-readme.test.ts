import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runDemoIngest } from '../../src/local/demo-run';
import { dailyHooks } from '../../src/pipeline/daily-hooks';
import type { IngestTotals } from '../../src/local/landing';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { queryLake, type QueryLakeOptions } from '../../src/local/query-lake';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { parseIsoTime } from '../../src/pipeline/strict-time';
import { parseSnapshotSelector } from '../../src/local/snapshot-arg';

interface ReadmeQuery { label: string; sql: string; opts: QueryLakeOptions }

const optional = <T>(text: string | undefined, parse: (t: string) => T): T | undefined => (text === undefined ? undefined : parse(text));

/** Every query the README shows: `npx meterlake query "…" [--as-of X] [--known-at T]` lines and inline `SELECT …` examples. */
function readmeQueries(): ReadmeQuery[] {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const queries: ReadmeQuery[] = [];
  for (const m of readme.matchAll(/^npx meterlake query "((?:[^"\\]|\\.)*)"(.*)$/gm)) {
    const flag = (name: string) => new RegExp(`--${name}\\s+(\\S+)`).exec(m[2])?.[1];
    queries.push({ label: m[0], sql: m[1].replace(/\\"/g, '"'), opts: { asOf: optional(flag('as-of'), parseSnapshotSelector), knownAtMs: optional(flag('known-at'), parseIsoTime) } });
  }
  for (const m of readme.matchAll(/`(SELECT [^`]+)`/g)) queries.push({ label: m[1], sql: m[1], opts: {} });
  return queries;
}

// A small demo lake built the way `meterlake start` builds the full one (same dates, fewer meters and days).
describe('the demo lake', () => {
  let lake: LocalLake;
  let totals: IngestTotals;
  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-readme-')));
    totals = await runDemoIngest(lake, { meters: 8, days: 2, seed: 5, afterDay: async (day) => { await runDailySnapshot(lake, { runDate: day, hooks: dailyHooks() }); } });
  }, 180_000);
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('the ingest totals match the tables they went to (reference rows counted apart)', async () => {
    const [row] = await queryLake(lake, 'SELECT (SELECT count(*) FROM readings_history) AS history, (SELECT count(*) FROM rejected_readings) AS rejected');

    expect(totals.referenceDrops).toBeGreaterThan(0);
    expect({ history: Number(row.history), rejected: Number(row.rejected) }).toEqual({ history: totals.accepted, rejected: totals.rejected });
    expect(totals.rowsIn).toBe(totals.accepted + totals.referenceRows + totals.rejected);
  });

  test('the README shows queries to check', () => {
    expect(readmeQueries().length).toBeGreaterThanOrEqual(8);
  });

  test.each(readmeQueries().map((q) => [q.label, q]))(
    'README example returns rows: %s', async (_label, q) => {
      const rows = await queryLake(lake, (q as ReadmeQuery).sql, (q as ReadmeQuery).opts);

      expect(rows.length).toBeGreaterThan(0);
      // A count of nothing is a row too: a lone count must not be zero.
      if (rows.length === 1 && Object.keys(rows[0]).length === 1) expect(Object.values(rows[0])[0]).not.toBe(0n);
    },
  );
});
