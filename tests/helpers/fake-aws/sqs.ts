import { createHash, randomUUID } from 'node:crypto';
import { FakeServiceError, startJsonService, type JsonService } from './json-protocol-server';

/** A message the fake SQS accepted (not a duplicate). */
export interface FakeSqsMessage {
  readonly messageId: string;
  readonly queueUrl: string;
  readonly body: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
}

export interface FakeSqs extends JsonService {
  /** Accepted messages in order (a deduplicated resend is not repeated here). */
  readonly messages: FakeSqsMessage[];
}

/** FIFO deduplication interval. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

/**
 * SQS's SendMessage over the AWS JSON 1.0 protocol (`AmazonSQS.SendMessage`). A FIFO queue
 * (URL ending .fifo) needs MessageGroupId and MessageDeduplicationId (no content-based dedup);
 * a resend of a deduplication id within five minutes is answered with the first message's id
 * and not queued again. MD5OfMessageBody is the body's real MD5, which the client checks.
 */
export async function startFakeSqs(options: { now?: () => number } = {}): Promise<FakeSqs> {
  const now = options.now ?? Date.now;
  const messages: FakeSqsMessage[] = [];
  const sentAt = new Map<string, { at: number; messageId: string; sequenceNumber: string }>();
  let sequence = 0;
  const service = await startJsonService({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    operations: {
      SendMessage: (input) => {
        const queueUrl = String(input.QueueUrl ?? '');
        const body = input.MessageBody;
        if (typeof body !== 'string' || body === '') throw new FakeServiceError('MissingParameter', 'The request must contain the parameter MessageBody.');
        const md5 = createHash('md5').update(body, 'utf8').digest('hex');
        if (!queueUrl.endsWith('.fifo')) {
          const messageId = randomUUID();
          messages.push({ messageId, queueUrl, body });
          return { MessageId: messageId, MD5OfMessageBody: md5 };
        }
        const groupId = input.MessageGroupId as string | undefined;
        const deduplicationId = input.MessageDeduplicationId as string | undefined;
        if (!groupId) throw new FakeServiceError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
        if (!deduplicationId) throw new FakeServiceError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
        const key = `${queueUrl}\n${deduplicationId}`;
        const previous = sentAt.get(key);
        if (previous && now() - previous.at < DEDUPLICATION_WINDOW_MS) {
          return { MessageId: previous.messageId, MD5OfMessageBody: md5, SequenceNumber: previous.sequenceNumber };
        }
        const messageId = randomUUID();
        const sequenceNumber = String(++sequence).padStart(20, '0');
        sentAt.set(key, { at: now(), messageId, sequenceNumber });
        messages.push({ messageId, queueUrl, body, groupId, deduplicationId, sequenceNumber });
        return { MessageId: messageId, MD5OfMessageBody: md5, SequenceNumber: sequenceNumber };
      },
    },
  });
  return Object.assign(service, { messages });
}
