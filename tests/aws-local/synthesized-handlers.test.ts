/**
 * The synthesized Lambda assets run. The CDK app is synthesized once, WITH its bundling (esbuild
 * on the host, x86_64), into a temp folder; each function's bundled index.js is then loaded from
 * its asset folder in a fresh Node process (tests/helpers/lambda-asset.ts) whose cwd, HOME and
 * TMPDIR are in a temp folder outside the repository and whose NODE_PATH is the DuckDB layer's
 * nodejs/node_modules (Lambda's /opt/nodejs/node_modules), with the environment the template gives
 * the function. One warm process per function serves the whole file, as a Lambda container would.
 * The handlers are driven with the events Lambda would hand them (S3 → SQS envelopes, FIFO commit
 * records, custom resource events, the daily state machine's task inputs, the last run by an ASL
 * runner over the template's own definition), and the tables they leave are read back with
 * icebird, an independent Iceberg reader.
 *
 * Services: S3 is tests/helpers/s3-server.ts (s3rver, or AWS_ENDPOINT_URL when set); Glue, SQS
 * and Athena are the HTTP fakes of tests/helpers/fake-aws, started here on 127.0.0.1, unless the
 * environment names an endpoint for the service: AWS_ENDPOINT_URL_GLUE / _SQS / _ATHENA, or
 * AWS_ENDPOINT_URL for all of them (LocalStack). An external service is used as it is: the Glue
 * database is created if missing, the FIFO commit queue is created and read back with
 * ReceiveMessage, and the tests that need a fake's call log or its interceptors (the asserted
 * Glue/Athena calls, the crash tests) are skipped for that service; two tests that check the
 * tables or messages through the service itself also check the fake's call log when there is one. Credentials and region come
 * from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION when an endpoint is external.
 *
 * Lake and landing share the test bucket (landing/ and warehouse/ never overlap).
 * Run: `npm run test:aws-local` (the default `jest` run includes it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateDatabaseCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ENV, type FunctionName } from '../../src/aws/environment-variables';
import { parseTableMetadata } from '../../src/iceberg/metadata-json';
import { BATCH_IDS_PROPERTY } from '../../src/pipeline/commit';
import { batchIdOf, type LandedObject } from '../../src/pipeline/ingest';
import { S3Store } from '../../src/storage/s3-store';
import { startFakeAthena, startFakeGlue, startFakeSqs, type FakeAthena, type FakeGlue, type FakeSqs } from '../helpers/fake-aws';
import { icebirdRowsOnS3 } from '../helpers/icebird-s3';
import { resultOf, startContainer, type LambdaContainer } from '../helpers/lambda-asset';
import { customResourceEvent, s3EventBody, sqsEvent, sqsRecord } from '../helpers/lambda-events';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';
import { runStateMachine, type TaskInvoker } from '../helpers/state-machine';
import { synthesizeApp, type SynthesizedApp } from '../helpers/synthesized-assets';

jest.setTimeout(180_000);

const DATABASE = 'meterlake';
const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const readings = (meter: string, day: string, kwh = (i: number) => i + 1.5) =>
  [HEADER, ...['00:00', '00:30', '01:00'].map((t, i) => `${meter},${day}T${t}:00Z,30,${kwh(i)},actual`)].join('\n');

/** The endpoint the environment names for a service, if any (the SDK's own rule). */
const externalEndpoint = (service: 'GLUE' | 'SQS' | 'ATHENA'): string | undefined =>
  process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL || undefined;

let synth: SynthesizedApp;
let s3: TestS3Server;
let store: S3Store;
let fakeGlue: FakeGlue | undefined;
let fakeSqs: FakeSqs | undefined;
let fakeAthena: FakeAthena | undefined;
let glue: GlueClient;
let sqs: SQSClient;
let queueUrl: string;
let workDir: string;
let lambdaEnvironment: Record<string, string>;
const containers = new Map<FunctionName, LambdaContainer>();
const externalQueueMessages: { body: string; groupId?: string; deduplicationId?: string }[] = [];

const credentials = () => ({
  accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? s3.credentials.accessKeyId,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? s3.credentials.secretAccessKey,
});

beforeAll(async () => {
  [synth, s3] = await Promise.all([synthesizeApp(), startS3Server()]);
  store = new S3Store(s3.storeOptions());
  workDir = mkdtempSync(path.join(tmpdir(), 'meterlake-lambda-'));
  if (!externalEndpoint('GLUE')) fakeGlue = await startFakeGlue(DATABASE);
  if (!externalEndpoint('SQS')) fakeSqs = await startFakeSqs();
  if (!externalEndpoint('ATHENA')) fakeAthena = await startFakeAthena();
  const endpoints = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_GLUE: fakeGlue?.endpoint ?? externalEndpoint('GLUE')!,
    AWS_ENDPOINT_URL_SQS: fakeSqs?.endpoint ?? externalEndpoint('SQS')!,
    AWS_ENDPOINT_URL_ATHENA: fakeAthena?.endpoint ?? externalEndpoint('ATHENA')!,
  };
  const { accessKeyId, secretAccessKey } = credentials();
  lambdaEnvironment = {
    ...endpoints,
    AWS_REGION: s3.region,
    AWS_DEFAULT_REGION: s3.region,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  const clientOptions = (endpoint: string) => ({ region: s3.region, endpoint, credentials: credentials() });
  glue = new GlueClient(clientOptions(endpoints.AWS_ENDPOINT_URL_GLUE));
  sqs = new SQSClient(clientOptions(endpoints.AWS_ENDPOINT_URL_SQS));
  if (fakeSqs) {
    queueUrl = `${fakeSqs.endpoint}/123456789012/meterlake-commit.fifo`;
  } else {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: `meterlake-commit-${Date.now()}.fifo`, Attributes: { FifoQueue: 'true' } }));
    queueUrl = created.QueueUrl!;
  }
  if (!fakeGlue) await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE } })).catch((e: Error) => {
    if (e.name !== 'AlreadyExistsException') throw e;
  });
}, 300_000);

// An interception a test installed and never triggered must not act on a later test's calls.
afterEach(() => fakeGlue?.intercept(undefined));

afterAll(async () => {
  await Promise.all([...containers.values()].map((c) => c.kill()));
  if (!fakeSqs && queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  glue?.destroy();
  sqs?.destroy();
  await Promise.all([fakeGlue?.close(), fakeSqs?.close(), fakeAthena?.close(), s3?.close()]);
  synth?.cleanup();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** What CloudFormation resolves at deploy time for the template's references. */
const deployed = () => ({ [ENV.lakeBucket]: s3.bucket, [ENV.landingBucket]: s3.bucket, [ENV.commitQueueUrl]: queueUrl, [ENV.deviceStateTable]: 'meterlake-device-state', [ENV.auditBucket]: s3.bucket });

/** A fresh container of a function (a cold start), replacing the warm one. */
async function freshContainer(name: FunctionName, environment: Record<string, string> = lambdaEnvironment): Promise<LambdaContainer> {
  await containers.get(name)?.kill();
  const container = startContainer(synth.functions[name], { deployed: deployed(), environment, workDir });
  containers.set(name, container);
  return container;
}

/** The warm container of a function, started on first use. */
async function container(name: FunctionName): Promise<LambdaContainer> {
  return containers.get(name) ?? freshContainer(name);
}

const invoke = async <R>(name: FunctionName, event: unknown): Promise<R> => resultOf<R>(await container(name), event);

/** Tests that read a fake's call log or use its interceptors run only against the local fakes. */
const withFake = (fake: () => unknown) => (fake() ? test : test.skip);
const testWithFakeGlue = (name: string, fn: () => Promise<void>) => withFake(() => !externalEndpoint('GLUE'))(name, fn);
const testWithFakeAthena = (name: string, fn: () => Promise<void>) => withFake(() => !externalEndpoint('ATHENA'))(name, fn);

// ---------------------------------------------------------------------------------------------
// Events as Lambda delivers them.

let arrivals = 0;
/** Put a landing object and describe it as its S3 event would (each arrives a minute after the last). */
async function land(key: string, body: string): Promise<LandedObject> {
  const info = await store.put(key, body);
  const arrivalTime = new Date(Date.parse('2026-12-04T06:00:00Z') + 60_000 * arrivals++);
  return { bucket: s3.bucket, key, etag: info.etag?.replaceAll('"', ''), size: Buffer.byteLength(body), arrivalTime };
}

type BatchResponse = { batchItemFailures: { itemIdentifier: string }[] };

type CustomResourceResponse = { PhysicalResourceId: string; Data?: Record<string, string> };

/** The commit queue's messages so far (the fake's log, or what ReceiveMessage returns from an external queue). */
async function queuedMessages(): Promise<{ body: string; groupId?: string; deduplicationId?: string }[]> {
  if (fakeSqs) return fakeSqs.messages;
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }));
    if (!page.Messages?.length) return externalQueueMessages;
    for (const m of page.Messages) {
      externalQueueMessages.push({ body: m.Body!, groupId: m.Attributes?.MessageGroupId, deduplicationId: m.Attributes?.MessageDeduplicationId });
    }
  }
}

/** Land a CSV, run it through the ingest asset, and return the commit message it queued. */
async function ingestThroughAsset(key: string, body: string) {
  const object = await land(key, body);
  const before = (await queuedMessages()).length;
  const response = await invoke<BatchResponse>('ingest', sqsEvent(sqsRecord(`ingest-${key}`, s3EventBody(object))));
  expect(response.batchItemFailures).toEqual([]);
  const sent = (await queuedMessages()).slice(before);
  expect(sent).toHaveLength(1);
  return { object, message: sent[0] };
}

/** The commit message as the commit function receives it from the FIFO queue. */
const delivered = (messageId: string, message: { body: string; groupId?: string }) => sqsRecord(messageId, message.body, message.groupId);

// ---------------------------------------------------------------------------------------------
// Reading the lake back.

async function metadataLocationOf(table: string): Promise<string> {
  const { Table } = await glue.send(new GetTableCommand({ DatabaseName: DATABASE, Name: table }));
  return Table!.Parameters!.metadata_location;
}

async function tableMetadata(table: string) {
  const location = await metadataLocationOf(table);
  return parseTableMetadata((await store.get(location.replace(`s3://${s3.bucket}/`, ''))).toString('utf8'));
}

async function snapshotsWithBatch(table: string, batchId: string) {
  return (await tableMetadata(table)).snapshots.filter((s) => s.summary[BATCH_IDS_PROPERTY]?.split(',').includes(batchId));
}

const plain = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? Number(value) : value);
/** icebird's rows of a table, values made comparable (timestamps as ISO strings, longs as numbers). */
async function rowsOf(table: string): Promise<Record<string, unknown>[]> {
  const rows = await icebirdRowsOnS3(store, await metadataLocationOf(table));
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])));
}
const readingsOf = (rows: Record<string, unknown>[], meter: string) =>
  rows.filter((r) => r.meter_id === meter).map((r) => [r.interval_start, r.kwh]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

// ---------------------------------------------------------------------------------------------

describe('the bundled assets', () => {
  test('every function loads from its asset folder, resolving @duckdb/node-api from the DuckDB layer, not the repository', async () => {
    const names = Object.keys(synth.functions) as FunctionName[];
    const coldStarts = await Promise.all(names.map(async (name) => ({ name, ...(await (await container(name)).coldStart) })));

    for (const { name, error, duckDbResolvedFrom } of coldStarts) {
      expect({ name, error }).toEqual({ name, error: undefined });
      const layer = synth.functions[name].layerDirs[0];
      expect({ name, resolved: duckDbResolvedFrom?.startsWith(`${layer}${path.sep}nodejs${path.sep}node_modules${path.sep}@duckdb${path.sep}`) }).toEqual({ name, resolved: true });
    }
  });

  test('a function whose environment lacks a variable fails its cold start naming it', async () => {
    const broken = startContainer(
      { ...synth.functions.commit, environment: Object.fromEntries(Object.entries(synth.functions.commit.environment).filter(([k]) => k !== ENV.lakeBucket)) },
      { deployed: deployed(), environment: lambdaEnvironment, workDir },
    );
    try {
      const { error } = await broken.coldStart;
      const outcome = await broken.invoke(sqsEvent());

      expect(error).toMatchObject({ name: 'MissingEnvironmentError', message: expect.stringContaining(ENV.lakeBucket) });
      expect(outcome.error).toMatchObject({ phase: 'init', name: 'MissingEnvironmentError' });
    } finally {
      await broken.kill();
    }
  });
});

describe('catalog-tables', () => {
  test('Create makes every pipeline table in Glue as an Iceberg table', async () => {
    const response = await invoke<CustomResourceResponse>('catalog-tables', customResourceEvent('Create'));

    const tables = response.Data!.Tables.split(',').sort();
    expect(tables).toEqual(['agreement', 'data_quality', 'device_energy', 'device_measurements', 'device_stream_events', 'ingest_log', 'meter_readings', 'meterpoint', 'product', 'readings_history', 'rejected_measurements', 'rejected_readings', 'snapshot_log']);
    for (const table of tables) {
      const { Table } = await glue.send(new GetTableCommand({ DatabaseName: DATABASE, Name: table }));
      expect(Table?.Parameters?.table_type).toBe('ICEBERG');
    }
    if (fakeGlue) expect(fakeGlue.callsOf('CreateTable').map((c) => (c.input.TableInput as { Name: string }).Name).sort()).toEqual(tables);
  });

  testWithFakeGlue('a second deployment (Update) creates and changes nothing', async () => {
    const before = fakeGlue!.calls.length;
    const pointers = new Map([...fakeGlue!.state.tables].map(([name, t]) => [name, t.Parameters?.metadata_location]));

    const response = await invoke<CustomResourceResponse>('catalog-tables', customResourceEvent('Update', 'meterlake-catalog-tables-meterlake'));

    const calls = fakeGlue!.calls.slice(before).map((c) => c.operation);
    expect(calls.filter((op) => op === 'CreateTable' || op === 'UpdateTable')).toEqual([]);
    expect(new Map([...fakeGlue!.state.tables].map(([name, t]) => [name, t.Parameters?.metadata_location]))).toEqual(pointers);
    expect(response.PhysicalResourceId).toBe('meterlake-catalog-tables-meterlake');
  });
});

describe('athena-views', () => {
  testWithFakeAthena('Create runs CREATE OR REPLACE VIEW for every view, in order, in the workgroup', async () => {
    const response = await invoke<CustomResourceResponse>('athena-views', customResourceEvent('Create'));

    const statements = fakeAthena!.statements;
    expect(statements.map((s) => /VIEW "meterlake"."(\w+)"/.exec(s.query)?.[1])).toEqual(response.Data!.Views.split(','));
    expect(statements.every((s) => s.workGroup === synth.functions['athena-views'].environment[ENV.athenaWorkgroup] && s.query.startsWith('CREATE OR REPLACE VIEW'))).toBe(true);
    expect(fakeAthena!.callsOf('GetQueryExecution').map((c) => c.input.QueryExecutionId)).toEqual(statements.map((s) => s.queryExecutionId));
  });
});

describe('ingest', () => {
  test('a landed CSV becomes exactly one FIFO commit message, grouped by table and deduplicated by batch id', async () => {
    const { object, message } = await ingestThroughAsset('landing/default/readings/first.csv', readings('MTR-1', '2026-12-01'));

    expect(message).toMatchObject({ groupId: 'readings_history', deduplicationId: batchIdOf(object) });
    if (fakeSqs) expect(fakeSqs.callsOf('SendMessage').at(-1)?.input.QueueUrl).toBe(queueUrl);
  });

  test('a poison record fails alone; the good record of the same batch is ingested', async () => {
    const good = await land('landing/default/readings/beside-poison.csv', readings('MTR-2', '2026-12-01'));
    const missing = { ...good, key: 'landing/default/readings/never-landed.csv' };
    const before = (await queuedMessages()).length;

    const response = await invoke<BatchResponse>('ingest', sqsEvent(
      sqsRecord('not-an-event', 'this is not an S3 event'),
      sqsRecord('missing-object', s3EventBody(missing)),
      sqsRecord('good', s3EventBody(good)),
    ));

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['missing-object', 'not-an-event']);
    expect((await queuedMessages()).slice(before).map((m) => m.deduplicationId)).toEqual([batchIdOf(good)]);
  });
});

describe('commit', () => {
  test('a commit message delivered from the FIFO queue becomes a snapshot icebird reads back', async () => {
    const { object, message } = await ingestThroughAsset('landing/default/readings/committed.csv', readings('MTR-3', '2026-12-02'));
    const pointer = await metadataLocationOf('readings_history');

    const response = await invoke<BatchResponse>('commit', sqsEvent(delivered('c-1', message)));

    expect(response.batchItemFailures).toEqual([]);
    expect(await metadataLocationOf('readings_history')).not.toBe(pointer);
    const rows = await rowsOf('readings_history');
    expect(readingsOf(rows, 'MTR-3')).toEqual([['2026-12-02T00:00:00.000Z', 1.5], ['2026-12-02T00:30:00.000Z', 2.5], ['2026-12-02T01:00:00.000Z', 3.5]]);
    expect(rows.filter((r) => r.meter_id === 'MTR-3').every((r) => r.batch_id === batchIdOf(object))).toBe(true);
  });

  test('the same record delivered twice is committed once', async () => {
    const { object, message } = await ingestThroughAsset('landing/default/readings/twice.csv', readings('MTR-4', '2026-12-02'));

    const first = await invoke<BatchResponse>('commit', sqsEvent(delivered('c-twice', message)));
    const second = await invoke<BatchResponse>('commit', sqsEvent(delivered('c-twice', message)));

    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
    expect(readingsOf(await rowsOf('readings_history'), 'MTR-4')).toHaveLength(3);
  });

  /**
   * Ingest a CSV, then hand its commit message to a fresh commit process that is SIGKILLed when
   * Glue's UpdateTable reaches `phase` (received: not applied; applied: applied, answer lost).
   */
  async function commitKilledAt(phase: 'received' | 'applied', key: string, meter: string, messageId: string) {
    const { object, message } = await ingestThroughAsset(key, readings(meter, '2026-12-03'));
    const doomed = await freshContainer('commit');
    await doomed.coldStart;
    const pointerBefore = await metadataLocationOf('readings_history');
    fakeGlue!.intercept(async (call, at) => {
      if (call.operation !== 'UpdateTable' || at !== phase) return;
      fakeGlue!.intercept(undefined);
      await doomed.kill();
      return 'drop';
    });
    const crashed = await doomed.invoke<BatchResponse>(sqsEvent(delivered(messageId, message)));
    return { object, message, crashed, pointerBefore };
  }

  /** The redelivery in a fresh commit process; the batch ends committed exactly once. */
  async function expectRedeliveryCommitsOnce(object: LandedObject, message: { body: string; groupId?: string }, messageId: string, meter: string) {
    const redelivered = await resultOf<BatchResponse>(await freshContainer('commit'), sqsEvent(delivered(messageId, message)));

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
    expect(await snapshotsWithBatch('ingest_log', batchIdOf(object))).toHaveLength(1);
    expect(readingsOf(await rowsOf('readings_history'), meter)).toHaveLength(3);
  }

  testWithFakeGlue('a commit process killed as Glue receives its pointer swap loses nothing: a fresh process commits the redelivery once', async () => {
    const { object, message, crashed, pointerBefore } = await commitKilledAt('received', 'landing/default/readings/crash-before.csv', 'MTR-5', 'c-crash');
    expect(crashed.error).toMatchObject({ name: 'Runtime.ExitError' });
    expect(await metadataLocationOf('readings_history')).toBe(pointerBefore);

    await expectRedeliveryCommitsOnce(object, message, 'c-crash', 'MTR-5');
  });

  testWithFakeGlue('a commit process killed after Glue applied its swap but before the answer: the redelivery sees it done, one snapshot', async () => {
    const { object, message, crashed } = await commitKilledAt('applied', 'landing/default/readings/crash-after.csv', 'MTR-6', 'c-lost');
    expect(crashed.error).toMatchObject({ name: 'Runtime.ExitError' });

    await expectRedeliveryCommitsOnce(object, message, 'c-lost', 'MTR-6');
  });

  testWithFakeGlue("a pointer swap whose answer is lost while the process lives: the SDK's retry meets its own version, the commit counts as done", async () => {
    const { object, message } = await ingestThroughAsset('landing/default/readings/lost-answer.csv', readings('MTR-7', '2026-12-03'));
    const updatesBefore = fakeGlue!.callsOf('UpdateTable').length;
    fakeGlue!.intercept((call, phase) => {
      if (call.operation !== 'UpdateTable' || phase !== 'applied') return;
      fakeGlue!.intercept(undefined);
      return 'drop';
    });

    const response = await invoke<BatchResponse>('commit', sqsEvent(delivered('c-lost-alive', message)));

    expect(response.batchItemFailures).toEqual([]);
    // The applied swap whose connection dropped, then the SDK's retry with the old VersionId.
    expect(fakeGlue!.callsOf('UpdateTable').slice(updatesBefore).map((call) => call.error?.name)).toEqual([undefined, 'ConcurrentModificationException']);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
    expect(readingsOf(await rowsOf('readings_history'), 'MTR-7')).toHaveLength(3);
  });
});

describe('the daily state machine over the daily-* assets', () => {
  const runTasks: TaskInvoker = async (resource, input) => {
    const outcome = await (await container(resource as FunctionName)).invoke(input);
    if (outcome.error) throw Object.assign(new Error(outcome.error.message), { name: outcome.error.name });
    return outcome.result;
  };

  test('a run succeeds and meter_readings holds the latest version of every reading', async () => {
    // A correction of MTR-3's 00:30 reading arrives after the first version.
    const { message } = await ingestThroughAsset('landing/default/readings/correction.csv', readings('MTR-3', '2026-12-02', (i) => (i === 1 ? 9.25 : i + 1.5)));
    expect((await invoke<BatchResponse>('commit', sqsEvent(delivered('c-correction', message)))).batchItemFailures).toEqual([]);

    const execution = await runStateMachine(synth.dailyDefinition, { runDate: '2026-12-04' }, { invoke: runTasks, executionName: 'daily-1' });

    expect(execution).toMatchObject({ status: 'SUCCEEDED' });
    const output = (execution as { output: { plan: { days: number[] }; commit: { committed: boolean }; hooks: { hooks: { name: string }[] } } }).output;
    expect(output.plan.days.length).toBeGreaterThan(0);
    expect(execution.history.filter((e) => e.state === 'MergeDay')).toHaveLength(output.plan.days.length);
    expect(output.commit).toMatchObject({ committed: true });
    expect(output.hooks.hooks.map((h) => h.name)).toEqual(['data_quality', 'gold_tables', 'device_energy_repair', 'demand_forecast']);
    const history = await rowsOf('readings_history');
    const latest = new Map<string, Record<string, unknown>>();
    for (const row of history) {
      const key = `${row.meter_id} ${row.interval_start}`;
      const order = (r: Record<string, unknown>) => `${r.received_at} ${r.source_file} ${String(r.source_row).padStart(10, '0')}`;
      if (!latest.has(key) || order(row) > order(latest.get(key)!)) latest.set(key, row);
    }
    const current = await rowsOf('meter_readings');
    expect(current.map((r) => [r.meter_id, r.interval_start, r.kwh]).sort()).toEqual([...latest.values()].map((r) => [r.meter_id, r.interval_start, r.kwh]).sort());
    expect(current.find((r) => r.meter_id === 'MTR-3' && r.interval_start === '2026-12-02T00:30:00.000Z')).toMatchObject({ kwh: 9.25, version_count: 2 });
  });

  test('a run whose execution input has an unknown field ends in the Fail state', async () => {
    const execution = await runStateMachine(synth.dailyDefinition, { rundate: '2026-12-05' }, { invoke: runTasks, executionName: 'daily-bad' });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'DailyRunFailed' });
    expect(execution.history.map((e) => e.state)).toEqual(['Plan', 'DailyRunFailed']);
    expect(execution.history[0].error).toMatchObject({ error: 'InvalidTaskInputError', cause: expect.stringContaining('rundate') });
  });
});

test('maintenance runs over the lake, answers for every table and keeps every row', async () => {
  const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
  const before = { history: sorted(await rowsOf('readings_history')), readings: sorted(await rowsOf('meter_readings')) };
  expect(before.readings.length).toBeGreaterThan(0);

  const summary = await invoke<{ tables: { table: string }[] }>('maintenance', {});

  expect({ history: sorted(await rowsOf('readings_history')), readings: sorted(await rowsOf('meter_readings')) }).toEqual(before);

  expect(summary.tables.map((t) => t.table)).toEqual(['agreement', 'data_quality', 'demand_forecast', 'device_energy', 'device_measurements', 'device_stream_events', 'features_hourly', 'ingest_log', 'meter_readings', 'meterpoint', 'product', 'readings_history', 'rejected_measurements', 'rejected_readings', 'snapshot_log']);
});
