/**
 * The one place every AWS client is built. The environment module hands in the region and any
 * endpoint override (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), so the same code talks to AWS,
 * LocalStack, MinIO or the local test servers; credentials come from the SDK's provider chain.
 */
import { AthenaClient, type AthenaClientConfig } from '@aws-sdk/client-athena';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { GlueClient, type GlueClientConfig } from '@aws-sdk/client-glue';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';

export const AWS_SERVICES = ['s3', 'glue', 'sqs', 'athena', 'dynamodb'] as const;
export type AwsService = (typeof AWS_SERVICES)[number];

/** Where the clients connect: one region, and per service an endpoint override when one is set. */
export interface AwsConnection {
  readonly region: string;
  /** Endpoint per service (the service's own variable wins over AWS_ENDPOINT_URL). @default AWS */
  readonly endpoints?: Partial<Record<AwsService, string>>;
}

interface ClientConfigs {
  s3: S3ClientConfig;
  glue: GlueClientConfig;
  sqs: SQSClientConfig;
  athena: AthenaClientConfig;
  dynamodb: DynamoDBClientConfig;
}

/** Client settings for one service: region, endpoint, and what an S3-compatible server needs. */
export function awsClientConfig<S extends AwsService>(service: S, connection: AwsConnection): ClientConfigs[S] {
  const endpoint = connection.endpoints?.[service];
  const config: ClientConfigs[S] = { region: connection.region, ...(endpoint ? { endpoint } : {}) };
  if (service === 's3' && endpoint) {
    // An S3-compatible server has no virtual-host buckets, and ones that predate flexible
    // checksums reject them: send checksums only when an operation requires one (as S3Store does).
    Object.assign(config, {
      forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  return config;
}

/** An S3 client for the connection. */
export const s3Client = (connection: AwsConnection): S3Client => new S3Client(awsClientConfig('s3', connection));
/** A Glue client for the connection. */
export const glueClient = (connection: AwsConnection): GlueClient => new GlueClient(awsClientConfig('glue', connection));
/** An SQS client for the connection. */
export const sqsClient = (connection: AwsConnection): SQSClient => new SQSClient(awsClientConfig('sqs', connection));
/** An Athena client for the connection. */
export const athenaClient = (connection: AwsConnection): AthenaClient => new AthenaClient(awsClientConfig('athena', connection));
/** A DynamoDB client for the connection. */
export const dynamoDbClient = (connection: AwsConnection): DynamoDBClient => new DynamoDBClient(awsClientConfig('dynamodb', connection));
