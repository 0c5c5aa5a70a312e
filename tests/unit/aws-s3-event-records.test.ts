import {
  decodeS3EventKey, landedObjectsFromS3Event, MalformedS3EventError, UnexpectedLandingObjectError,
} from '../../src/aws/s3-event-records';

const LANDING = 'meterlake-landing';

/** One S3 ObjectCreated record as S3 writes it into the SQS message. */
function record(overrides: { bucket?: string; key?: string; eventName?: string; eventTime?: string; object?: Record<string, unknown> } = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: overrides.eventTime ?? '2026-12-04T06:00:01.123Z',
    eventName: overrides.eventName ?? 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: overrides.bucket ?? LANDING, arn: `arn:aws:s3:::${overrides.bucket ?? LANDING}` },
      object: { key: overrides.key ?? 'landing/default/readings/day.csv', size: 1234, eTag: 'abc123', versionId: 'v-1', sequencer: '0055AED6DCD90281E5', ...overrides.object },
    },
  };
}
const body = (...records: unknown[]) => JSON.stringify({ Records: records });

test.each([
  ['a plain key', 'landing/default/readings/day.csv', 'landing/default/readings/day.csv'],
  ["'+' as a space", 'landing/default/readings/day+one.csv', 'landing/default/readings/day one.csv'],
  ['percent-encoded characters', 'landing/default/readings/d%C3%A9j%C3%A0%2Bvu%3D1.csv', 'landing/default/readings/déjà+vu=1.csv'],
])('an event key with %s is decoded', (_case, raw, expected) => {
  const [object] = landedObjectsFromS3Event('m-1', body(record({ key: raw })), LANDING);

  expect(object.key).toBe(expected);
});

test('an ObjectCreated record becomes a landed object with its version, ETag, size and arrival time', () => {
  expect(landedObjectsFromS3Event('m-1', body(record()), LANDING)).toEqual([{
    bucket: LANDING, key: 'landing/default/readings/day.csv', versionId: 'v-1', etag: 'abc123', size: 1234,
    arrivalTime: new Date('2026-12-04T06:00:01.123Z'),
  }]);
});

test('a record without a version id (unversioned bucket) has none', () => {
  const [object] = landedObjectsFromS3Event('m-1', body(record({ object: { versionId: undefined } })), LANDING);

  expect(object).not.toHaveProperty('versionId');
});

test('every record of a message becomes a landed object, in order', () => {
  const objects = landedObjectsFromS3Event('m-1', body(record({ key: 'landing/a/1.csv' }), record({ key: 'landing/a/2.csv' })), LANDING);

  expect(objects.map((o) => o.key)).toEqual(['landing/a/1.csv', 'landing/a/2.csv']);
});

test('a folder marker (a key ending in /) announces nothing', () => {
  expect(landedObjectsFromS3Event('m-1', body(record({ key: 'landing/default/', object: { size: 0 } })), LANDING)).toEqual([]);
});

test("S3's test event announces nothing", () => {
  const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-12-04T06:00:00.000Z', Bucket: LANDING });

  expect(landedObjectsFromS3Event('m-1', testEvent, LANDING)).toEqual([]);
});

test.each([
  ['another bucket', record({ bucket: 'someone-elses-bucket' }), /from bucket someone-elses-bucket, expected the landing bucket meterlake-landing/],
  ['a key outside landing/', record({ key: 'quarantine/default/x.csv' }), /outside landing\//],
  ['a removal', record({ eventName: 'ObjectRemoved:Delete' }), /"ObjectRemoved:Delete" is not an ObjectCreated event/],
])('a record for %s is refused with UnexpectedLandingObjectError', (_case, rec, message) => {
  const read = () => landedObjectsFromS3Event('m-7', body(rec), LANDING);

  expect(read).toThrow(UnexpectedLandingObjectError);
  expect(read).toThrow(message);
});

test.each([
  ['a body that is not JSON', 'not json', /m-9 is not an S3 event notification: the body is not JSON/],
  ['a body without Records', JSON.stringify({ hello: 'world' }), /it has no Records array/],
  ['a record from another service', body({ ...record(), eventSource: 'aws:sqs' }), /Records\[0\]: eventSource is "aws:sqs"/],
  ['a record without a key', body(record({ object: { key: '' } })), /Records\[0\]: s3.object.key is missing/],
  ['a key that is not URL-encoded', body(record({ key: 'landing/%E0%A4%A.csv' })), /is not URL-encoded/],
  ['an eventTime that is not a time', body(record({ eventTime: 'yesterday' })), /eventTime "yesterday" is not a timestamp/],
])('%s is refused with MalformedS3EventError naming the message', (_case, text, message) => {
  const read = () => landedObjectsFromS3Event('m-9', text, LANDING);

  expect(read).toThrow(MalformedS3EventError);
  expect(read).toThrow(message);
});

test('decodeS3EventKey keeps an encoded plus as a plus', () => {
  expect(decodeS3EventKey('a%2Bb+c')).toBe('a+b c');
});
