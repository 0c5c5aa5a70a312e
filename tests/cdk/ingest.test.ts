import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
beforeAll(() => {
  app = testApp();
  template = app.template;
});
afterAll(() => app.cleanup());

const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);
const functionProps = (fn: IConstruct) => template.toJSON().Resources[logicalId(fn)].Properties;

describe('Ingest', () => {
  test('new objects under landing/ are announced on the ingest queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(app.stack.storage.landingBucket) },
      NotificationConfiguration: {
        QueueConfigurations: [{
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'landing/' }] } },
          QueueArn: { 'Fn::GetAtt': [logicalId(app.stack.ingest.ingestQueue), 'Arn'] },
        }],
      },
    });
  });

  test('the ingest queue dead-letters a message after 5 deliveries and hides it 6x the function timeout', () => {
    const { ingestQueue, ingestDeadLetterQueue, ingestFunction } = app.stack.ingest;
    const timeout = functionProps(ingestFunction).Timeout as number;
    const queue = template.toJSON().Resources[logicalId(ingestQueue)].Properties;

    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(ingestDeadLetterQueue), 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  test('the commit queue is FIFO, deduplicated by the explicit batch id (not content), with a FIFO dead-letter queue', () => {
    const { commitQueue, commitDeadLetterQueue, commitFunction } = app.stack.ingest;
    const resources = template.toJSON().Resources;
    const queue = resources[logicalId(commitQueue)].Properties;

    expect(queue).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false, DeduplicationScope: 'queue' });
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(commitDeadLetterQueue), 'Arn'] }, maxReceiveCount: 5 });
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (functionProps(commitFunction).Timeout as number));
    expect(resources[logicalId(commitDeadLetterQueue)].Properties.FifoQueue).toBe(true);
  });

  test('every queue is encrypted with the messaging key and refuses requests without TLS', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(app.stack.storage.messagingKey), 'Arn'] };
    const { ingestQueue, ingestDeadLetterQueue, commitQueue, commitDeadLetterQueue } = app.stack.ingest;
    for (const queue of [ingestQueue, ingestDeadLetterQueue, commitQueue, commitDeadLetterQueue]) {
      expect(template.toJSON().Resources[logicalId(queue)].Properties.KmsMasterKeyId).toEqual(keyArn);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  test.each([
    ['ingest', 1],
    ['commit', 10],
  ])('the %s function reads its queue in batches of %i and reports failures per record', (name, batchSize) => {
    const fn = name === 'ingest' ? app.stack.ingest.ingestFunction : app.stack.ingest.commitFunction;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(fn) },
      BatchSize: batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the functions get exactly the contract environment variables (plus Powertools settings)', () => {
    const variables = (fn: IConstruct) => Object.keys(functionProps(fn).Environment.Variables).sort();
    const powertools = ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'];

    expect(variables(app.stack.ingest.ingestFunction)).toEqual(
      ['METERLAKE_COMMIT_QUEUE_URL', 'METERLAKE_GLUE_DATABASE', 'METERLAKE_LAKE_BUCKET', 'METERLAKE_LANDING_BUCKET', ...powertools].sort(),
    );
    expect(variables(app.stack.ingest.commitFunction)).toEqual(['METERLAKE_GLUE_DATABASE', 'METERLAKE_LAKE_BUCKET', ...powertools].sort());
  });

  test('the ingest function may only send to the commit queue, not consume it', () => {
    const statements = template.toJSON().Resources[logicalId(app.stack.ingest.ingestFunction.role!.node.findChild('DefaultPolicy'))].Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const onCommitQueue = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalId(app.stack.ingest.commitQueue)));

    expect(onCommitQueue.map((s) => s.Action)).toEqual(['sqs:SendMessage']);
  });
});

test('the ingest function reads landing objects by version, and cannot write or delete them', () => {
  const statements = template.toJSON().Resources[logicalId(app.stack.ingest.ingestFunction.role!.node.findChild('DefaultPolicy'))].Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
  const landingObjects = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalId(app.stack.storage.landingBucket)) && JSON.stringify(s.Resource).includes('/*'));

  expect(landingObjects.flatMap((s) => [s.Action].flat()).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
});
