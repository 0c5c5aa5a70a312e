import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);
const topicAction = () => [{ Ref: logicalId(app.stack.monitoring.topic) }];

beforeAll(() => {
  app = testApp({ alertEmail: 'ops@example.com' });
  template = app.template;
});
afterAll(() => app.cleanup());

describe('Monitoring', () => {
  test('the alarm topic is encrypted with the messaging key and refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(app.stack.storage.messagingKey), 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('alertEmail subscribes the address', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test.each(['ingestDeadLetterQueue', 'commitDeadLetterQueue'] as const)('one message in the %s raises an alarm', (name) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(app.stack.ingest[name]), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: topicAction(),
    });
  });

  test('every function has an Errors alarm', () => {
    expect(app.stack.runtime.functions).toHaveLength(10);
    for (const fn of app.stack.runtime.functions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        Threshold: 0,
        AlarmActions: topicAction(),
      });
    }
  });

  test('a failed daily run raises an alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(app.stack.jobs.dailyStateMachine) } }],
      AlarmActions: topicAction(),
    });
  });

  test('data older than 26 h, or no report for 30 h, raises the freshness alarm (missing data is breaching)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'meterlake',
      MetricName: 'NewestSnapshotAgeHours',
      Dimensions: [{ Name: 'service', Value: 'meterlake' }],
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 30,
      Threshold: 26,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: topicAction(),
    });
  });
});
