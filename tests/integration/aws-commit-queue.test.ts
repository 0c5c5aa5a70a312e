import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CLAIM_CHECK_PREFIX, CommitQueue, commitMessageFor, decodeCommitMessage, INLINE_BODY_LIMIT_BYTES, MalformedCommitMessageError,
} from '../../src/aws/commit-queue';
import type { DataFile } from '../../src/iceberg/types';
import type { CommitRequest } from '../../src/pipeline/ingest';
import { fromWireJson } from '../../src/pipeline/wire-json';
import { S3Store } from '../../src/storage/s3-store';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

// The claim check goes to a real S3-compatible server; SQS (which has no local server) is mocked.
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/meterlake-commit.fifo';
const sqsMock = mockClient(SQSClient);
let server: TestS3Server;
let store: S3Store;

beforeAll(async () => {
  server = await startS3Server();
  store = new S3Store(server.storeOptions());
});
afterAll(async () => {
  sqsMock.restore();
  await server.close();
});
beforeEach(() => sqsMock.reset());

function dataFile(i: number): DataFile {
  return {
    content: 0, file_path: `s3://lake/warehouse/readings_history/data/received_at_day=2026-12-04/part-${i}.parquet`, file_format: 'PARQUET',
    partition: { received_at_day: 20426 }, record_count: 48, file_size_in_bytes: 4096 + i,
    lower_bounds: [{ key: 1, value: Buffer.from('MTR-0001') }], upper_bounds: [{ key: 1, value: Buffer.from([0xff, 0x00, 0x7f]) }],
  };
}

function request(files: number, batchId = 'b0123456789abcdef0123456789abcde'): CommitRequest {
  return {
    batchId, source: 'default', key: 'landing/default/readings/day.csv', receivedAt: '2026-12-04T06:00:01.123Z', status: 'ingested',
    rowsIn: 48 * files, accepted: 48 * files, rejected: 0, historyFiles: Array.from({ length: files }, (_, i) => dataFile(i)), rejectedFiles: [],
  };
}

test('a small request travels inline, grouped by its table and deduplicated by its batch id', async () => {
  const input = await commitMessageFor(store, QUEUE_URL, request(2));

  expect(input).toMatchObject({ QueueUrl: QUEUE_URL, MessageGroupId: 'readings_history', MessageDeduplicationId: 'b0123456789abcdef0123456789abcde' });
  expect(fromWireJson<{ version: number; requestKey?: string }>(input.MessageBody!)).not.toHaveProperty('requestKey');
});

test('an inline request decodes to the same request, bytes included', async () => {
  const sent = request(2);
  const input = await commitMessageFor(store, QUEUE_URL, sent);

  expect(await decodeCommitMessage(store, 'm-1', input.MessageBody!)).toEqual(sent);
});

test('a request too large for SQS goes as a claim check in the lake store, and decodes to the same request', async () => {
  const sent = request(2000);
  const input = await commitMessageFor(store, QUEUE_URL, sent);
  const { requestKey } = fromWireJson<{ requestKey: string }>(input.MessageBody!);

  expect(Buffer.byteLength(input.MessageBody!)).toBeLessThan(INLINE_BODY_LIMIT_BYTES);
  expect(requestKey).toMatch(new RegExp(`^${CLAIM_CHECK_PREFIX}/${sent.batchId}/[0-9a-f-]{36}\\.json$`));
  expect(await decodeCommitMessage(store, 'm-2', input.MessageBody!)).toEqual(sent);
});

test('a reference drop is queued in the reference message group', async () => {
  const reference = { ...request(0), reference: { batchId: 'r1', source: 'default', key: 'landing/default/reference/ref.sqlite', receivedAt: '2026-12-04T06:00:00Z', tables: { agreement: [], product: [], meterpoint: [] }, rejectedFiles: [], counts: {} as never, rowsIn: 0, accepted: 0, rejected: 0 } };

  expect((await commitMessageFor(store, QUEUE_URL, reference)).MessageGroupId).toBe('reference');
});

test('CommitQueue sends the message to the queue and returns its id', async () => {
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'sqs-1' });
  const sent = request(1);

  const messageId = await new CommitQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL, store).send(sent);

  expect(messageId).toBe('sqs-1');
  expect(sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageDeduplicationId)).toEqual([sent.batchId]);
});

test.each([
  ['a body that is not JSON', '{"version": 1, "req', /commit queue message m-9 is not a commit request: the body is not JSON/],
  ['another version', JSON.stringify({ version: 2, request: {} }), /version is 2, expected 1/],
  ['neither a request nor a claim check', JSON.stringify({ version: 1 }), /neither a request nor a requestKey under staging\/commit-requests\//],
  ['a claim check outside staging/commit-requests/', JSON.stringify({ version: 1, requestKey: 'warehouse/x.json' }), /neither a request nor a requestKey/],
  ['a claim check that is gone', JSON.stringify({ version: 1, requestKey: `${CLAIM_CHECK_PREFIX}/b/missing.json` }), /its claim check staging\/commit-requests\/b\/missing.json cannot be read/],
  ['a request without a batch id', JSON.stringify({ version: 1, request: { ...request(0), batchId: undefined } }), /request.batchId is missing, expected a non-empty string/],
  ['a request whose files are not a list', JSON.stringify({ version: 1, request: { ...request(0), historyFiles: 'x' } }), /request.historyFiles is "x", expected an array/],
])('%s is a MalformedCommitMessageError naming the message', async (_case, body, message) => {
  const decoding = decodeCommitMessage(store, 'm-9', body);

  await expect(decoding).rejects.toThrow(MalformedCommitMessageError);
  await expect(decoding).rejects.toThrow(message);
});
