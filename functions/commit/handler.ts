/**
 * commit: SQS FIFO batches of commit requests → `commitBatches`, the single writer of the ingest
 * tables (one message group per table, so one batch per table at a time). A malformed message
 * fails on its own, and so do the messages after it in its message group (FIFO order holds);
 * if the commit fails, every message not yet decided fails and SQS redelivers it. Committing is
 * idempotent by batch id, so a redelivered message commits nothing twice.
 */
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { decodeCommitMessage, messageGroupOf } from '../../src/aws/commit-queue';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { commitBatches } from '../../src/pipeline/commit';
import type { CommitRequest } from '../../src/pipeline/ingest';
import type { LakePorts } from '../../src/pipeline/ports';
import { logger } from '../commons/logger';

export interface CommitDependencies {
  readonly ports: () => Promise<LakePorts>;
}

/** The commit handler over its dependencies. */
export function createCommitHandler(deps: CommitDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    logger.addContext(context);
    const ports = await deps.ports();
    const failures: SQSBatchItemFailure[] = [];
    const blockedGroups = new Set<string>();
    const decoded: { messageId: string; request: CommitRequest }[] = [];
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId ?? '';
      if (blockedGroups.has(group)) {
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        decoded.push({ messageId: record.messageId, request: await decodeCommitMessage(ports.store, record.messageId, record.body) });
      } catch (error) {
        logger.error('malformed commit message; it and the later messages of its group are retried, then moved to the DLQ', {
          error, messageId: record.messageId, messageGroupId: group, receiveCount: record.attributes.ApproximateReceiveCount,
        });
        failures.push({ itemIdentifier: record.messageId });
        blockedGroups.add(group);
      }
    }
    if (!decoded.length) return { batchItemFailures: failures };

    const batchIds = decoded.map((d) => d.request.batchId);
    logger.appendKeys({ table: [...new Set(decoded.map((d) => messageGroupOf(d.request)))].join(','), batchIds });
    try {
      const summary = await commitBatches(ports, decoded.map((d) => d.request));
      logger.info('batches committed', {
        snapshotId: summary.historySnapshotId?.toString(),
        committed: summary.committed.map((r) => ({ batchId: r.batchId, objectKey: r.key, status: r.status, accepted: r.accepted, rejected: r.rejected })),
        duplicates: summary.duplicates.map((r) => r.batchId),
      });
      return { batchItemFailures: failures };
    } catch (error) {
      logger.error('commit failed; its messages will be retried', { error });
      return { batchItemFailures: [...failures, ...decoded.map((d) => ({ itemIdentifier: d.messageId }))] };
    } finally {
      logger.removeKeys(['table', 'batchIds']);
    }
  };
}

const environment = readEnvironment('commit');
export const handler = createCommitHandler({ ports: () => lakePortsFromEnvironment(environment) });
