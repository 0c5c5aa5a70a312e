import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  type LifecycleRule,
  ObjectLockRetention,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { definedOnly } from '../defined-only';
import { dataRemovalPolicy } from '../removal-policy';
import type { StorageProps } from './storage-props';

/** Table data folders whose old files are rarely read: incorrect past data is kept, not queried. */
export const COLD_DATA_PREFIXES = ['warehouse/readings_history/data/', 'warehouse/rejected_readings/data/'];

const DEFAULTS: Required<Omit<StorageProps, 'destroyOnRemove'>> = {
  historyColdAfterDays: 90,
  landingNoncurrentVersionDays: 30,
  auditLockMode: 'GOVERNANCE',
  auditRetentionDays: 2557,
  stagingExpirationDays: 7,
};

/**
 * The lake's buckets, encrypted with one customer key: landing (versioned, so a redelivered event
 * names the version it was about), lake (Iceberg warehouse, quarantine/, staging/), audit (Object
 * Lock) and access logs. Public access is blocked, TLS is required, and data is RETAINed unless
 * the prop and the context flag both say destroy.
 */
export class Storage extends Construct {
  /** The customer managed key of the buckets and Athena results. */
  public readonly key: Key;
  /**
   * The key of the queues and the alarm topic. Separate because its policy names the landing
   * bucket (S3 sends notifications to the encrypted ingest queue): in the data key's policy that
   * would make the key and the bucket it encrypts depend on each other.
   */
  public readonly messagingKey: Key;
  public readonly landingBucket: Bucket;
  public readonly lakeBucket: Bucket;
  public readonly auditBucket: Bucket;
  public readonly accessLogsBucket: Bucket;
  /** RETAIN or DESTROY, as decided for the stack's data. */
  public readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    // Access logs are delivered through a bucket policy for logging.s3.amazonaws.com, not the legacy
    // LogDeliveryWrite ACL, so ACLs stay disabled on every bucket (set before any bucket exists).
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.removalPolicy = dataRemovalPolicy(this, props.destroyOnRemove);

    this.key = new Key(this, 'Key', {
      description: 'meterlake data: buckets and Athena results',
      enableKeyRotation: true,
      // The audit bucket outlives every stack deletion; its objects stay readable only while this key exists.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.messagingKey = new Key(this, 'MessagingKey', {
      description: 'meterlake messages: SQS queues and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
    });

    // Server access logging delivers only to a bucket with S3-managed encryption (SSE-KMS is not
    // supported on the target bucket), so this one bucket uses SSE-S3.
    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      ...secureBucket(this.removalPolicy),
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }, ABORT_UPLOADS],
    });

    this.landingBucket = new Bucket(this, 'LandingBucket', {
      ...this.kmsBucket('landing'),
      versioned: true,
      lifecycleRules: [
        { id: 'expire-noncurrent-landing-versions', noncurrentVersionExpiration: Duration.days(settings.landingNoncurrentVersionDays) },
        // Received files are kept (a replay reads them by version) but, once ingested, rarely read again.
        { id: 'cold-landing', transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(settings.historyColdAfterDays) }] },
        ABORT_UPLOADS,
      ],
    });

    this.lakeBucket = new Bucket(this, 'LakeBucket', {
      ...this.kmsBucket('lake'),
      lifecycleRules: [
        ...COLD_DATA_PREFIXES.map((prefix): LifecycleRule => ({
          id: `cold-${prefix.split('/')[1]}`,
          prefix,
          transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(settings.historyColdAfterDays) }],
        })),
        { id: 'expire-staging', prefix: 'staging/', expiration: Duration.days(settings.stagingExpirationDays) },
        ABORT_UPLOADS,
      ],
    });

    const lockDays = Duration.days(settings.auditRetentionDays);
    this.auditBucket = new Bucket(this, 'AuditBucket', {
      ...this.kmsBucket('audit'),
      // Locked objects cannot be deleted, so the bucket outlives the stack whatever the flags say.
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        settings.auditLockMode === 'COMPLIANCE' ? ObjectLockRetention.compliance(lockDays) : ObjectLockRetention.governance(lockDays),
      lifecycleRules: [ABORT_UPLOADS],
    });
  }

  /** Settings every KMS-encrypted bucket here shares; access logs go to the access-log bucket under `<name>/`. */
  private kmsBucket(name: string): BucketProps {
    return {
      ...secureBucket(this.removalPolicy),
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket instead of a KMS call per object: ~99 % fewer KMS requests.
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: `${name}/`,
    };
  }
}

const ABORT_UPLOADS: LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) };

/** Forced on every bucket: no public access, TLS only, removal as decided (objects emptied first on destroy). */
function secureBucket(removalPolicy: RemovalPolicy): BucketProps {
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  };
}

