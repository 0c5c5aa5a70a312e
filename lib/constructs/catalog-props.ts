import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the Glue catalog of the lake (Catalog). */
export interface CatalogProps {
  readonly runtime: LambdaRuntime;
  /** The Iceberg warehouse's bucket: the custom resource writes each new table's first metadata file. */
  readonly lakeBucket: Bucket;
  readonly key: Key;
  /**
   * Glue database of the lake's tables.
   * @default 'meterlake'
   */
  readonly databaseName?: string;
  /**
   * What happens to the Glue database (and so every table definition in it) on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
