import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the landing → ingest → commit path (Ingest). */
export interface IngestProps {
  readonly runtime: LambdaRuntime;
  readonly landingBucket: Bucket;
  readonly lakeBucket: Bucket;
  /** The lake bucket's key (S3 objects). */
  readonly key: Key;
  /** The queues' key; S3 is allowed to use it for notifications. */
  readonly messagingKey: Key;
  readonly databaseName: string;
  /**
   * Key prefix whose new objects are ingested.
   * @default 'landing/'
   */
  readonly landingPrefix?: string;
  /**
   * Memory of the ingest function (DuckDB gets 75 % of it).
   * @default 4096
   */
  readonly ingestMemoryMb?: number;
  /**
   * /tmp of the ingest function: the landing object, its staged Parquet and DuckDB's spill space.
   * @default 4096
   */
  readonly ingestEphemeralStorageMb?: number;
  /**
   * Memory of the commit function (it writes metadata and manifests, no data).
   * @default 2048
   */
  readonly commitMemoryMb?: number;
  /**
   * Deliveries of one message before it moves to its dead-letter queue.
   * @default 5 - Lambda's recommended minimum, so throttled retries do not dead-letter good messages
   */
  readonly maxReceiveCount?: number;
}
