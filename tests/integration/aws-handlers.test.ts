import { readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { SendMessageCommand, SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { CloudFormationCustomResourceEvent, Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseTableMetadata } from '../../src/iceberg/metadata-json';
import { BATCH_IDS_PROPERTY } from '../../src/pipeline/commit';
import { batchIdOf, type LandedObject } from '../../src/pipeline/ingest';
import { S3Store } from '../../src/storage/s3-store';
import { customResourceEvent, lambdaContext, s3EventBody, sqsEvent, sqsRecord } from '../helpers/lambda-events';
import { FakeGlueTables, mockGlue } from '../helpers/fake-glue';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

/**
 * The handlers as Lambda runs them (module-scope adapters built from the environment), against a
 * real S3-compatible server; Glue, SQS and Athena have no local server, so their clients are
 * mocked in-process (Glue statefully, with its VersionId lock) and the calls asserted.
 * Lake and landing share the test server's bucket (landing/ and warehouse/ never overlap).
 */
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/meterlake-commit.fifo';
const WORKGROUP = 'meterlake';
const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const readings = (meter: string, day: string) => [HEADER, ...['00:00', '00:30', '01:00'].map((t, i) => `${meter},${day}T${t}:00Z,30,${i + 1}.5,actual`)].join('\n');

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type SqsHandler = Handler<SQSEvent, { batchItemFailures: { itemIdentifier: string }[] }>;
type CustomResourceHandler = Handler<CloudFormationCustomResourceEvent, { PhysicalResourceId: string; Data?: Record<string, string> }>;

let server: TestS3Server;
let store: S3Store;
const glue = new FakeGlueTables('meterlake');
const glueMock = mockGlue(glue);
const sqsMock = mockClient(SQSClient);
const athenaMock = mockClient(AthenaClient);
let ingest: SqsHandler;
let commit: SqsHandler;
let catalogTables: CustomResourceHandler;
let athenaViews: CustomResourceHandler;
let maintenance: Handler<unknown, { tables: { table: string }[] }>;
let dailyPlan: typeof import('../../functions/daily-plan/handler').handler;
let dailyMergeDay: typeof import('../../functions/daily-merge-day/handler').handler;
let dailyCommit: typeof import('../../functions/daily-commit/handler').handler;
let dailyHooks: typeof import('../../functions/daily-hooks/handler').handler;
let metrics: typeof import('../../functions/commons/metrics').metrics;

const context = lambdaContext;

const originalEnv = { ...process.env };

beforeAll(async () => {
  server = await startS3Server();
  store = new S3Store(server.storeOptions());
  Object.assign(process.env, {
    AWS_REGION: server.region,
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    METERLAKE_LAKE_BUCKET: server.bucket,
    METERLAKE_LANDING_BUCKET: server.bucket,
    METERLAKE_GLUE_DATABASE: 'meterlake',
    METERLAKE_COMMIT_QUEUE_URL: QUEUE_URL,
    METERLAKE_ATHENA_WORKGROUP: WORKGROUP,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // The handlers read their environment when first imported, as at a Lambda cold start.
  ingest = (await import('../../functions/ingest/handler')).handler;
  commit = (await import('../../functions/commit/handler')).handler;
  catalogTables = (await import('../../functions/catalog-tables/handler')).handler;
  athenaViews = (await import('../../functions/athena-views/handler')).handler;
  maintenance = (await import('../../functions/maintenance/handler')).handler;
  dailyPlan = (await import('../../functions/daily-plan/handler')).handler;
  dailyMergeDay = (await import('../../functions/daily-merge-day/handler')).handler;
  dailyCommit = (await import('../../functions/daily-commit/handler')).handler;
  dailyHooks = (await import('../../functions/daily-hooks/handler')).handler;
  metrics = (await import('../../functions/commons/metrics')).metrics;
});

afterAll(async () => {
  process.env = originalEnv;
  // The handlers' scratch folders (downloads, DuckDB spill and home) are this process's: os.tmpdir()/meterlake/<pid>-*.
  const scratch = path.join(os.tmpdir(), 'meterlake');
  for (const entry of readdirSync(scratch)) if (entry.startsWith(`${process.pid}-`)) rmSync(path.join(scratch, entry), { recursive: true, force: true });
  glueMock.restore();
  sqsMock.restore();
  athenaMock.restore();
  await server.close();
});

beforeEach(() => {
  glueMock.resetHistory();
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => ({ MessageId: `sqs-${input.MessageDeduplicationId}` }));
  athenaMock.reset();
});

/** Put a landing object and describe it as its S3 event would. */
async function land(key: string, body: string): Promise<LandedObject> {
  const info = await store.put(key, body);
  return { bucket: server.bucket, key, etag: info.etag?.replaceAll('"', ''), size: Buffer.byteLength(body), arrivalTime: new Date('2026-12-04T06:00:00Z') };
}

/** Ingest one landing object through the ingest handler; returns the commit message it sent. */
async function ingestThroughHandler(key: string, body: string): Promise<{ object: LandedObject; message: SendMessageCommandInput }> {
  const object = await land(key, body);
  sqsMock.resetHistory();
  const response = await ingest(sqsEvent(sqsRecord(`ingest-${key}`, s3EventBody(object))), context);
  expect(response.batchItemFailures).toEqual([]);
  return { object, message: sqsMock.commandCalls(SendMessageCommand)[0].args[0].input };
}

/** The commit message as the commit function receives it from the FIFO queue. */
const delivered = (messageId: string, message: SendMessageCommandInput) => sqsRecord(messageId, message.MessageBody!, message.MessageGroupId);

/** Snapshots of a table (read through the fake Glue pointer) that carry `batchId`. */
async function snapshotsWithBatch(table: string, batchId: string) {
  const metadata = parseTableMetadata((await store.get(glue.metadataLocation(table)!.replace(`${store.url}/`, ''))).toString('utf8'));
  return metadata.snapshots.filter((s) => s.summary[BATCH_IDS_PROPERTY]?.split(',').includes(batchId));
}

describe('catalog-tables', () => {
  test('Create makes every pipeline table in Glue as an Iceberg table', async () => {
    const response = await catalogTables(customResourceEvent('Create'), context);

    expect([...glue.tables.keys()].sort()).toEqual(response.Data!.Tables.split(',').sort());
    expect([...glue.tables.keys()].sort()).toEqual([
      'agreement', 'data_quality', 'device_energy', 'device_measurements', 'device_stream_events', 'ingest_log', 'meter_readings', 'meterpoint', 'product', 'readings_history', 'rejected_measurements', 'rejected_readings', 'snapshot_log',
    ]);
    expect([...glue.tables.values()].every((t) => t.Parameters?.table_type === 'ICEBERG')).toBe(true);
  });

  test('Update keeps the existing tables as they are', async () => {
    const before = new Map([...glue.tables].map(([name, t]) => [name, t.Parameters?.metadata_location]));

    const response = await catalogTables(customResourceEvent('Update', 'meterlake-catalog-tables-meterlake'), context);

    expect(glueMock.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(new Map([...glue.tables].map(([name, t]) => [name, t.Parameters?.metadata_location]))).toEqual(before);
    expect(response.PhysicalResourceId).toBe('meterlake-catalog-tables-meterlake');
  });

  test('Delete drops nothing and calls Glue not at all', async () => {
    const response = await catalogTables(customResourceEvent('Delete', 'meterlake-catalog-tables-meterlake'), context);

    expect(glueMock.calls()).toHaveLength(0);
    expect(response.PhysicalResourceId).toBe('meterlake-catalog-tables-meterlake');
  });
});

describe('ingest', () => {
  test('an S3 event in an SQS message becomes one commit message grouped by table and deduplicated by batch id', async () => {
    const object = await land('landing/default/readings/envelope.csv', readings('MTR-1', '2026-12-01'));

    const response = await ingest(sqsEvent(sqsRecord('m-1', s3EventBody(object))), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({
      QueueUrl: QUEUE_URL, MessageGroupId: 'readings_history', MessageDeduplicationId: batchIdOf(object),
    })]);
  });

  test('a poison message fails alone; the other messages of the batch are ingested', async () => {
    const good = await land('landing/default/readings/good.csv', readings('MTR-2', '2026-12-01'));

    const response = await ingest(sqsEvent(
      sqsRecord('poison', s3EventBody(good, 'someone-elses-bucket')),
      sqsRecord('good', s3EventBody(good)),
    ), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison' }]);
    expect(sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId)).toEqual([batchIdOf(good)]);
  });

  test("S3's test event is acknowledged and sends nothing", async () => {
    const response = await ingest(sqsEvent(sqsRecord('t-1', JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: server.bucket }))), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('commit', () => {
  test('the same message delivered twice commits once', async () => {
    const { object, message } = await ingestThroughHandler('landing/default/readings/twice.csv', readings('MTR-3', '2026-12-02'));

    const first = await commit(sqsEvent(delivered('c-1', message)), context);
    const second = await commit(sqsEvent(delivered('c-1', message)), context);

    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);
    const snapshots = await snapshotsWithBatch('readings_history', batchIdOf(object));
    expect(snapshots.map((s) => s.summary['added-records'])).toEqual(['3']);
    expect(await snapshotsWithBatch('ingest_log', batchIdOf(object))).toHaveLength(1);
  });

  test('a commit that dies before the Glue pointer swap fails its messages, and the redelivery commits them once', async () => {
    const { object, message } = await ingestThroughHandler('landing/default/readings/crash.csv', readings('MTR-7', '2026-12-02'));
    glue.updateFaults.push('before-swap');

    const first = await commit(sqsEvent(delivered('c-crash', message)), context);
    const second = await commit(sqsEvent(delivered('c-crash', message)), context);

    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[{ itemIdentifier: 'c-crash' }], []]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
    expect(await snapshotsWithBatch('ingest_log', batchIdOf(object))).toHaveLength(1);
  });

  test('a pointer swap whose answer was lost is recognised as done: the batch commits once, first time', async () => {
    const { object, message } = await ingestThroughHandler('landing/default/readings/lost-answer.csv', readings('MTR-8', '2026-12-02'));
    glue.updateFaults.push('after-swap');

    const response = await commit(sqsEvent(delivered('c-lost', message)), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
  });

  test('a malformed message fails alone; a message of another group commits', async () => {
    const { object, message } = await ingestThroughHandler('landing/default/readings/other-group.csv', readings('MTR-4', '2026-12-02'));

    const response = await commit(sqsEvent(
      sqsRecord('bad', '{"version": 1, "request": "oops"}', 'readings_history'),
      delivered('good', { ...message, MessageGroupId: 'other-group' }),
    ), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(object))).toHaveLength(1);
  });

  test('messages after a malformed one in its group fail too (FIFO order); those before it commit', async () => {
    const before = await ingestThroughHandler('landing/default/readings/before.csv', readings('MTR-5', '2026-12-03'));
    const after = await ingestThroughHandler('landing/default/readings/after.csv', readings('MTR-6', '2026-12-03'));

    const response = await commit(sqsEvent(
      delivered('before', before.message),
      sqsRecord('bad', 'not json', 'readings_history'),
      delivered('after', after.message),
    ), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }, { itemIdentifier: 'after' }]);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(before.object))).toHaveLength(1);
    expect(await snapshotsWithBatch('readings_history', batchIdOf(after.object))).toHaveLength(0);
  });
});

describe('daily job', () => {
  // The commits above brought 3 readings each of four meters on 2026-12-02 and one on 2026-12-03; the
  // steps run as the state machine chains them.
  const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
  let planned: Awaited<ReturnType<typeof dailyPlan>>;

  test('daily-plan names the interval days with new readings', async () => {
    planned = await dailyPlan({ request: { runDate: '2026-12-04' }, executionId: 'execution-1' }, context);

    expect(planned).toMatchObject({ runDate: '2026-12-04', tag: 'daily-2026-12-04', days: [dayOf('2026-12-02'), dayOf('2026-12-03')] });
  });

  test('daily-plan refuses an execution input with an unknown field, naming it', async () => {
    await expect(dailyPlan({ request: { rundate: '2026-12-04' } as never }, context)).rejects.toThrow(/daily-plan: invalid task input: unknown field\(s\) rundate in the execution input/);
  });

  test('daily-plan refuses a task input not built by the state machine (a direct invoke with the execution input)', async () => {
    await expect(dailyPlan({ runDate: '2026-12-04' } as never, context)).rejects.toThrow(/unknown field\(s\) runDate in the task input; it takes executionId, request/);
  });

  test('daily-plan refuses an execution input that is not an object', async () => {
    await expect(dailyPlan({ request: null } as never, context)).rejects.toThrow(/the execution input is null, expected an object/);
  });

  test('daily-merge-day merges one planned day', async () => {
    const merged = await Promise.all(planned.days.map((day) => dailyMergeDay({ run: planned, day }, context)));

    expect(merged.map((m) => [m.day, m.rows])).toEqual([[dayOf('2026-12-02'), 12], [dayOf('2026-12-03'), 3]]);
  });

  test('daily-merge-day refuses a day that is not a number, naming it', async () => {
    await expect(dailyMergeDay({ run: planned, day: 'monday' as never }, context)).rejects.toThrow(/daily-merge-day: invalid task input: day is "monday"/);
  });

  test('daily-commit commits and tags the run and emits the freshness metric', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');

    const committed = await dailyCommit({ run: planned }, context);

    expect(committed).toMatchObject({ committed: true, tagPlaced: true, daysChanged: 2, rowsWritten: 15 });
    expect(addMetric).toHaveBeenCalledWith('NewestSnapshotAgeHours', 'None', committed.newestSnapshotAgeMs! / 3_600_000);
    addMetric.mockRestore();
  });

  // catalog-tables creates the reference tables empty on deploy (the Athena views name them).
  test('daily-hooks runs data quality, skips gold while the reference tables are still empty, writes the forecast features', async () => {
    const { hooks } = await dailyHooks({ run: planned }, context);

    expect(hooks).toEqual([{ name: 'data_quality', outcome: 'rebuilt' }, { name: 'gold_tables', outcome: 'unchanged' }, { name: 'device_energy_repair', outcome: 'unchanged' }, { name: 'demand_forecast', outcome: 'rebuilt' }]);
  });

  test('daily-hooks refuses a run without its id, naming the field', async () => {
    await expect(dailyHooks({ run: { ...planned, runId: '' } }, context)).rejects.toThrow(/daily-hooks: invalid task input: run.runId is "", expected a non-empty string/);
  });
});

describe('athena-views', () => {
  test('Create runs CREATE OR REPLACE VIEW for every view in the workgroup, each waited for', async () => {
    let started = 0;
    athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q-${++started}` }));
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });

    const response = await athenaViews(customResourceEvent('Create'), context);

    const statements = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(statements.map((s) => /VIEW "meterlake"."(\w+)"/.exec(s.QueryString!)?.[1])).toEqual(response.Data!.Views.split(','));
    expect(statements.every((s) => s.WorkGroup === WORKGROUP && s.QueryString!.startsWith('CREATE OR REPLACE VIEW'))).toBe(true);
    expect(athenaMock.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionId)).toEqual(statements.map((_, i) => `q-${i + 1}`));
  });

  test("a view Athena fails fails the deployment with the view's name and Athena's reason", async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: readings_history' } } });

    await expect(athenaViews(customResourceEvent('Update'), context)).rejects.toThrow(/view meterlake\.\w+ could not be created in workgroup meterlake: .*TABLE_NOT_FOUND/);
  });

  test('Delete leaves the views', async () => {
    await athenaViews(customResourceEvent('Delete', 'views-1'), context);

    expect(athenaMock.calls()).toHaveLength(0);
  });
});

test('maintenance reports a summary for every table of the catalog', async () => {
  const summary = await maintenance({}, context);

  expect(summary.tables.map((t) => t.table)).toEqual([...glue.tables.keys()].sort());
  expect(summary.tables.map((t) => t.table)).toContain('readings_history');
});
