import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** What a function does with a bucket's objects (S3Store's calls: Get/Head, Put/multipart, Delete, List). */
export interface ObjectAccess {
  readonly read?: boolean;
  /** Read a given version of an object (the landing bucket is versioned; ingest reads the version the event names). */
  readonly readVersions?: boolean;
  readonly write?: boolean;
  readonly delete?: boolean;
}

/**
 * Exactly the S3 and KMS actions S3Store needs on one bucket, instead of the bucket's broad
 * grantReadWrite (which adds object tagging, retention and legal-hold actions nobody here uses).
 */
export function grantObjectAccess(grantee: IGrantable, bucket: IBucket, key: IKey, access: ObjectAccess): void {
  const objectActions = [
    ...(access.read ? ['s3:GetObject'] : []),
    ...(access.readVersions ? ['s3:GetObjectVersion'] : []),
    ...(access.write ? ['s3:PutObject', 's3:AbortMultipartUpload'] : []),
    ...(access.delete ? ['s3:DeleteObject'] : []),
  ];
  Grant.addToPrincipal({ grantee, actions: objectActions, resourceArns: [bucket.arnForObjects('*')] });
  Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  // SSE-KMS: reading decrypts; writing asks for a data key (and multipart completion decrypts it).
  const keyActions = [...(access.read || access.readVersions || access.write ? ['kms:Decrypt'] : []), ...(access.write ? ['kms:GenerateDataKey'] : [])];
  if (keyActions.length) Grant.addToPrincipal({ grantee, actions: keyActions, resourceArns: [key.keyArn] });
}

/** Glue actions on the lake's database and its tables: GlueCatalog reads (Get*) or also commits (Create/UpdateTable). */
export function grantGlueTables(scope: Construct, grantee: IGrantable, databaseName: string, access: { write: boolean }): void {
  const actions = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', ...(access.write ? ['glue:CreateTable', 'glue:UpdateTable'] : [])];
  Grant.addToPrincipal({ grantee, actions, resourceArns: glueTableArns(scope, databaseName) });
}

/** The catalog, the database and every table in it (the table names are the pipeline's, created on deploy). */
export function glueTableArns(scope: Construct, databaseName: string): string[] {
  const stack = Stack.of(scope);
  const glue = (resource: string) => stack.formatArn({ service: 'glue', resource, resourceName: undefined });
  return [glue('catalog'), glue(`database/${databaseName}`), glue(`table/${databaseName}/*`)];
}
