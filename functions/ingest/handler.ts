/**
 * ingest: SQS messages whose bodies are S3 event notifications of the landing bucket → one
 * `ingestObject` per landed object → its commit request on the FIFO commit queue. Each message
 * succeeds or fails on its own (partial batch response); a poison message is retried and then
 * moved to the DLQ by SQS, with its reason logged every time.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsClient } from '../../src/aws/clients';
import { CommitQueue } from '../../src/aws/commit-queue';
import { commitQueueUrl, lakePortsFromEnvironment, landingBucket, readEnvironment } from '../../src/aws/environment';
import { landedObjectsFromS3Event } from '../../src/aws/s3-event-records';
import { batchIdOf, ingestObject, LandedObjectChangedError, type LandedObject } from '../../src/pipeline/ingest';
import type { LakePorts } from '../../src/pipeline/ports';
import { logger } from '../commons/logger';

export interface IngestDependencies {
  /** Events from any other bucket are refused. */
  readonly landingBucket: string;
  readonly ports: () => Promise<LakePorts>;
  readonly sqs: SQSClient;
  readonly commitQueueUrl: string;
}

/** The ingest handler over its dependencies. */
export function createIngestHandler(deps: IngestDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);

  async function ingestRecord(record: SQSRecord): Promise<void> {
    let objects: LandedObject[];
    try {
      objects = landedObjectsFromS3Event(record.messageId, record.body, deps.landingBucket);
    } catch (error) {
      logger.error('message is not an S3 event of a landing object; retried, then moved to the DLQ', { error, receiveCount: record.attributes.ApproximateReceiveCount });
      throw error;
    }
    if (!objects.length) {
      logger.info('nothing to ingest (an S3 test event or a folder marker)');
      return;
    }
    const ports = await deps.ports().catch((error: unknown) => {
      logger.error('the lake adapters could not be built', { error });
      throw error;
    });
    const queue = new CommitQueue(deps.sqs, deps.commitQueueUrl, ports.store);
    for (const object of objects) {
      logger.appendKeys({ objectKey: object.key, batchId: batchIdOf(object), versionId: object.versionId });
      try {
        const request = await ingestObject(ports, object);
        const commitMessageId = await queue.send(request);
        logger.info('object ingested; commit requested', {
          status: request.status, rowsIn: request.rowsIn, accepted: request.accepted, rejected: request.rejected,
          ...(request.reason ? { reason: request.reason } : {}), commitMessageId,
        });
      } catch (error) {
        // The message is retried either way; a changed object is expected to settle, anything else may be poison.
        if (error instanceof LandedObjectChangedError) logger.warn('object changed while read; the message will be retried', { error });
        else logger.error('object not ingested; the message will be retried, then moved to the DLQ', { error, receiveCount: record.attributes.ApproximateReceiveCount });
        throw error;
      } finally {
        logger.removeKeys(['objectKey', 'batchId', 'versionId']);
      }
    }
  }

  async function recordHandler(record: SQSRecord): Promise<void> {
    logger.appendKeys({ messageId: record.messageId });
    try {
      await ingestRecord(record);
    } finally {
      logger.removeKeys(['messageId']);
    }
  }

  return async (event, context) => {
    logger.addContext(context);
    // One message at a time: they share the container's DuckDB session, memory and /tmp.
    return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  };
}

const environment = readEnvironment('ingest');
export const handler = createIngestHandler({
  landingBucket: landingBucket(environment),
  ports: () => lakePortsFromEnvironment(environment),
  sqs: sqsClient(environment.connection),
  commitQueueUrl: commitQueueUrl(environment),
});
