import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3StoreOptions } from '../../src/storage/s3-store';

/** A running S3-compatible endpoint with one empty bucket for a test file. */
export interface TestS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** 'shim': s3rver plus the conditional-write layer below; 'native': the external endpoint's own. */
  readonly conditionalWrites: 'shim' | 'native';
  /** Options for an S3Store rooted at `prefix` in this server's bucket. */
  storeOptions(prefix?: string): S3StoreOptions;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (random free port, temp directory, silent) with one bucket, or, when
 * AWS_ENDPOINT_URL is set (LocalStack, MinIO), creates a uniquely named bucket there instead.
 * s3rver 3.7 falls short of S3 in three ways this project relies on; each is made good below and
 * says why: conditional writes (`conditionalWrites`), atomic writes (`makeWritesAtomic`) and
 * ListObjectsV2 order and paging (`listObjectsV2`).
 */
export async function startS3Server(): Promise<TestS3Server> {
  const external = process.env.AWS_ENDPOINT_URL;
  return external ? useExternalEndpoint(external) : startS3rver();
}

// ---------------------------------------------------------------------------------------------
// s3rver (untyped CommonJS): the parts used here.

interface S3rverObject {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}

interface S3rverFilesystemStore {
  getBucket(bucket: string): Promise<unknown>;
  getMetadata(bucket: string, key: string): Promise<{ etag: string; 'last-modified': string; 'content-length': number }>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  existsObject(bucket: string, key: string): Promise<boolean>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: string | number, content: Readable): Promise<{ size: number; md5: string }>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  type: string;
  body: unknown;
}

type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  store: S3rverFilesystemStore;
  middleware: KoaMiddleware[];
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, string>) => Error;

const requireFromHere = createRequire(__filename);
const S3rver = requireFromHere('s3rver') as S3rverConstructor;
const S3Error = requireFromHere('s3rver/lib/models/error') as S3ErrorConstructor;

const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';

async function startS3rver(): Promise<TestS3Server> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-s3rver-'));
  const bucket = 'meterlake-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  makeWritesAtomic(server.store);
  // Koa composes `middleware` when the server starts, so these run before s3rver's router.
  server.middleware.unshift(conditionalWrites(server.store), listObjectsV2(server.store, directory));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    region: REGION,
    credentials: S3RVER_CREDENTIALS,
    conditionalWrites: 'shim',
    storeOptions: (prefix) => ({ bucket, prefix, endpoint, region: REGION, forcePathStyle: true, credentials: S3RVER_CREDENTIALS }),
    close: async () => {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver 3.7 ignores `If-None-Match` on writes (it only honours it on GET), so a put-if-absent
 * would silently overwrite. The Iceberg file catalog commits by put-if-absent, so its tests need
 * the real thing: this layer answers such writes the way AWS S3 has since August 2024: a PUT
 * (or CompleteMultipartUpload) with `If-None-Match: *` fails with 412 PreconditionFailed when the
 * key exists, and conditional writes to one key are serialised so that exactly one creator wins.
 * Other preconditions on writes (`If-Match`, an ETag list) are refused loudly rather than ignored.
 */
function conditionalWrites(store: S3rverFilesystemStore): KoaMiddleware {
  const withKeyLock = keyedMutex();
  return async (ctx, next) => {
    const target = conditionalWriteTarget(ctx);
    if (!target) return next();
    const ifNoneMatch = ctx.headers['if-none-match'];
    if (ctx.headers['if-match'] !== undefined || ifNoneMatch !== '*') {
      throw new S3Error('NotImplemented', 'The test server supports only If-None-Match: * on writes', {
        Header: ctx.headers['if-match'] !== undefined ? 'If-Match' : 'If-None-Match',
      });
    }
    await withKeyLock(`${target.bucket}/${target.key}`, async () => {
      if (await store.existsObject(target.bucket, target.key)) {
        ctx.req.resume(); // read and drop the body so the client sees the answer, not a reset
        await finished(ctx.req);
        throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
          Condition: 'If-None-Match',
        });
      }
      await next(); // the write completes (object visible) before the lock is released
    });
  };
}

/** Bucket and key of a PutObject/CopyObject or CompleteMultipartUpload that carries a precondition. */
function conditionalWriteTarget(ctx: KoaContext): { bucket: string; key: string } | undefined {
  if (ctx.headers['if-none-match'] === undefined && ctx.headers['if-match'] === undefined) return undefined;
  const isPut = ctx.method === 'PUT' && ctx.query.uploadId === undefined;
  const isComplete = ctx.method === 'POST' && ctx.query.uploadId !== undefined;
  if (!isPut && !isComplete) return undefined;
  const [bucket, ...keyParts] = ctx.path.slice(1).split('/');
  if (!bucket || keyParts.length === 0) return undefined;
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(keyParts.join('/')) };
}

/**
 * s3rver's ListObjectsV2 cannot page on Node >= 17 (its continuation tokens use DES, which
 * OpenSSL 3 no longer offers, so every truncated listing fails with InternalError), and it lists
 * in directory-walk order, where S3 lists in key order ('t/m-x' before 't/m/a'). This answers
 * ListObjectsV2 itself from s3rver's folder layout: keys in UTF-8 byte order, prefix, delimiter,
 * start-after, max-keys and opaque continuation tokens. (Listing skips signature checks.)
 */
function listObjectsV2(store: S3rverFilesystemStore, directory: string): KoaMiddleware {
  return async (ctx, next) => {
    const segments = ctx.path.slice(1).split('/').filter((s) => s !== '');
    if (ctx.method !== 'GET' || ctx.query['list-type'] !== '2' || segments.length !== 1) return next();
    const bucket = decodeURIComponent(segments[0]);
    if (!(await store.getBucket(bucket))) {
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    }
    const query = (name: string): string | undefined => {
      const value = ctx.query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const prefix = query('prefix') ?? '';
    const delimiter = query('delimiter') ?? '';
    const maxKeys = Math.min(1000, Number(query('max-keys') ?? 1000));
    const token = query('continuation-token');
    const startAfter = token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : (query('start-after') ?? '');

    const candidates = (await keysInBucket(path.join(directory, bucket)))
      .filter((key) => key.startsWith(prefix) && byteCompare(key, startAfter) > 0)
      .sort(byteCompare);
    const keys: string[] = [];
    const commonPrefixes: string[] = [];
    let lastReturned = '';
    let truncated = false;
    for (const key of candidates) {
      const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      const entry = cut === -1 ? key : key.slice(0, cut + delimiter.length);
      if (entry === lastReturned || byteCompare(entry, startAfter) <= 0) continue; // prefix already returned
      if (keys.length + commonPrefixes.length === maxKeys) {
        truncated = true;
        break;
      }
      (cut === -1 ? keys : commonPrefixes).push(entry);
      lastReturned = entry;
    }
    const objects = await Promise.all(
      keys.map((key) => store.getMetadata(bucket, key).then((meta) => ({ key, meta }), () => undefined)),
    );

    ctx.type = 'application/xml';
    ctx.body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
      xmlElement('Name', bucket),
      xmlElement('Prefix', prefix),
      delimiter === '' ? '' : xmlElement('Delimiter', delimiter),
      token === undefined ? '' : xmlElement('ContinuationToken', token),
      query('start-after') === undefined ? '' : xmlElement('StartAfter', query('start-after') ?? ''),
      xmlElement('MaxKeys', String(maxKeys)),
      xmlElement('KeyCount', String(keys.length + commonPrefixes.length)),
      xmlElement('IsTruncated', String(truncated)),
      truncated ? xmlElement('NextContinuationToken', Buffer.from(lastReturned).toString('base64url')) : '',
      ...objects.flatMap((object) =>
        object === undefined
          ? []
          : [
              '<Contents>',
              xmlElement('Key', object.key),
              xmlElement('LastModified', new Date(object.meta['last-modified']).toISOString()),
              xmlElement('ETag', object.meta.etag),
              xmlElement('Size', String(object.meta['content-length'])),
              xmlElement('StorageClass', 'STANDARD'),
              '</Contents>',
            ],
      ),
      ...commonPrefixes.map((p) => `<CommonPrefixes>${xmlElement('Prefix', p)}</CommonPrefixes>`),
      '</ListBucketResult>',
    ].join('');
  };
}

/** Every object key stored in s3rver's folder for one bucket (objects are files named `<last segment>._S3rver_object`). */
async function keysInBucket(bucketDir: string): Promise<string[]> {
  const suffix = '._S3rver_object';
  const files = await fs.readdir(bucketDir, { recursive: true });
  return files.filter((file) => file.endsWith(suffix)).map((file) => file.slice(0, -suffix.length).split(path.sep).join('/'));
}

/** S3 orders keys by their UTF-8 bytes. */
function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function xmlElement(name: string, text: string): string {
  const escaped = text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<${name}>${escaped}</${name}>`;
}

/** Runs work for the same key one at a time, in arrival order. */
function keyedMutex(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<void>>();
  return async (key, work) => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

/**
 * s3rver writes objects in place and answers before the bytes reach the file, so a reader can
 * see a partial object, even just after a successful PUT. S3 never shows a partial object: here
 * the body goes to a temp file that is renamed into place once complete (the same for parts).
 */
function makeWritesAtomic(store: S3rverFilesystemStore): void {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await fs.mkdir(path.dirname(objectPath), { recursive: true });
    const temp = `${objectPath}.upload-${randomUUID()}`; // not an '..._object' name: list skips it
    try {
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      const written = await writeHashed(source, temp);
      await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
      await fs.rename(temp, objectPath);
      return written;
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const partPath = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await fs.mkdir(path.dirname(partPath), { recursive: true });
    const written = await writeHashed(content, partPath);
    await fs.writeFile(`${partPath}.md5`, written.md5);
    return written;
  };
}

/** Streams `source` into `filePath` and resolves once it is all on disk, with its size and MD5. */
async function writeHashed(source: Readable, filePath: string): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(source, measure, createWriteStream(filePath));
  return { size, md5: hash.digest('hex') };
}

// ---------------------------------------------------------------------------------------------
// An external endpoint (LocalStack and the like): a fresh bucket per test file.

async function useExternalEndpoint(endpoint: string): Promise<TestS3Server> {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? REGION;
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
  const bucket = `meterlake-test-${randomUUID().slice(0, 8)}`;
  const client = new S3Client({ endpoint, region, credentials, forcePathStyle: true });
  await client.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === REGION ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  return {
    endpoint,
    bucket,
    region,
    credentials,
    conditionalWrites: 'native',
    storeOptions: (prefix) => ({ bucket, prefix, endpoint, region, forcePathStyle: true, credentials }),
    close: async () => {
      await emptyBucket(client, bucket);
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    await Promise.all((page.Contents ?? []).map((o) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }))));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}
