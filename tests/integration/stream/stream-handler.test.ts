import { readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SendMessageCommand, SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { KafkaBatchResponse, MskEvent } from '../../../src/pipeline/stream/msk-event';
import { BAD_SENSOR_MESSAGES } from '../../helpers/bad-sensor-messages';
import { startDynalite, type DynaliteServer } from '../../helpers/dynalite';
import { FakeGlueTables, mockGlue } from '../../helpers/fake-glue';
import { S3Store } from '../../../src/storage/s3-store';
import { icebirdRowsOnS3 } from '../../helpers/icebird-s3';
import { lambdaContext, sqsEvent, sqsRecord } from '../../helpers/lambda-events';
import { measurementsMessage, mskEvent, mskRecords } from '../../helpers/msk-events';
import { startS3Server, type TestS3Server } from '../../helpers/s3-server';

/**
 * The stream handler as Lambda runs it (adapters from the environment) against s3rver and
 * dynalite; SQS and Glue are in-process fakes whose calls are asserted. Its commit requests are
 * handed to the commit handler as the FIFO queue would deliver them.
 */
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/meterlake-commit.fifo';
let server: TestS3Server;
let dynalite: DynaliteServer;
const glue = new FakeGlueTables('meterlake');
const glueMock = mockGlue(glue);
const sqsMock = mockClient(SQSClient);
let stream: (event: MskEvent, context: Context) => Promise<KafkaBatchResponse>;
let commit: (event: SQSEvent, context: Context) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
const originalEnv = { ...process.env };
const sent: SendMessageCommandInput[] = [];

/** A table's rows read back with icebird through the fake Glue pointer. */
const tableRows = (table: string) => icebirdRowsOnS3(new S3Store(server.storeOptions()), glue.metadataLocation(table)!);

beforeAll(async () => {
  server = await startS3Server();
  dynalite = await startDynalite();
  Object.assign(process.env, {
    AWS_REGION: server.region, AWS_ENDPOINT_URL_S3: server.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', METERLAKE_LAKE_BUCKET: server.bucket, METERLAKE_GLUE_DATABASE: 'meterlake',
    METERLAKE_COMMIT_QUEUE_URL: QUEUE_URL, METERLAKE_DEVICE_STATE_TABLE: await dynalite.createDeviceStateTable(),
    POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true',
  });
  sqsMock.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => {
    sent.push(input);
    return { MessageId: `sqs-${input.MessageDeduplicationId}` };
  });
  stream = (await import('../../../functions/stream/handler')).handler;
  commit = (await import('../../../functions/commit/handler')).handler;
});

afterAll(async () => {
  process.env = originalEnv;
  const scratch = path.join(os.tmpdir(), 'meterlake');
  for (const entry of readdirSync(scratch)) if (entry.startsWith(`${process.pid}-`)) rmSync(path.join(scratch, entry), { recursive: true, force: true });
  glueMock.restore();
  sqsMock.restore();
  await dynalite.close();
  await server.close();
});

/** Deliver what the stream handler sent to the commit handler, as the FIFO queue would. */
async function commitSent(): Promise<void> {
  const messages = sent.splice(0);
  const response = await commit(sqsEvent(...messages.map((m, i) => sqsRecord(`m-${i}-${m.MessageDeduplicationId}`, m.MessageBody!, m.MessageGroupId))), lambdaContext);
  expect(response.batchItemFailures).toEqual([]);
}

const good = (minute: number, cumulative: number) => ({ device_id: 123456, device_name: 'Test Device', time: new Date(Date.UTC(2022, 6, 11, 2, minute)).toISOString(), cumulative_energy: cumulative });

describe('the stream handler', () => {
  test('every kind of bad message is kept with its reason and offset; good readings of the batch still get deltas', async () => {
    const event = mskEvent(
      mskRecords('sensors', 0, 0, [measurementsMessage(good(15, 120.12)), ...BAD_SENSOR_MESSAGES.map((b) => b.value), measurementsMessage(good(20, 122.45))]),
    );

    expect(await stream(event, lambdaContext)).toEqual({ batchItemFailures: [] });
    expect(sent.map((m) => m.MessageGroupId)).toEqual(['device_energy']);
    await commitSent();

    const rejected = await tableRows('rejected_measurements');
    expect(rejected.map((r) => [r.offset, r.reason]).sort((a, b) => Number(a[0]) - Number(b[0])))
      .toEqual(BAD_SENSOR_MESSAGES.map((b, i) => [BigInt(i + 1), b.reason]));
    expect(rejected.every((r) => r.topic === 'sensors' && r.partition === 0 && typeof r.message === 'string')).toBe(true);
    const energy = await tableRows('device_energy');
    expect(energy.map((r) => [r.duration, r.delta_energy])).toEqual([[null, null], [5, Math.fround(122.45 - 120.12)]]);
  });

  test('a redelivered batch is recognised by its offsets: nothing is sent or written twice', async () => {
    const event = mskEvent(mskRecords('sensors', 1, 0, [measurementsMessage(good(25, 123)), measurementsMessage(good(30, 124))]));
    await stream(event, lambdaContext);
    await commitSent();
    const before = (await tableRows('device_measurements')).length;

    expect(await stream(event, lambdaContext)).toEqual({ batchItemFailures: [] });

    expect(sent).toEqual([]);
    expect((await tableRows('device_measurements')).length).toBe(before);
  });

  test('a topic-partition that cannot be handed over is reported as a Kafka item failure from its first offset; the other partition succeeds', async () => {
    sqsMock.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => {
      if (input.MessageBody!.includes('kafka/sensors-3/')) throw new Error('SQS unavailable');
      sent.push(input);
      return { MessageId: 'ok' };
    });
    const event = mskEvent(
      mskRecords('sensors', 2, 40, [measurementsMessage(good(35, 125))]),
      mskRecords('sensors', 3, 70, [measurementsMessage(good(40, 126)), measurementsMessage(good(45, 127))]),
    );

    expect(await stream(event, lambdaContext)).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'sensors-3', offset: 70 } }] });
    expect(sent.map((m) => JSON.parse(m.MessageBody!).request.key)).toEqual(['kafka/sensors-2/40-40']);
  });
});
