import { testApp, type TestApp } from './test-app';

/** After a deploy the operator reads names and ARNs from the stack's outputs (README "Deploy to AWS"). */
describe('stack outputs', () => {
  let built: TestApp;
  beforeAll(() => {
    built = testApp();
  });
  afterAll(() => built.cleanup());

  const outputValue = (id: string): unknown => (built.template.findOutputs(id)[id] as { Value: unknown } | undefined)?.Value;
  const ref = (construct: { node: { defaultChild?: unknown } }): string => built.stack.getLogicalId(construct.node.defaultChild as never);

  test('name the landing, lake and audit buckets', () => {
    expect(outputValue('LandingBucketName')).toEqual({ Ref: ref(built.stack.storage.landingBucket) });
    expect(outputValue('LakeBucketName')).toEqual({ Ref: ref(built.stack.storage.lakeBucket) });
    expect(outputValue('AuditBucketName')).toEqual({ Ref: ref(built.stack.storage.auditBucket) });
  });

  test('give the ARNs an operator replays from and starts the daily run with', () => {
    expect(outputValue('IngestDeadLetterQueueArn')).toEqual({ 'Fn::GetAtt': [ref(built.stack.ingest.ingestDeadLetterQueue), 'Arn'] });
    expect(outputValue('CommitDeadLetterQueueArn')).toEqual({ 'Fn::GetAtt': [ref(built.stack.ingest.commitDeadLetterQueue), 'Arn'] });
    expect(outputValue('DailyStateMachineArn')).toEqual({ Ref: ref(built.stack.jobs.dailyStateMachine) });
  });

  test('name the Glue database and the Athena workgroup analysts use', () => {
    expect(outputValue('GlueDatabaseName')).toBe('meterlake');
    expect(outputValue('AthenaWorkGroupName')).toBe('meterlake');
  });
});
