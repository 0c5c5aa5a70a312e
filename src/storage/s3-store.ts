import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError } from '../iceberg/file-io';
import type { Body, ObjectInfo, ObjectStore } from './object-store';

/** Where an S3Store lives and how it talks to the endpoint. */
export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix that acts as the store's root, without leading or trailing '/'. @default '' (the bucket root) */
  readonly prefix?: string;
  /** @default the SDK's provider chain (AWS_REGION, config file, ...) */
  readonly region?: string;
  /** An S3-compatible endpoint (LocalStack, MinIO, a local test server). @default AWS S3 */
  readonly endpoint?: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. @default true when `endpoint` is set */
  readonly forcePathStyle?: boolean;
  /** @default the SDK's provider chain */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Keys per ListObjectsV2 page (1..1000). @default 1000 */
  readonly listPageSize?: number;
  /** Part size for multipart uploads of streams and files (>= 5 MiB); smaller bodies go up in one PUT. @default 8 MiB */
  readonly partSize?: number;
  /** Parts uploaded in parallel by one multipart upload. @default 4 */
  readonly uploadQueueSize?: number;
  /**
   * Extra S3Client settings merged over the defaults. With a custom `endpoint` the default sends
   * checksums only when an operation requires them (`WHEN_REQUIRED`), which S3-compatible servers
   * that predate flexible checksums need.
   */
  readonly clientConfig?: S3ClientConfig;
  /** Use this client instead of building one (the connection options above are then ignored). */
  readonly client?: S3Client;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** AWS answers 409 when another conditional write to the key is in flight; it advises a retry. */
const CONDITIONAL_CONFLICT_RETRIES = 5;

/** An ObjectStore over an S3 bucket (optionally below a key prefix) on AWS or any S3-compatible endpoint. */
export class S3Store implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly listPageSize: number;
  private readonly partSize: number;
  private readonly uploadQueueSize: number;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.url = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.listPageSize = options.listPageSize ?? 1000;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.uploadQueueSize = options.uploadQueueSize ?? 4;
    this.client = options.client ?? new S3Client(clientConfigFor(options));
  }

  localPath(): undefined {
    return undefined;
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getBody(key);
    return Buffer.from(await body.transformToByteArray());
  }

  async getStream(key: string, version?: string): Promise<Readable> {
    return (await this.getBody(key, version)) as unknown as Readable;
  }

  async getToFile(key: string, destination: string, version?: string): Promise<void> {
    const body = (await this.getBody(key, version)) as unknown as Readable;
    await fs.mkdir(path.dirname(destination), { recursive: true });
    // Download beside the destination, then rename: a failed download leaves no partial file.
    const temp = `${destination}.download-${randomUUID()}`;
    try {
      await pipeline(body, createWriteStream(temp));
      await fs.rename(temp, destination);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  async put(key: string, body: Body): Promise<ObjectInfo> {
    if (body instanceof Readable) return this.upload(key, body);
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const result = await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Body: data, ContentLength: data.length }),
    );
    return { key, size: data.length, lastModified: new Date(), etag: result.ETag, versionId: result.VersionId };
  }

  async putFile(key: string, source: string): Promise<ObjectInfo> {
    return this.upload(key, createReadStream(source));
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.fullKey(key),
      Body: data,
      ContentLength: data.length,
      IfNoneMatch: '*',
    });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(command);
        return true;
      } catch (err) {
        if (isPreconditionFailed(err)) return false;
        if (!isConditionalConflict(err)) throw err;
        // The other writer may still fail; retrying settles who owns the key (412 or success).
        if (attempt >= CONDITIONAL_CONFLICT_RETRIES) return false;
        await sleep(50 * 2 ** attempt);
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return {
        key,
        size: result.ContentLength ?? 0,
        lastModified: result.LastModified ?? new Date(0),
        etag: result.ETag,
        versionId: result.VersionId,
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const rootLength = this.prefix === '' ? 0 : this.prefix.length + 1;
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.fullKey(prefix),
          MaxKeys: this.listPageSize,
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key.slice(rootLength),
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
          etag: object.ETag,
        };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
  }

  private fullKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private async getBody(key: string, version?: string) {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), VersionId: version }));
      if (!result.Body) throw new Error(`GetObject returned no body for ${this.url}/${key}`);
      return result.Body;
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`${this.url}/${key}`, { cause: err });
      throw err;
    }
  }

  /** Multipart upload (one PUT when the body is smaller than a part), counting the bytes sent. */
  private async upload(key: string, body: Readable): Promise<ObjectInfo> {
    let size = 0;
    const counted = body.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          callback(null, chunk);
        },
      }),
    );
    body.once('error', (err) => counted.destroy(err));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.fullKey(key), Body: counted },
      partSize: this.partSize,
      queueSize: this.uploadQueueSize,
    });
    const result = await upload.done();
    return { key, size, lastModified: new Date(), etag: result.ETag, versionId: result.VersionId };
  }
}

function clientConfigFor(options: S3StoreOptions): S3ClientConfig {
  const custom = options.endpoint !== undefined;
  const defaults: S3ClientConfig = {
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? custom,
    credentials: options.credentials,
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  };
  return { ...defaults, ...options.clientConfig };
}

interface AwsErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as AwsErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as AwsErrorShape | undefined)?.name;
  // A missing bucket is a configuration error, not a missing object.
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

function isPreconditionFailed(err: unknown): boolean {
  return (err as AwsErrorShape | undefined)?.name === 'PreconditionFailed' || statusOf(err) === 412;
}

function isConditionalConflict(err: unknown): boolean {
  return (err as AwsErrorShape | undefined)?.name === 'ConditionalRequestConflict' || statusOf(err) === 409;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
