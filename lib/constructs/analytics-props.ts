import type { CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the analysts' Athena workgroup, views and named queries (Analytics). */
export interface AnalyticsProps {
  readonly runtime: LambdaRuntime;
  readonly lakeBucket: Bucket;
  readonly key: Key;
  readonly accessLogsBucket: Bucket;
  readonly databaseName: string;
  /** The views are created once the tables exist. */
  readonly tables: CustomResource;
  /**
   * Per-query scan limit of the workgroup, in bytes.
   * @default 214748364800 - 200 GiB, twice today's whole lake
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Name of the Athena workgroup.
   * @default 'meterlake'
   */
  readonly workGroupName?: string;
  /**
   * Days query results are kept in the results bucket.
   * @default 30
   */
  readonly resultsExpirationDays?: number;
  /**
   * What happens to the results bucket on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
