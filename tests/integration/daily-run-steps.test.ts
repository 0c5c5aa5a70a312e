import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileCatalog } from '../../src/catalog/file-catalog';
import { DuckDbSession, scratchName, sqlString } from '../../src/engine/duckdb-session';
import {
  commitDailyRun, mergeDailyRunDay, planDailyRun, runDailyRunHooks, type CommittedDailyRun, type DailyRunRef,
} from '../../src/pipeline/daily-run';
import { dataQualityHook } from '../../src/pipeline/data-quality';
import { tableFor } from '../../src/pipeline/lake-tables';
import type { LakePorts } from '../../src/pipeline/ports';
import { runDailySnapshot } from '../../src/pipeline/snapshot';
import { DATA_QUALITY, METER_READINGS, READINGS_HISTORY, SNAPSHOT_LOG } from '../../src/pipeline/tables';
import { registerTableView, writeRowsAsDataFiles } from '../../src/pipeline/table-files';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import type { ObjectStore } from '../../src/storage/object-store';
import { S3Store } from '../../src/storage/s3-store';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

/**
 * The daily run's steps run one by one, each on ports of its own (its own catalog, DuckDB session
 * and temp folder: a separate Lambda sharing only the lake store), against runDailySnapshot on an
 * identical lake. Two drops: two full days of 4 meters, then corrections of three readings of the
 * first day (merged on read) and a new third day (written); each drop repeats one of its rows.
 */
const NOW = Date.parse('2021-03-05T06:00:00Z');
const DAY0 = Date.parse('2021-03-01T00:00:00Z');
const SLOT_MS = 30 * 60_000;
interface Version { meter: number; slot: number; kwh: number }
const FIRST: Version[] = [
  ...[0, 1, 2, 3].flatMap((meter) => Array.from({ length: 96 }, (_, slot) => ({ meter, slot, kwh: meter + slot / 10 }))),
  { meter: 0, slot: 5, kwh: 0.5 }, // a duplicate row: data quality counts it from the history files the run consumed
];
const SECOND: Version[] = [
  { meter: 1, slot: 3, kwh: 50 }, { meter: 2, slot: 40, kwh: 60 }, { meter: 3, slot: 7, kwh: 70 }, { meter: 3, slot: 7, kwh: 70 },
  ...[0, 1].flatMap((meter) => Array.from({ length: 48 }, (_, slot) => ({ meter, slot: 96 + slot, kwh: slot }))),
];
const DROPS = [
  { file: 'landing/test/readings/first.csv', receivedAt: '2021-03-03 02:00:00+00', versions: FIRST, runDate: '2021-03-03' },
  { file: 'landing/test/readings/second.csv', receivedAt: '2021-03-04 02:00:00+00', versions: SECOND, runDate: '2021-03-04' },
];

type Ports = LakePorts & { close(): Promise<void> };

/** Ports of one step: the shared store, everything else its own. */
async function openPorts(store: ObjectStore): Promise<Ports> {
  const io = fileIOFor(store);
  const session = await DuckDbSession.create({ threads: 1 });
  const tempDir = await mkdtemp(path.join(tmpdir(), 'meterlake-step-'));
  return {
    store, io, catalog: new FileCatalog({ io, warehouse: `${store.url}/warehouse` }), session, profiles: new Map(), now: () => NOW, tempDir,
    async close() {
      session.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

async function step<T>(store: ObjectStore, work: (ports: LakePorts) => Promise<T>): Promise<T> {
  const ports = await openPorts(store);
  try {
    return await work(ports);
  } finally {
    await ports.close();
  }
}

/** Commit a drop's rows straight to readings_history (what ingest and commit do for one landing object). */
async function commitDrop(store: ObjectStore, drop: (typeof DROPS)[number]): Promise<void> {
  await step(store, async (ports) => {
    const history = await tableFor(ports, READINGS_HISTORY);
    const values = drop.versions.map((v, i) =>
      `('m${v.meter}', to_timestamp(${(DAY0 + v.slot * SLOT_MS) / 1000}), 30, ${v.kwh}, 'actual', 'test', ${sqlString(drop.file)}, ${i + 1}, ${sqlString(drop.file)}, TIMESTAMPTZ ${sqlString(drop.receivedAt)})`);
    const scratch = scratchName('drop');
    await ports.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT * FROM (VALUES ${values.join(',')}) t(meter_id, interval_start, interval_minutes, kwh, quality, source, source_file, source_row, batch_id, received_at)`);
    await history.append(await writeRowsAsDataFiles(ports.session, ports.store, await history.metadata(), { sourceSql: scratch }));
  });
}

/** A step's answer as the next step gets it: JSON through a Step Functions state, only the run's ref. */
const asRef = (run: DailyRunRef): DailyRunRef => {
  const { runId, runDate, tag } = JSON.parse(JSON.stringify(run)) as DailyRunRef;
  return { runId, runDate, tag };
};

async function planAndMerge(store: ObjectStore, runDate: string): Promise<{ run: DailyRunRef; days: number[] }> {
  const planned = await step(store, (ports) => planDailyRun(ports, { runDate }));
  for (const day of planned.days) await step(store, (ports) => mergeDailyRunDay(ports, asRef(planned), day));
  return { run: asRef(planned), days: planned.days };
}

/** One daily run as separate steps, each on its own ports. */
async function runSteps(store: ObjectStore, runDate: string): Promise<CommittedDailyRun> {
  const { run } = await planAndMerge(store, runDate);
  const committed = await step(store, (ports) => commitDailyRun(ports, run));
  await step(store, (ports) => runDailyRunHooks(ports, asRef(committed), [dataQualityHook]));
  return committed;
}

/** A table's rows (current snapshot) as sorted strings, without file paths (which differ between lakes). */
async function rowsOf(store: ObjectStore, table: typeof METER_READINGS, columns: string): Promise<string[]> {
  return step(store, async (ports) => {
    await registerTableView(ports.session, ports.store, await tableFor(ports, table), 't');
    const rows = await ports.session.all<{ k: string }>(`SELECT concat_ws('|', ${columns}) AS k FROM t`);
    return rows.map((r) => r.k).sort();
  });
}

const READING_COLUMNS = "meter_id, strftime(interval_start, '%Y-%m-%dT%H:%M'), kwh, source_file, source_row, version_count, first_received_at";
const DQ_COLUMNS = 'CAST(day AS VARCHAR), duplicate_rows, corrections, tag';
const readings = (store: ObjectStore) => rowsOf(store, METER_READINGS, READING_COLUMNS);

async function snapshotCount(store: ObjectStore, table: typeof METER_READINGS): Promise<number> {
  return step(store, async (ports) => (await (await tableFor(ports, table)).metadata()).snapshots.length);
}

async function stagedKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list('staging/daily/')) keys.push(o.key);
  return keys;
}

const dirs: string[] = [];
async function localStore(): Promise<LocalStore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-steps-'));
  dirs.push(dir);
  return new LocalStore(dir);
}

/** The reference: the same drops and runs through runDailySnapshot on one set of ports. */
let reference: LocalStore;

beforeAll(async () => {
  reference = await localStore();
  for (const drop of DROPS) {
    await commitDrop(reference, drop);
    await step(reference, (ports) => runDailySnapshot(ports, { runDate: drop.runDate, hooks: [dataQualityHook] }));
  }
}, 120_000);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('daily run steps on a local lake', () => {
  let store: LocalStore;
  const answers: CommittedDailyRun[] = [];

  beforeAll(async () => {
    store = await localStore();
    for (const drop of DROPS) {
      await commitDrop(store, drop);
      answers.push(await runSteps(store, drop.runDate));
    }
  }, 120_000);

  test('give the same meter_readings rows as runDailySnapshot', async () => {
    expect(await readings(store)).toEqual(await readings(reference));
  });

  test('the hooks step, after the staging folder is gone, gives the data_quality rows runDailySnapshot gives', async () => {
    // Duplicate rows are counted from the history files each run consumed (the hooks get them from the commit's record).
    const expected = ['2021-03-01|2|5|daily-2021-03-04', '2021-03-02|0|0|daily-2021-03-03', '2021-03-03|0|0|daily-2021-03-04'];

    expect([await rowsOf(store, DATA_QUALITY, DQ_COLUMNS), await rowsOf(reference, DATA_QUALITY, DQ_COLUMNS)]).toEqual([expected, expected]);
  });

  test('the commits answer what they did, and leave no staging behind', async () => {
    expect(answers.map((a) => [a.committed, a.tagPlaced, a.daysChanged, a.rowsWritten, a.newestSnapshotAgeMs])).toEqual([
      [true, true, 2, 384, 0],
      [true, true, 2, 3 + 96, 0],
    ]);
    expect(await stagedKeys(store)).toEqual([]);
  });
});

describe('daily run steps: retries and failures', () => {
  let store: LocalStore;

  beforeEach(async () => {
    store = await localStore();
    await commitDrop(store, DROPS[0]);
    await runSteps(store, DROPS[0].runDate);
    await commitDrop(store, DROPS[1]);
  });

  test('a day merged twice (a retried Lambda), then committed, gives the same rows as one run', async () => {
    const { run, days } = await planAndMerge(store, DROPS[1].runDate);

    await step(store, (ports) => mergeDailyRunDay(ports, run, days[0]));
    await step(store, (ports) => commitDailyRun(ports, run));

    expect(await readings(store)).toEqual(await readings(reference));
  });

  test('a commit called twice commits once and answers the same', async () => {
    const { run } = await planAndMerge(store, DROPS[1].runDate);
    const first = await step(store, (ports) => commitDailyRun(ports, run));
    const counts = [await snapshotCount(store, METER_READINGS), await snapshotCount(store, SNAPSHOT_LOG)];

    const second = await step(store, (ports) => commitDailyRun(ports, run));

    expect(second).toEqual(first);
    expect([await snapshotCount(store, METER_READINGS), await snapshotCount(store, SNAPSHOT_LOG)]).toEqual(counts);
  });

  test('a commit with a day not merged fails, naming the day, and commits nothing', async () => {
    const planned = await step(store, (ports) => planDailyRun(ports, { runDate: DROPS[1].runDate }));
    const run = asRef(planned);
    await step(store, (ports) => mergeDailyRunDay(ports, run, planned.days[0]));
    const before = await snapshotCount(store, METER_READINGS);

    const commit = step(store, (ports) => commitDailyRun(ports, run));

    await expect(commit).rejects.toThrow(`day ${planned.days[1]} (2021-03-03) has no merge result`);
    expect(await snapshotCount(store, METER_READINGS)).toBe(before);
  });
});

describe('daily run steps with the lake on S3', () => {
  let server: TestS3Server;
  let store: S3Store;

  beforeAll(async () => {
    server = await startS3Server();
    store = new S3Store(server.storeOptions(`steps-${randomUUID()}`));
    for (const drop of DROPS) {
      await commitDrop(store, drop);
      await runSteps(store, drop.runDate);
    }
  }, 120_000);

  afterAll(async () => {
    await server.close();
  });

  test('give the same meter_readings rows as runDailySnapshot on a local lake', async () => {
    expect(await readings(store)).toEqual(await readings(reference));
  });

  test('the commits leave no staging behind in the bucket', async () => {
    expect(await stagedKeys(store)).toEqual([]);
  });
});
