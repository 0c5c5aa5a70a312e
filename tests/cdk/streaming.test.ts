import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { AppConfigError, readAppConfig } from '../../lib/app-config';
import type { Streaming } from '../../lib/constructs/streaming';
import { MSK_CONTEXT } from './msk-context';
import { logicalIdOf, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
let streaming: Streaming;
beforeAll(() => {
  app = testApp({ msk: MSK_CONTEXT });
  template = app.template;
  streaming = app.stack.streaming!;
});
afterAll(() => app.cleanup());

const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);

describe('Streaming', () => {
  test('the MSK event source reads the topic with the context\'s position, batch size and window, and reports Kafka item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: MSK_CONTEXT.clusterArn,
      FunctionName: { Ref: logicalId(streaming.streamFunction) },
      Topics: ['sensor-readings'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 2000,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(streaming.onFailureQueue), 'Arn'] } } },
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'meterlake-sensor-readings' },
    });
  });

  test('the function runs in the cluster\'s subnets with its own security group, let into the brokers on the IAM port', () => {
    const fn = template.toJSON().Resources[logicalId(streaming.streamFunction)].Properties;
    expect(fn.VpcConfig.SubnetIds).toEqual(MSK_CONTEXT.subnetIds);
    expect(fn.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [logicalId(streaming.securityGroup), 'GroupId'] }]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: MSK_CONTEXT.clusterSecurityGroupId, FromPort: 9098, ToPort: 9098, IpProtocol: 'tcp',
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(streaming.securityGroup), 'GroupId'] },
    });
  });

  test('the function reads the topic with IAM access control, its consumer group only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: 'arn:aws:kafka:eu-west-1:123456789012:group/sensors/abcd1234-ab12-cd34-ef56-abcdef123456-1/meterlake-sensor-readings',
      })]) },
    });
  });

  test('the device-state table is on demand, with point-in-time recovery and the lake\'s key, and kept on stack deletion', () => {
    const table = template.toJSON().Resources[logicalId(streaming.deviceStateTable)];
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [logicalId(app.stack.storage.key), 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  test('the function gets the environment its handler reads: lake, database, commit queue, state table', () => {
    const fn = template.toJSON().Resources[logicalId(streaming.streamFunction)].Properties;
    expect(Object.keys(fn.Environment.Variables)).toEqual(expect.arrayContaining([
      'METERLAKE_LAKE_BUCKET', 'METERLAKE_GLUE_DATABASE', 'METERLAKE_COMMIT_QUEUE_URL', 'METERLAKE_DEVICE_STATE_TABLE',
    ]));
  });
});

describe('the msk context', () => {
  test('without it the stack has no streaming part', () => {
    const plain = testApp();
    try {
      expect(plain.stack.streaming).toBeUndefined();
      plain.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    } finally {
      plain.cleanup();
    }
  });

  test('a wrong setting is refused with every problem named', () => {
    const read = () => readAppConfig((key) => (key === 'msk' ? { ...MSK_CONTEXT, clusterArn: 'arn:aws:s3:::x', batchSize: 0, partitions: 3 } : undefined));
    expect(read).toThrow(AppConfigError);
    expect(read).toThrow(/msk\.partitions: unknown setting[\s\S]*msk\.clusterArn[\s\S]*msk\.batchSize/);
  });
});
