/**
 * stream: MSK event source mapping batches of sensor messages → `handleMskEvent` (decode, deltas
 * against the DynamoDB device state, staged files) → a commit request per topic-partition batch
 * on the FIFO commit queue. Bad measurements are rejected rows, never failures. A topic-partition
 * that fails is reported as a Kafka batch item failure ({partition: "<topic>-<partition>", offset})
 * so that only it is retried; redelivered offsets are recognised and write nothing twice.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { dynamoDbClient, sqsClient } from '../../src/aws/clients';
import { CommitQueue } from '../../src/aws/commit-queue';
import { DynamoDbDeviceStateStore } from '../../src/aws/dynamodb-device-state';
import { commitQueueUrl, deviceStateTable, lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import type { LakePorts } from '../../src/pipeline/ports';
import type { DeviceStateStore } from '../../src/pipeline/stream/device-state';
import { handleMskEvent, type KafkaBatchResponse, type MskEvent } from '../../src/pipeline/stream/msk-event';
import { logger } from '../commons/logger';

export interface StreamDependencies {
  readonly ports: () => Promise<LakePorts>;
  readonly state: DeviceStateStore;
  readonly sqs: SQSClient;
  readonly commitQueueUrl: string;
}

/** The stream handler over its dependencies. */
export function createStreamHandler(deps: StreamDependencies): (event: MskEvent, context: Context) => Promise<KafkaBatchResponse> {
  return async (event, context) => {
    logger.addContext(context);
    const ports = await deps.ports();
    const queue = new CommitQueue(deps.sqs, deps.commitQueueUrl, ports.store);
    return handleMskEvent({
      ports, state: deps.state,
      send: async (request) => {
        const commitMessageId = await queue.send(request);
        logger.info('stream batch staged; commit requested', {
          batchId: request.batchId, key: request.key, accepted: request.accepted, rejected: request.rejected,
          deltas: request.stream?.deltas, events: request.stream?.events, commitMessageId,
        });
      },
      onPartition: (topicPartition, outcome) => {
        if ('error' in outcome) {
          logger.error('topic-partition not processed; it is retried from its first record', { topicPartition, offset: outcome.firstOffset, error: outcome.error });
        } else if (outcome.redelivered) {
          logger.info('redelivered records skipped (already handed to the committer)', { topicPartition, redelivered: outcome.redelivered });
        }
      },
    }, event);
  };
}

const environment = readEnvironment('stream');
export const handler = createStreamHandler({
  ports: () => lakePortsFromEnvironment(environment),
  state: new DynamoDbDeviceStateStore(dynamoDbClient(environment.connection), deviceStateTable(environment)),
  sqs: sqsClient(environment.connection),
  commitQueueUrl: commitQueueUrl(environment),
});
