/**
 * The FIFO commit queue between ingest and the single committer. A message carries one
 * CommitRequest as wire JSON; one too large for SQS (256 KiB) is written to the lake store and the
 * message carries its key instead (a claim check). MessageGroupId is the table the request's rows
 * go to, so commits of one table are serialised; MessageDeduplicationId is the batch id, so a
 * redelivered landing object sent twice within five minutes is queued once.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import type { CommitRequest } from '../pipeline/ingest';
import { READINGS_HISTORY } from '../pipeline/tables';
import { DEVICE_ENERGY } from '../pipeline/stream/tables';
import { fromWireJson, toWireJson } from '../pipeline/wire-json';
import type { ObjectStore } from '../storage/object-store';

/** Message format version; a body of another version is refused, not guessed at. */
export const COMMIT_MESSAGE_VERSION = 1;
/** Largest body sent inline: SQS allows 256 KiB including attributes, so keep a margin. */
export const INLINE_BODY_LIMIT_BYTES = 240 * 1024;
/** Where claim-checked requests are written in the lake store. */
export const CLAIM_CHECK_PREFIX = 'staging/commit-requests';
/** Message group of reference drops (their tables are committed together). */
export const REFERENCE_GROUP = 'reference';

type CommitMessage = { version: number; request?: CommitRequest; requestKey?: string };

/** The message group of a request: the table its rows go to. */
export function messageGroupOf(request: CommitRequest): string {
  if (request.stream) return DEVICE_ENERGY.name;
  return request.reference ? REFERENCE_GROUP : READINGS_HISTORY.name;
}

/** The SendMessage input for a request, writing its claim check first when it is too large to go inline. */
export async function commitMessageFor(store: ObjectStore, queueUrl: string, request: CommitRequest): Promise<SendMessageCommandInput> {
  let body = toWireJson({ version: COMMIT_MESSAGE_VERSION, request } satisfies CommitMessage);
  if (Buffer.byteLength(body) > INLINE_BODY_LIMIT_BYTES) {
    const requestKey = `${CLAIM_CHECK_PREFIX}/${request.batchId}/${randomUUID()}.json`;
    await store.put(requestKey, toWireJson(request));
    body = toWireJson({ version: COMMIT_MESSAGE_VERSION, requestKey } satisfies CommitMessage);
  }
  return {
    QueueUrl: queueUrl,
    MessageBody: body,
    MessageGroupId: messageGroupOf(request),
    MessageDeduplicationId: request.batchId,
  };
}

/** Sends commit requests to the FIFO commit queue. */
export class CommitQueue {
  constructor(private readonly sqs: SQSClient, private readonly queueUrl: string, private readonly store: ObjectStore) {}

  /** Queue one request; returns the SQS message id. */
  async send(request: CommitRequest): Promise<string | undefined> {
    const sent = await this.sqs.send(new SendMessageCommand(await commitMessageFor(this.store, this.queueUrl, request)));
    return sent.MessageId;
  }
}

/** A commit queue message that is not a commit request: names the message and what is wrong. */
export class MalformedCommitMessageError extends Error {
  override readonly name = 'MalformedCommitMessageError';
  constructor(readonly messageId: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`commit queue message ${messageId} is not a commit request: ${problem}`, options);
  }
}

/** The first thing that makes `value` not a CommitRequest, or undefined. */
function commitRequestProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'the request is not an object';
  const r = value as Record<string, unknown>;
  for (const field of ['batchId', 'source', 'key', 'receivedAt', 'status'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '') return `request.${field} is ${JSON.stringify(r[field]) ?? 'missing'}, expected a non-empty string`;
  }
  for (const field of ['rowsIn', 'accepted', 'rejected'] as const) {
    if (typeof r[field] !== 'number') return `request.${field} is ${JSON.stringify(r[field]) ?? 'missing'}, expected a number`;
  }
  for (const field of ['historyFiles', 'rejectedFiles'] as const) {
    if (!Array.isArray(r[field])) return `request.${field} is ${JSON.stringify(r[field]) ?? 'missing'}, expected an array of data files`;
  }
  return undefined;
}

function parse<T>(messageId: string, text: string, what: string): T {
  try {
    return fromWireJson<T>(text);
  } catch (err) {
    throw new MalformedCommitMessageError(messageId, `${what} is not JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * The CommitRequest a message carries, loading its claim check from the lake store when it has
 * one. Throws MalformedCommitMessageError for anything else (and for a claim check that is gone).
 */
export async function decodeCommitMessage(store: ObjectStore, messageId: string, body: string): Promise<CommitRequest> {
  const message = parse<CommitMessage>(messageId, body, 'the body');
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw new MalformedCommitMessageError(messageId, 'the body is not a JSON object');
  if (message.version !== COMMIT_MESSAGE_VERSION) {
    throw new MalformedCommitMessageError(messageId, `version is ${JSON.stringify(message.version) ?? 'missing'}, expected ${COMMIT_MESSAGE_VERSION}`);
  }
  let request: unknown = message.request;
  if (request === undefined) {
    if (typeof message.requestKey !== 'string' || !message.requestKey.startsWith(`${CLAIM_CHECK_PREFIX}/`)) {
      throw new MalformedCommitMessageError(messageId, `it has neither a request nor a requestKey under ${CLAIM_CHECK_PREFIX}/`);
    }
    let text: string;
    try {
      text = (await store.get(message.requestKey)).toString('utf8');
    } catch (err) {
      throw new MalformedCommitMessageError(messageId, `its claim check ${message.requestKey} cannot be read (${(err as Error).message})`, { cause: err });
    }
    request = parse<unknown>(messageId, text, `claim check ${message.requestKey}`);
  }
  const problem = commitRequestProblem(request);
  if (problem) throw new MalformedCommitMessageError(messageId, problem);
  return request as CommitRequest;
}
