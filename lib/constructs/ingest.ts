import { Duration } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { DeduplicationScope, Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../src/aws/environment-variables';
import { definedOnly } from '../defined-only';
import { grantGlueTables, grantObjectAccess } from '../grants';
import type { IngestProps } from './ingest-props';

const DEFAULTS = { landingPrefix: 'landing/', ingestMemoryMb: 4096, ingestEphemeralStorageMb: 4096, commitMemoryMb: 2048, maxReceiveCount: 5 };
const INGEST_TIMEOUT = Duration.minutes(5);
const COMMIT_TIMEOUT = Duration.minutes(5);
/** SQS visibility ≥ 6 × the function timeout (Lambda's guidance), so a retried batch is never seen twice at once. */
const VISIBILITY_FACTOR = 6;
/** Dead letters are kept the longest SQS allows, to be inspected and replayed. */
const DLQ_RETENTION = Duration.days(14);

/**
 * S3 ObjectCreated under landing/ → ingest queue → ingest function (parse, validate, stage
 * Parquet) → FIFO commit queue (one message group per table, deduplication id = batch id) →
 * commit function (one Iceberg snapshot per batch, one writer per table because a FIFO group
 * is delivered in order, one batch at a time). Both queues report partial batch failures per
 * record and dead-letter a poison message after maxReceiveCount deliveries.
 */
export class Ingest extends Construct {
  public readonly ingestQueue: Queue;
  public readonly ingestDeadLetterQueue: Queue;
  /** The seam for other producers (the streaming path): send commit requests here. */
  public readonly commitQueue: Queue;
  public readonly commitDeadLetterQueue: Queue;
  public readonly ingestFunction: NodejsFunction;
  public readonly commitFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    const secureQueue = (extra: QueueProps): QueueProps => ({ encryption: QueueEncryption.KMS, encryptionMasterKey: props.messagingKey, enforceSSL: true, ...extra });

    this.ingestDeadLetterQueue = new Queue(this, 'IngestDeadLetterQueue', secureQueue({ retentionPeriod: DLQ_RETENTION }));
    this.ingestQueue = new Queue(this, 'IngestQueue', secureQueue({
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * VISIBILITY_FACTOR),
      deadLetterQueue: { queue: this.ingestDeadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    }));
    props.landingBucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue), { prefix: settings.landingPrefix });

    // Deduplication is by the explicit MessageDeduplicationId (the batch id), not content: a large request
    // travels as a pointer with a fresh object key, so two sends of one batch differ in content.
    this.commitDeadLetterQueue = new Queue(this, 'CommitDeadLetterQueue', secureQueue({ fifo: true, retentionPeriod: DLQ_RETENTION }));
    this.commitQueue = new Queue(this, 'CommitQueue', secureQueue({
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: DeduplicationScope.QUEUE,
      visibilityTimeout: Duration.seconds(COMMIT_TIMEOUT.toSeconds() * VISIBILITY_FACTOR),
      deadLetterQueue: { queue: this.commitDeadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    }));

    const lake = { [ENV.lakeBucket]: props.lakeBucket.bucketName, [ENV.glueDatabase]: props.databaseName };
    this.ingestFunction = props.runtime.createFunction(this, {
      name: 'ingest',
      description: 'Landing object → validated rows staged as Parquet → commit request on the FIFO commit queue',
      timeout: INGEST_TIMEOUT,
      memoryMb: settings.ingestMemoryMb,
      ephemeralStorageMb: settings.ingestEphemeralStorageMb,
      environment: { ...lake, [ENV.landingBucket]: props.landingBucket.bucketName, [ENV.commitQueueUrl]: this.commitQueue.queueUrl },
    });
    // One object per invocation: a landing file can take minutes, and objects then ingest in parallel.
    this.ingestFunction.addEventSource(new SqsEventSource(this.ingestQueue, { batchSize: 1, reportBatchItemFailures: true }));
    grantObjectAccess(this.ingestFunction, props.landingBucket, props.key, { read: true, readVersions: true });
    // Staged data files, quarantined objects, oversized commit requests; deletes its own uncommitted files.
    grantObjectAccess(this.ingestFunction, props.lakeBucket, props.key, { read: true, write: true, delete: true });
    grantGlueTables(this, this.ingestFunction, props.databaseName, { write: false });
    // SendMessage only (grantSendMessages adds queue attributes and kms:ReEncrypt*/GenerateDataKey*).
    Grant.addToPrincipal({ grantee: this.ingestFunction, actions: ['sqs:SendMessage'], resourceArns: [this.commitQueue.queueArn] });
    Grant.addToPrincipal({ grantee: this.ingestFunction, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [props.messagingKey.keyArn] });

    this.commitFunction = props.runtime.createFunction(this, {
      name: 'commit',
      description: 'Commit requests → one Iceberg snapshot per table per batch, idempotent on batch id',
      timeout: COMMIT_TIMEOUT,
      memoryMb: settings.commitMemoryMb,
      environment: lake,
    });
    // SQS FIFO delivers at most 10 records per batch.
    this.commitFunction.addEventSource(new SqsEventSource(this.commitQueue, { batchSize: 10, reportBatchItemFailures: true }));
    grantObjectAccess(this.commitFunction, props.lakeBucket, props.key, { read: true, write: true, delete: true });
    grantGlueTables(this, this.commitFunction, props.databaseName, { write: true });
  }
}
