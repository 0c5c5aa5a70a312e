/**
 * The event JSON the deployed functions receive, as AWS sends it: an S3 notification inside an SQS
 * record (ingest), SQS FIFO records (commit), CloudFormation custom resource requests, and a
 * Lambda context. Used by the handler tests, the synthesized-asset suite and the benchmarks.
 */
import type { CloudFormationCustomResourceEvent, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { LandedObject } from '../../src/pipeline/ingest';

/** An S3 ObjectCreated notification of one object (keys URL-encoded as S3 sends them, '/' kept). */
export function s3EventBody(object: LandedObject, bucket = object.bucket): string {
  return JSON.stringify({
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventTime: object.arrivalTime.toISOString(), eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0', bucket: { name: bucket },
        object: {
          key: encodeURIComponent(object.key).replaceAll('%2F', '/'), size: object.size, eTag: object.etag,
          ...(object.versionId ? { versionId: object.versionId } : {}),
        },
      },
    }],
  });
}

/** One SQS record; with a message group id, a FIFO record (its deduplication id is the message id). */
export function sqsRecord(messageId: string, body: string, messageGroupId?: string): SQSRecord {
  return {
    messageId, receiptHandle: `receipt-${messageId}`, body, md5OfBody: '', messageAttributes: {}, eventSource: 'aws:sqs', awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:meterlake-queue',
    attributes: {
      ApproximateReceiveCount: '1', SentTimestamp: '1796364000000', SenderId: 'AIDA', ApproximateFirstReceiveTimestamp: '1796364000000',
      ...(messageGroupId ? { MessageGroupId: messageGroupId, MessageDeduplicationId: messageId, SequenceNumber: '1' } : {}),
    },
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A CloudFormation custom resource request of the given type. */
export function customResourceEvent(RequestType: 'Create' | 'Update' | 'Delete', PhysicalResourceId = 'resource-1'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/meterlake/1', RequestId: 'cfn-1', LogicalResourceId: 'Resource',
    ResourceType: 'Custom::Meterlake', ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider' },
  };
  if (RequestType === 'Create') return { ...base, RequestType };
  if (RequestType === 'Update') return { ...base, RequestType, PhysicalResourceId, OldResourceProperties: base.ResourceProperties };
  return { ...base, RequestType, PhysicalResourceId };
}

/** A Lambda invocation context for in-process handler calls. */
export const lambdaContext = {
  functionName: 'meterlake-test', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:meterlake-test',
  memoryLimitInMB: '1024', awsRequestId: 'request-1', logGroupName: '/aws/lambda/meterlake-test', logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60_000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
} as Context;
