import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf, type StateMachineDefinition, stateMachineDefinition, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
let definition: StateMachineDefinition;
const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);

beforeAll(() => {
  app = testApp({ mapMaxConcurrency: 5, dailySchedule: { cron: 'cron(15 3 * * ? *)', timeZone: 'Europe/Amsterdam' } });
  template = app.template;
  definition = stateMachineDefinition(template, logicalId(app.stack.jobs.dailyStateMachine));
});
afterAll(() => app.cleanup());

describe('Jobs: the daily run', () => {
  test('runs plan → merge each day → commit → hooks', () => {
    const order: string[] = [];
    for (let state: string | undefined = definition.StartAt; state; state = definition.States[state].Next) order.push(state);

    expect(order).toEqual(['Plan', 'MergeDays', 'Commit', 'Hooks', 'Done']);
  });

  test('maps over the planned days with the configured concurrency, one merge per day with the run reference', () => {
    const map = definition.States.MergeDays;

    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.plan.days', MaxConcurrency: 5 });
    expect(map.ItemSelector).toEqual({
      run: { 'runId.$': '$.plan.runId', 'runDate.$': '$.plan.runDate', 'tag.$': '$.plan.tag' }, 'day.$': '$$.Map.Item.Value', 'executionId.$': '$$.Execution.Id',
    });
    expect(Object.keys(map.ItemProcessor!.States)).toEqual(['MergeDay']);
  });

  test('the plan gets the execution input as its request, and the execution id', () => {
    expect(definition.States.Plan.Parameters).toEqual({ 'executionId.$': '$$.Execution.Id', 'request.$': '$' });
  });

  test('each merge takes its Map item as its whole input (no payload template)', () => {
    expect(definition.States.MergeDays.ItemProcessor!.States.MergeDay.Parameters).toBeUndefined();
  });

  test.each(['Commit', 'Hooks'])('%s gets the run reference and the execution id', (name) => {
    expect(definition.States[name].Parameters).toEqual({
      run: { 'runId.$': '$.plan.runId', 'runDate.$': '$.plan.runDate', 'tag.$': '$.plan.tag' }, 'executionId.$': '$$.Execution.Id',
    });
  });

  test.each(['Plan', 'Commit', 'Hooks'])('%s retries Lambda throttling and service errors, and commit conflicts', (name) => {
    const retries = definition.States[name].Retry!;

    expect(retries).toContainEqual(expect.objectContaining({
      ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    }));
    expect(retries).toContainEqual(expect.objectContaining({ ErrorEquals: ['CommitConflictError', 'CommitStateUnknownError'] }));
  });

  test('the per-day merge retries the same errors', () => {
    const retried = definition.States.MergeDays.ItemProcessor!.States.MergeDay.Retry!.flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'CommitConflictError']));
  });

  test.each(['Plan', 'MergeDays', 'Commit', 'Hooks'])('a failure in %s ends the execution in the Fail state', (name) => {
    expect(definition.States[name].Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DailyRunFailed' })]);
    expect(definition.States.DailyRunFailed.Type).toBe('Fail');
  });

  test('logs every execution to CloudWatch Logs and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: [Match.objectLike({ CloudWatchLogsLogGroup: Match.anyValue() })] },
    });
  });

  test('EventBridge Scheduler starts it at the configured time in the configured time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      Target: Match.objectLike({ Arn: { Ref: logicalId(app.stack.jobs.dailyStateMachine) } }),
    });
  });

  test('maintenance runs weekly by default, invoking its function', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 4 ? * SUN *)',
      ScheduleExpressionTimezone: 'Europe/London',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(app.stack.jobs.maintenanceFunction), 'Arn'] } }),
    });
  });

  test('the merge function gets the configured memory and ephemeral storage', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Description: Match.stringLikeRegexp('one day partition'),
      MemorySize: 10240,
      EphemeralStorage: { Size: 10240 },
      Timeout: 900,
    });
  });
});
