import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ScheduleConfig } from '../app-config';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the monthly settlement (Settlement). */
export interface SettlementProps {
  readonly runtime: LambdaRuntime;
  readonly lakeBucket: Bucket;
  /** The Object-Lock bucket the reports and manifests are written to (write once, read for verify). */
  readonly auditBucket: Bucket;
  /** The key of both buckets. */
  readonly key: Key;
  readonly databaseName: string;
  /** The git revision of the code deployed, written into every manifest. */
  readonly sourceRevision: string;
  /**
   * When the previous month is settled.
   * @default cron(0 6 2 * ? *) in Europe/London - the 2nd of each month, after the 1st's daily run
   */
  readonly schedule?: ScheduleConfig;
  /**
   * Memory of the settle function.
   * @default 4096
   */
  readonly memoryMb?: number;
  /**
   * What happens to the state machine's log group on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
