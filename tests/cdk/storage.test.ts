import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Storage } from '../../lib/constructs/storage';
import type { StorageProps } from '../../lib/constructs/storage-props';

function storageTemplate(props: StorageProps = {}, context: Record<string, unknown> = {}): Template {
  const stack = new Stack(new App({ context, builtinCloudFormationValidation: false }), 'Test');
  new Storage(stack, 'Storage', props);
  return Template.fromStack(stack);
}

/** The bucket whose logical id starts with `prefix` (StorageLakeBucket…). */
function bucket(template: Template, prefix: string) {
  const [id, resource] = Object.entries(template.findResources('AWS::S3::Bucket')).find(([logicalId]) => logicalId.startsWith(prefix))!;
  return { id, ...(resource as { Properties: Record<string, unknown>; DeletionPolicy?: string }) };
}

describe('Storage', () => {
  const template = storageTemplate();
  const kmsBuckets = ['StorageLandingBucket', 'StorageLakeBucket', 'StorageAuditBucket'];

  test('the key rotates', () => {
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test.each(kmsBuckets)('%s is encrypted with the customer key and blocks public access', (name) => {
    const { Properties } = bucket(template, name);
    expect(Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] } } }],
    });
    expect(Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
  });

  test('the access-log bucket uses S3-managed keys, the only encryption server access logging delivers to', () => {
    const { Properties } = bucket(template, 'StorageAccessLogsBucket');
    expect(Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
  });

  test.each([...kmsBuckets, 'StorageAccessLogsBucket'])('%s denies requests without TLS', (name) => {
    const { id } = bucket(template, name);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test.each(kmsBuckets)('%s logs its accesses to the access-log bucket', (name) => {
    const { Properties } = bucket(template, name);
    expect(Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: expect.stringMatching(/^StorageAccessLogsBucket/) }, LogFilePrefix: expect.any(String) });
  });

  test('the audit bucket locks objects by default (governance, seven years)', () => {
    const { Properties } = bucket(template, 'StorageAuditBucket');
    expect(Properties.ObjectLockEnabled).toBe(true);
    expect(Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 2557 } } });
  });

  test('the audit lock mode and retention are props', () => {
    const { Properties } = bucket(storageTemplate({ auditLockMode: 'COMPLIANCE', auditRetentionDays: 400 }), 'StorageAuditBucket');
    expect(Properties.ObjectLockConfiguration).toMatchObject({ Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } });
  });

  test('the landing bucket is versioned and expires noncurrent versions after the configured days', () => {
    const { Properties } = bucket(storageTemplate({ landingNoncurrentVersionDays: 12 }), 'StorageLandingBucket');
    expect(Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual(
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 12 }, Status: 'Enabled' }),
    );
  });

  test('received files move to Glacier Instant Retrieval after the cold-data days, still readable at once for a replay', () => {
    const { Properties } = bucket(storageTemplate({ historyColdAfterDays: 120 }), 'StorageLandingBucket');
    expect((Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual(
      expect.objectContaining({ Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 120 }], Status: 'Enabled' }),
    );
  });

  test('readings_history and rejected_readings data move to Glacier Instant Retrieval after 90 days; staging expires after 7', () => {
    const rules = (bucket(template, 'StorageLakeBucket').Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    for (const prefix of ['warehouse/readings_history/data/', 'warehouse/rejected_readings/data/']) {
      expect(rules).toContainEqual(expect.objectContaining({ Prefix: prefix, Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }] }));
    }
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'staging/', ExpirationInDays: 7 }));
  });

  test('the cold-storage age is a prop', () => {
    const rules = (bucket(storageTemplate({ historyColdAfterDays: 180 }), 'StorageLakeBucket').Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'warehouse/readings_history/data/', Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 180 }] }));
  });

  describe('removal', () => {
    const policies = (t: Template) => ['StorageLandingBucket', 'StorageLakeBucket', 'StorageAccessLogsBucket'].map((name) => bucket(t, name).DeletionPolicy);

    test('buckets and keys are retained by default', () => {
      expect(policies(template)).toEqual(['Retain', 'Retain', 'Retain']);
      template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    });

    test.each([
      ['the prop alone', { destroyOnRemove: true }, {}],
      ['the context flag alone', {}, { destroyOnRemove: true }],
    ])('%s does not delete data', (_, props, context) => {
      expect(policies(storageTemplate(props, context))).toEqual(['Retain', 'Retain', 'Retain']);
    });

    test('the prop and the context flag together delete the buckets (emptied first) and the messaging key', () => {
      const destroyed = storageTemplate({ destroyOnRemove: true }, { destroyOnRemove: 'true' });
      expect(policies(destroyed)).toEqual(['Delete', 'Delete', 'Delete']);
      destroyed.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
      destroyed.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('^meterlake messages') }), DeletionPolicy: 'Delete' });
    });

    test('the audit bucket and the data key that encrypts it are retained even when both say destroy', () => {
      const destroyed = storageTemplate({ destroyOnRemove: true }, { destroyOnRemove: true });
      expect(bucket(destroyed, 'StorageAuditBucket').DeletionPolicy).toBe('Retain');
      destroyed.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ Description: Match.stringLikeRegexp('^meterlake data') }), DeletionPolicy: 'Retain' });
    });
  });
});

test('access logs are delivered through a bucket policy scoped to each source bucket; ACLs stay disabled', () => {
  const template = storageTemplate();
  const logs = bucket(template, 'StorageAccessLogsBucket');

  expect(logs.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  expect(logs.Properties.AccessControl).toBeUndefined();
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: { Ref: logs.id },
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket(template, 'StorageLakeBucket').id, 'Arn'] } } }) })]) },
  });
});
