import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateTableCommand, GetTableCommand, GetTablesCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { athenaClient, glueClient, sqsClient } from '../../src/aws/clients';
import { startFakeAthena, startFakeGlue, startFakeSqs, type FakeAthena, type FakeGlue, type FakeSqs } from '../helpers/fake-aws';

/**
 * The HTTP fakes of tests/helpers/fake-aws, driven by the project's own SDK clients
 * (src/aws/clients.ts) pointed at them: what the synthesized handlers will meet.
 */
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const connectionTo = (endpoint: string, service: 'glue' | 'sqs' | 'athena') => ({ region: 'us-east-1', endpoints: { [service]: endpoint } });
const tableInput = (name: string, metadataLocation: string) => ({
  Name: name, TableType: 'EXTERNAL_TABLE', Parameters: { table_type: 'ICEBERG', metadata_location: metadataLocation },
});

let glue: FakeGlue;
let sqs: FakeSqs;
let athena: FakeAthena;
const originalCredentials = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  // The clients take their credentials from the provider chain, as in Lambda.
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  [glue, sqs, athena] = await Promise.all([startFakeGlue('lake'), startFakeSqs(), startFakeAthena()]);
});

afterAll(async () => {
  await Promise.all([glue.close(), sqs.close(), athena.close()]);
  for (const [name, value] of [['AWS_ACCESS_KEY_ID', originalCredentials.id], ['AWS_SECRET_ACCESS_KEY', originalCredentials.secret]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('fake Glue', () => {
  test('a table created through the Glue client is read back with its parameters and version 1', async () => {
    const client = glueClient(connectionTo(glue.endpoint, 'glue'));
    await client.send(new CreateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('created', 's3://b/created/v0.json') }));

    const { Table } = await client.send(new GetTableCommand({ DatabaseName: 'lake', Name: 'created' }));

    expect(Table).toMatchObject({ Name: 'created', VersionId: '1', Parameters: { metadata_location: 's3://b/created/v0.json' } });
    expect(glue.callsOf('CreateTable')).toHaveLength(1);
  });

  test('GetTable of a missing table fails with EntityNotFoundException', async () => {
    const client = glueClient(connectionTo(glue.endpoint, 'glue'));

    await expect(client.send(new GetTableCommand({ DatabaseName: 'lake', Name: 'missing' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
  });

  test('UpdateTable with a stale VersionId is refused with ConcurrentModificationException and changes nothing', async () => {
    const client = glueClient(connectionTo(glue.endpoint, 'glue'));
    await client.send(new CreateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('locked', 's3://b/locked/v0.json') }));
    await client.send(new UpdateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('locked', 's3://b/locked/v1.json'), VersionId: '1' }));

    const stale = client.send(new UpdateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('locked', 's3://b/locked/v2.json'), VersionId: '1' }));

    await expect(stale).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
    expect(glue.state.tables.get('locked')).toMatchObject({ VersionId: '2', Parameters: { metadata_location: 's3://b/locked/v1.json' } });
  });

  test('GetTables lists the tables of the database', async () => {
    const client = glueClient(connectionTo(glue.endpoint, 'glue'));

    const { TableList } = await client.send(new GetTablesCommand({ DatabaseName: 'lake' }));

    expect(TableList?.map((t) => t.Name)).toEqual([...glue.state.tables.keys()]);
  });

  test("an interceptor that drops an UpdateTable before it is applied leaves the table as it was, and the client sees a network error", async () => {
    const client = glueClient(connectionTo(glue.endpoint, 'glue'));
    await client.send(new CreateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('dropped', 's3://b/dropped/v0.json') }));
    glue.intercept((call, phase) => (call.operation === 'UpdateTable' && phase === 'received' ? 'drop' : undefined));

    const update = client.send(new UpdateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('dropped', 's3://b/dropped/v1.json'), VersionId: '1' }));

    await expect(update).rejects.not.toMatchObject({ name: 'ConcurrentModificationException' });
    glue.intercept(undefined);
    expect(glue.state.metadataLocation('dropped')).toBe('s3://b/dropped/v0.json');
  });

  test('an interceptor that drops the answer after the UpdateTable was applied leaves the table updated', async () => {
    const client = glueClient({ ...connectionTo(glue.endpoint, 'glue') });
    await client.send(new CreateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('lost', 's3://b/lost/v0.json') }));
    glue.intercept((call, phase) => (call.operation === 'UpdateTable' && phase === 'applied' ? 'drop' : undefined));

    const update = client.send(new UpdateTableCommand({ DatabaseName: 'lake', TableInput: tableInput('lost', 's3://b/lost/v1.json'), VersionId: '1' }));

    await expect(update).rejects.toThrow();
    glue.intercept(undefined);
    expect(glue.state.metadataLocation('lost')).toBe('s3://b/lost/v1.json');
  });
});

describe('fake SQS', () => {
  const queueUrl = 'http://queue.invalid/123456789012/commits.fifo';

  test('SendMessage to a FIFO queue records the message with its group and answers the MD5 the client checks', async () => {
    const client = sqsClient(connectionTo(sqs.endpoint, 'sqs'));

    const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"a":"é"}', MessageGroupId: 'g1', MessageDeduplicationId: 'd1' }));

    expect(sqs.messages.at(-1)).toMatchObject({ messageId: sent.MessageId, body: '{"a":"é"}', groupId: 'g1', deduplicationId: 'd1' });
  });

  test('a resend with the same deduplication id within five minutes is answered with the first id and not queued again', async () => {
    const client = sqsClient(connectionTo(sqs.endpoint, 'sqs'));
    const before = sqs.messages.length;

    const first = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'same' }));
    const second = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'same' }));

    expect(second.MessageId).toBe(first.MessageId);
    expect(sqs.messages.length - before).toBe(1);
  });

  test('a FIFO message without a group id is refused', async () => {
    const client = sqsClient(connectionTo(sqs.endpoint, 'sqs'));

    await expect(client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageDeduplicationId: 'n' }))).rejects.toMatchObject({ name: 'MissingParameter' });
  });

  test('a resend after the deduplication window is queued again', async () => {
    let now = 0;
    const late = await startFakeSqs({ now: () => now });
    const client = sqsClient(connectionTo(late.endpoint, 'sqs'));
    try {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
      now = 5 * 60_000;
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));

      expect(late.messages).toHaveLength(2);
    } finally {
      await late.close();
    }
  });
});

describe('fake Athena', () => {
  test('a started statement is recorded with its workgroup and database, and reported SUCCEEDED', async () => {
    const client = athenaClient(connectionTo(athena.endpoint, 'athena'));

    const { QueryExecutionId } = await client.send(new StartQueryExecutionCommand({
      QueryString: 'CREATE OR REPLACE VIEW v AS SELECT 1', WorkGroup: 'wg', QueryExecutionContext: { Database: 'lake' },
    }));
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));

    expect(athena.statements.at(-1)).toEqual({ queryExecutionId: QueryExecutionId, query: 'CREATE OR REPLACE VIEW v AS SELECT 1', workGroup: 'wg', database: 'lake' });
    expect(QueryExecution?.Status?.State).toBe('SUCCEEDED');
  });

  test('an unknown query execution id is refused with InvalidRequestException', async () => {
    const client = athenaClient(connectionTo(athena.endpoint, 'athena'));

    await expect(client.send(new GetQueryExecutionCommand({ QueryExecutionId: 'nope' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });
});
