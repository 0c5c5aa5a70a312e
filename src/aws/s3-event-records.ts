/**
 * S3 event notifications (as SQS message bodies) → the landing objects they announce. Pure: no
 * I/O. Anything that is not an object created under landing/ in the landing bucket is an error,
 * so a misrouted notification fails loudly (and ends in the DLQ) instead of being ingested.
 */
import type { LandedObject } from '../pipeline/ingest';

/** The prefix ingest accepts objects under. */
export const LANDING_PREFIX = 'landing/';

/** A notification that cannot be read as an S3 event: names the message and what is wrong. */
export class MalformedS3EventError extends Error {
  override readonly name = 'MalformedS3EventError';
  constructor(readonly messageId: string, readonly problem: string) {
    super(`message ${messageId} is not an S3 event notification: ${problem}`);
  }
}

/** An S3 event for an object ingest must not take: another bucket, outside landing/, or not a creation. */
export class UnexpectedLandingObjectError extends Error {
  override readonly name = 'UnexpectedLandingObjectError';
  constructor(readonly messageId: string, readonly bucket: string, readonly key: string, readonly problem: string) {
    super(`message ${messageId}: s3://${bucket}/${key} is not ingested: ${problem}`);
  }
}

interface S3EventRecordShape {
  eventSource?: unknown;
  eventName?: unknown;
  eventTime?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown; eTag?: unknown; versionId?: unknown } };
}

/** An S3 object key as events spell it: URL-encoded with '+' for a space. */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * The landing objects an SQS message body announces: [] for S3's s3:TestEvent; one per record of
 * an ObjectCreated event in `landingBucket` under landing/ (key decoded, version id, ETag, size,
 * and the event time as the arrival time), folder markers left out. Throws for anything else.
 */
export function landedObjectsFromS3Event(messageId: string, body: string, landingBucket: string): LandedObject[] {
  let event: { Event?: unknown; Records?: unknown };
  try {
    event = JSON.parse(body) as typeof event;
  } catch (err) {
    throw new MalformedS3EventError(messageId, `the body is not JSON (${(err as Error).message})`);
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) throw new MalformedS3EventError(messageId, 'the body is not a JSON object');
  // S3 sends one when the notification is configured; it announces nothing.
  if (event.Event === 's3:TestEvent') return [];
  if (!Array.isArray(event.Records)) throw new MalformedS3EventError(messageId, 'it has no Records array');
  return (event.Records as S3EventRecordShape[])
    .map((record, i) => landedObjectOf(messageId, record, i, landingBucket))
    // A key ending in '/' is a folder marker (the S3 console's "Create folder"): nothing to ingest.
    .filter((object) => !object.key.endsWith('/'));
}

function landedObjectOf(messageId: string, record: S3EventRecordShape, index: number, landingBucket: string): LandedObject {
  const at = `Records[${index}]`;
  const fail = (problem: string): never => {
    throw new MalformedS3EventError(messageId, `${at}: ${problem}`);
  };
  if (record?.eventSource !== 'aws:s3') fail(`eventSource is ${JSON.stringify(record?.eventSource) ?? 'missing'}, expected "aws:s3"`);
  const bucket = record.s3?.bucket?.name;
  const rawKey = record.s3?.object?.key;
  if (typeof bucket !== 'string' || !bucket) return fail('s3.bucket.name is missing');
  if (typeof rawKey !== 'string' || !rawKey) return fail('s3.object.key is missing');
  let key: string;
  try {
    key = decodeS3EventKey(rawKey);
  } catch {
    return fail(`s3.object.key ${JSON.stringify(rawKey)} is not URL-encoded`);
  }
  if (typeof record.eventName !== 'string' || !record.eventName.startsWith('ObjectCreated:')) {
    throw new UnexpectedLandingObjectError(messageId, bucket, key, `event ${JSON.stringify(record.eventName)} is not an ObjectCreated event`);
  }
  if (bucket !== landingBucket) {
    throw new UnexpectedLandingObjectError(messageId, bucket, key, `the event is from bucket ${bucket}, expected the landing bucket ${landingBucket}`);
  }
  if (!key.startsWith(LANDING_PREFIX)) {
    throw new UnexpectedLandingObjectError(messageId, bucket, key, `the key is outside ${LANDING_PREFIX}`);
  }
  const arrivalTime = new Date(typeof record.eventTime === 'string' ? record.eventTime : NaN);
  if (Number.isNaN(arrivalTime.getTime())) fail(`eventTime ${JSON.stringify(record.eventTime) ?? 'missing'} is not a timestamp`);
  const { size, eTag, versionId } = record.s3!.object!;
  return {
    bucket,
    key,
    arrivalTime,
    ...(typeof versionId === 'string' && versionId ? { versionId } : {}),
    ...(typeof eTag === 'string' && eTag ? { etag: eTag } : {}),
    ...(typeof size === 'number' ? { size } : {}),
  };
}
