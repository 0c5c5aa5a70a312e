import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { DefinitionBody, Fail, LogLevel, StateMachine, Succeed, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV } from '../../src/aws/environment-variables';
import type { ScheduleConfig } from '../app-config';
import { definedOnly } from '../defined-only';
import { grantGlueTables, grantObjectAccess } from '../grants';
import { COMMIT_RETRY_ERRORS, LAMBDA_TRANSIENT_ERRORS } from './jobs';
import type { SettlementProps } from './settlement-props';

const DEFAULTS = {
  schedule: { cron: 'cron(0 6 2 * ? *)', timeZone: 'Europe/London' } as ScheduleConfig,
  memoryMb: 4096,
  removalPolicy: RemovalPolicy.RETAIN,
};

/**
 * The monthly settlement: EventBridge Scheduler starts a state machine whose one task settles the
 * previous month (or the month of the execution input {"month": "YYYY-MM", "asOf": "daily-…"}) —
 * pinning and tagging every input, writing reports and manifest to the Object-Lock audit bucket.
 * Retries Lambda's transient errors and commit conflicts (a tag raced a daily run); any other
 * failure ends in a Fail state, which the monitoring alarms on.
 */
export class Settlement extends Construct {
  public readonly settleFunction: NodejsFunction;
  public readonly stateMachine: StateMachine;
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: SettlementProps) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    this.settleFunction = props.runtime.createFunction(this, {
      name: 'settle',
      description: 'Monthly settlement: pinned snapshots → reports and manifest in the audit bucket',
      environment: {
        [ENV.lakeBucket]: props.lakeBucket.bucketName,
        [ENV.glueDatabase]: props.databaseName,
        [ENV.auditBucket]: props.auditBucket.bucketName,
        [ENV.sourceRevision]: props.sourceRevision,
      },
      timeout: Duration.minutes(15),
      memoryMb: settings.memoryMb,
    });
    // Lake: read the tables, write tags (metadata) and the settlement_runs row. Audit: write once, read
    // back (claims, verify); never delete — Object Lock would refuse it anyway.
    grantObjectAccess(this.settleFunction, props.lakeBucket, props.key, { read: true, write: true });
    grantObjectAccess(this.settleFunction, props.auditBucket, props.key, { read: true, write: true });
    grantGlueTables(this, this.settleFunction, props.databaseName, { write: true });

    const settle = new LambdaInvoke(this, 'SettleMonth', {
      lambdaFunction: this.settleFunction,
      payload: TaskInput.fromObject({ 'request.$': '$', 'executionId.$': '$$.Execution.Id' }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.settlement',
    });
    settle.addRetry({ errors: LAMBDA_TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    settle.addRetry({ errors: COMMIT_RETRY_ERRORS, interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 4 });
    settle.addCatch(new Fail(this, 'SettlementFailed', { error: 'SettlementFailed', cause: 'The settlement failed after its retries; see the execution history' }), {
      errors: ['States.ALL'], resultPath: '$.error',
    });

    const logGroup = new LogGroup(this, 'SettlementLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: settings.removalPolicy });
    this.stateMachine = new StateMachine(this, 'MonthlySettlement', {
      comment: 'meterlake monthly settlement: pin every input, write reports and manifest to the audit bucket',
      definitionBody: DefinitionBody.fromChainable(settle.next(new Succeed(this, 'Settled'))),
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    this.schedule = new Schedule(this, 'MonthlySchedule', {
      description: 'Starts the meterlake monthly settlement of the previous month',
      schedule: ScheduleExpression.expression(settings.schedule.cron, TimeZone.of(settings.schedule.timeZone)),
      // No month: the function settles the previous month from the latest daily tag.
      target: new StepFunctionsStartExecution(this.stateMachine, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 3 }),
    });
  }
}
