import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { commitBatches } from '../../src/pipeline/commit';
import { ingestObject, LandedObjectChangedError } from '../../src/pipeline/ingest';
import { emptyTotals, ingestAndCommit, landLocalFile, versionedName } from '../../src/local/landing';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';
import { registerLakeTables } from '../../src/local/tables-view';

const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const PREFIX = 'landing/default/readings';

let lake: LocalLake;
let inbox: string;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-landing-');
beforeEach(async () => {
  inbox = await mkdtemp(path.join(tmpdir(), 'meterlake-inbox-'));
});
afterEach(async () => {
  await rm(inbox, { recursive: true, force: true });
});

/** `folder/name` holding `rows` readings of meter `meter`. */
async function csvFile(folder: string, name: string, meter: string, rows: number): Promise<string> {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) lines.push(`${meter},${new Date(Date.UTC(2021, 0, 1) + i * 1_800_000).toISOString()},30,0.5,actual`);
  await mkdir(path.join(inbox, folder), { recursive: true });
  const file = path.join(inbox, folder, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

test('two different files with the same name land under two keys and both are kept whole', async () => {
  const a = await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 100), PREFIX);
  const b = await landLocalFile(lake, await csvFile('b', 'x.csv', 'B', 120), PREFIX);
  await ingestAndCommit(lake, [a, b], emptyTotals());
  await registerLakeTables(lake);
  const [row] = await lake.session.all<{ n: bigint; distinct_rows: bigint }>(
    'SELECT count(*) AS n, count(DISTINCT (source_file, source_row)) AS distinct_rows FROM readings_history',
  );
  expect([a.key, b.key]).toEqual([`${PREFIX}/x.csv`, `${PREFIX}/${versionedName('x.csv', b.versionId!)}`]);
  expect([row.n, row.distinct_rows]).toEqual([220n, 220n]);
});

test('the same bytes landed twice are one object version, committed once', async () => {
  const file = await csvFile('a', 'x.csv', 'A', 10);
  const first = await landLocalFile(lake, file, PREFIX);
  const again = await landLocalFile(lake, file, PREFIX);
  await commitBatches(lake, [await ingestObject(lake, first)]);
  const second = await commitBatches(lake, [await ingestObject(lake, again)]);
  expect(again).toEqual(first);
  expect([second.committed.length, second.duplicates.length]).toEqual([0, 1]);
});

test('a landed object is never overwritten', async () => {
  const first = await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 10), PREFIX);
  const before = await readFile(lake.store.localPath(first.key));
  await landLocalFile(lake, await csvFile('b', 'x.csv', 'B', 30), PREFIX);
  expect(await readFile(lake.store.localPath(first.key))).toEqual(before);
});

test('an object that is not the size its event names is a retryable error, not a quarantine', async () => {
  const event = await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 10), PREFIX);
  await expect(ingestObject(lake, { ...event, size: event.size! + 100 })).rejects.toBeInstanceOf(LandedObjectChangedError);
  expect(await lake.store.head(`quarantine/default/readings/x.csv`)).toBeUndefined();
});

test('an object that changes while it is read is a retryable error and leaves no data files behind', async () => {
  const event = await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 2000), PREFIX);
  const landed = lake.store.localPath(event.key);
  // Written to while the parse runs (what a writer still copying into the landing folder does).
  const writer = (async () => {
    for (let i = 0; i < 50; i++) {
      await appendFile(landed, `A,2022-01-01T00:${String(i).padStart(2, '0')}:00Z,30,0.5,actual\n`);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const outcome = ingestObject(lake, { ...event, size: undefined });
  await writer;
  await expect(outcome).rejects.toBeInstanceOf(LandedObjectChangedError);
  const dataFiles = [];
  for await (const info of lake.store.list('warehouse/readings_history/data/')) dataFiles.push(info.key);
  expect(dataFiles).toEqual([]);
});

test('a copy a killed process left in the temp folder is removed once it is an hour old; a fresh one is kept', async () => {
  const stale = path.join(lake.tempDir, 'landing-killed');
  const fresh = path.join(lake.tempDir, 'landing-running');
  await writeFile(stale, 'partial');
  await writeFile(fresh, 'partial');
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  await utimes(stale, twoHoursAgo, twoHoursAgo);
  await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 1), PREFIX);
  expect([existsSync(stale), existsSync(fresh)]).toEqual([false, true]);
});

test('opening a lake removes only spill folders of processes that no longer run, nothing else beside them', async () => {
  const spill = await mkdtemp(path.join(tmpdir(), 'meterlake-spill-parent-'));
  const previous = process.env.METERLAKE_DUCKDB_TEMP_DIR;
  process.env.METERLAKE_DUCKDB_TEMP_DIR = spill;
  try {
    await mkdir(path.join(spill, 'meterlake-spill-999999-0123abcd'));
    await writeFile(path.join(spill, '2021-01-01.csv'), 'a user file');
    const other = await openLocalLake(lake.dir);
    other.close();
    expect([existsSync(path.join(spill, 'meterlake-spill-999999-0123abcd')), existsSync(path.join(spill, '2021-01-01.csv'))]).toEqual([false, true]);
  } finally {
    if (previous === undefined) delete process.env.METERLAKE_DUCKDB_TEMP_DIR;
    else process.env.METERLAKE_DUCKDB_TEMP_DIR = previous;
    await rm(spill, { recursive: true, force: true });
  }
});

test('a lake that ingested before version ids keeps MD5 ETags, so re-ingesting its files doubles nothing', async () => {
  // What the earlier release left: an object committed under the batch id of its MD5 ETag, and no scheme recorded.
  const file = await csvFile('a', 'x.csv', 'A', 10);
  const landed = await landLocalFile(lake, file, PREFIX);
  const md5 = createHash('md5').update(await readFile(file)).digest('hex');
  await commitBatches(lake, [await ingestObject(lake, { bucket: landed.bucket, key: landed.key, etag: md5, arrivalTime: landed.arrivalTime })]);
  lake.close();
  await rm(path.join(lake.dir, '.meterlake-lake.json'));
  lake = await openLocalLake(lake.dir);

  const again = await commitBatches(lake, [await ingestObject(lake, await landLocalFile(lake, file, PREFIX))]);

  expect([lake.landingVersions, again.committed.length, again.duplicates.length]).toEqual(['md5-etag', 0, 1]);
});

test('a new lake names landed versions by SHA-256 and records it', async () => {
  const landed = await landLocalFile(lake, await csvFile('a', 'x.csv', 'A', 1), PREFIX);
  expect([lake.landingVersions, landed.versionId?.length, JSON.parse(await readFile(path.join(lake.dir, '.meterlake-lake.json'), 'utf8'))])
    .toEqual(['sha256', 64, { landingVersions: 'sha256' }]);
});
