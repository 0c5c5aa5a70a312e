import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf, type StateMachineDefinition, stateMachineDefinition, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
let definition: StateMachineDefinition;
const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);

beforeAll(() => {
  app = testApp();
  template = app.template;
  definition = stateMachineDefinition(template, logicalId(app.stack.settlement.stateMachine));
});
afterAll(() => app.cleanup());

/** Statements of the settle function's role policies. */
function settleStatements(): { Action: string | string[]; Resource: unknown }[] {
  const roleRef = (app.stack.settlement.settleFunction.role!.node.defaultChild as IConstruct);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(roleRef) }] } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
}
const actionsOn = (bucket: IConstruct) => settleStatements()
  .filter((s) => JSON.stringify(s.Resource).includes(logicalId(bucket)))
  .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('Settlement: the monthly run', () => {
  test('one task settles with the execution input as its request, then succeeds', () => {
    expect(definition.StartAt).toBe('SettleMonth');
    expect(definition.States.SettleMonth.Parameters).toEqual({ 'request.$': '$', 'executionId.$': '$$.Execution.Id' });
    expect(definition.States[definition.States.SettleMonth.Next!].Type).toBe('Succeed');
  });

  test('retries Lambda throttling and commit conflicts; anything else ends in the Fail state', () => {
    const retried = definition.States.SettleMonth.Retry!.flatMap((r) => r.ErrorEquals);

    expect(retried).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'CommitConflictError']));
    expect(definition.States.SettleMonth.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'SettlementFailed' })]);
  });

  test('EventBridge Scheduler starts it on the 2nd of each month in Europe/London with no month (the previous one)', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 2 * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      Target: Match.objectLike({ Arn: { Ref: logicalId(app.stack.settlement.stateMachine) }, Input: '{}' }),
    });
  });

  test('the function knows the audit bucket and the deployed source revision', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Monthly settlement'),
      Environment: { Variables: Match.objectLike({
        METERLAKE_AUDIT_BUCKET: { Ref: logicalId(app.stack.storage.auditBucket) },
        METERLAKE_SOURCE_REVISION: Match.stringLikeRegexp('^([0-9a-f]{40}(-dirty)?|unknown .*)$'),
      }) },
    });
  });

  test('writes and reads the audit bucket but may not delete from it', () => {
    const actions = actionsOn(app.stack.storage.auditBucket);

    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject']));
    expect(actions).not.toContain('s3:DeleteObject');
  });

  test('a failed settlement raises an alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(app.stack.settlement.stateMachine) } }],
    });
  });

  test('the stack names the state machine an operator starts by hand', () => {
    expect(template.findOutputs('SettlementStateMachineArn').SettlementStateMachineArn.Value).toEqual({ Ref: logicalId(app.stack.settlement.stateMachine) });
  });
});
