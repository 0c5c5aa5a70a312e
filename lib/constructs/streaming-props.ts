import type { Key } from 'aws-cdk-lib/aws-kms';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { MskConfig } from '../msk-config';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the MSK → stream function → commit queue path (Streaming). */
export interface StreamingProps {
  readonly runtime: LambdaRuntime;
  readonly lakeBucket: Bucket;
  /** The lake bucket's key; also encrypts the device-state table. */
  readonly key: Key;
  /** The queues' key (the commit queue's and the on-failure queue's). */
  readonly messagingKey: Key;
  readonly databaseName: string;
  /** Ingest's FIFO commit queue: stream batches go in the device_energy message group. */
  readonly commitQueue: Queue;
  /** The MSK source: cluster, topic, VPC, starting position, batch size and window. */
  readonly msk: MskConfig;
  /** The device-state table's fate on stack deletion (the storage construct's policy). */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Memory of the stream function.
   * @default 2048
   */
  readonly memoryMb?: number;
  /**
   * Provisioned event pollers (Lambda allows partial batch responses and retry controls on Kafka
   * sources only in provisioned mode).
   * @default { minimum: 1, maximum: 2 }
   */
  readonly pollers?: { readonly minimum: number; readonly maximum: number };
  /**
   * Deliveries of a failing batch before its records' metadata goes to the on-failure queue.
   * @default 10
   */
  readonly retryAttempts?: number;
}
