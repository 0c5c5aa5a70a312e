import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduleLambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { DefinitionBody, Fail, LogLevel, Map as MapState, StateMachine, Succeed, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENV, type FunctionName } from '../../src/aws/environment-variables';
import type { ScheduleConfig } from '../app-config';
import { definedOnly } from '../defined-only';
import { grantGlueTables, grantObjectAccess } from '../grants';
import type { JobsProps } from './jobs-props';

const DEFAULTS = {
  dailySchedule: { cron: 'cron(30 2 * * ? *)', timeZone: 'Europe/London' } as ScheduleConfig,
  maintenanceSchedule: { cron: 'cron(0 4 ? * SUN *)', timeZone: 'Europe/London' } as ScheduleConfig,
  mapMaxConcurrency: 8,
  mergeMemoryMb: 10240,
  mergeEphemeralStorageMb: 10240,
  jobMemoryMb: 4096,
  removalPolicy: RemovalPolicy.RETAIN,
};
/** Lambda's own transient failures and throttling: retried with backoff. */
export const LAMBDA_TRANSIENT_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/** The pipeline's commit errors (src/iceberg/errors.ts): another writer won, or the outcome is unknown; a retry re-plans on the new base. */
export const COMMIT_RETRY_ERRORS = ['CommitConflictError', 'CommitStateUnknownError'];
/** The daily job's run reference, passed to every step after the plan. */
const RUN_REF = { 'runId.$': '$.plan.runId', 'runDate.$': '$.plan.runDate', 'tag.$': '$.plan.tag' };
/** Every step logs the execution it belongs to (a correlation key). */
const EXECUTION_ID = { 'executionId.$': '$$.Execution.Id' };

/**
 * The daily run as a Step Functions state machine — plan → Map over the affected days (one
 * merge Lambda per day) → commit → after-commit hooks — started by EventBridge Scheduler in
 * the configured time zone; retries on throttling and commit conflicts, and any other failure
 * ends the execution in a Fail state (alarmed). The weekly maintenance runs on its own schedule.
 */
export class Jobs extends Construct {
  public readonly planFunction: NodejsFunction;
  public readonly mergeDayFunction: NodejsFunction;
  public readonly commitFunction: NodejsFunction;
  public readonly hooksFunction: NodejsFunction;
  public readonly maintenanceFunction: NodejsFunction;
  public readonly dailyStateMachine: StateMachine;
  public readonly dailySchedule: Schedule;
  public readonly maintenanceSchedule: Schedule;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    const environment = { [ENV.lakeBucket]: props.lakeBucket.bucketName, [ENV.glueDatabase]: props.databaseName };
    const job = (name: FunctionName, description: string, extra: { memoryMb?: number; ephemeralStorageMb?: number } = {}) => {
      const fn = props.runtime.createFunction(this, {
        name,
        description,
        environment,
        timeout: Duration.minutes(15),
        memoryMb: settings.jobMemoryMb,
        ...extra,
      });
      grantObjectAccess(fn, props.lakeBucket, props.key, { read: true, write: true, delete: true });
      grantGlueTables(this, fn, props.databaseName, { write: true });
      return fn;
    };
    this.planFunction = job('daily-plan', 'Daily run: which day partitions changed since the last run');
    this.mergeDayFunction = job('daily-merge-day', 'Daily run: latest version per reading for one day partition, staged', {
      memoryMb: settings.mergeMemoryMb,
      ephemeralStorageMb: settings.mergeEphemeralStorageMb,
    });
    this.commitFunction = job('daily-commit', 'Daily run: one meter_readings snapshot of the staged days, tagged daily-<date>');
    this.hooksFunction = job('daily-hooks', 'Daily run: after-commit hooks (data quality, gold tables, demand forecast)');
    this.maintenanceFunction = job('maintenance', 'Weekly: snapshot expiry (tags kept), orphan files, manifest merge', { ephemeralStorageMb: 2048 });

    const failed = new Fail(this, 'DailyRunFailed', { error: 'DailyRunFailed', cause: 'A step of the daily run failed after its retries; see the execution history' });
    // The execution's input (e.g. {"runDate": …} for a manual re-run) is the plan's request.
    const plan = this.invoke('Plan', this.planFunction, TaskInput.fromObject({ ...EXECUTION_ID, 'request.$': '$' }), '$.plan');
    const mergeDays = new MapState(this, 'MergeDays', {
      itemsPath: '$.plan.days',
      itemSelector: { run: RUN_REF, 'day.$': '$$.Map.Item.Value', ...EXECUTION_ID },
      maxConcurrency: settings.mapMaxConcurrency,
      resultPath: '$.merged',
    });
    // No payload: the item selected above is the task's input as it is.
    mergeDays.itemProcessor(this.invoke('MergeDay', this.mergeDayFunction, undefined, '$'));
    const commit = this.invoke('Commit', this.commitFunction, TaskInput.fromObject({ run: RUN_REF, ...EXECUTION_ID }), '$.commit');
    const hooks = this.invoke('Hooks', this.hooksFunction, TaskInput.fromObject({ run: RUN_REF, ...EXECUTION_ID }), '$.hooks');
    for (const step of [plan, mergeDays, commit, hooks]) step.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });

    const logGroup = new LogGroup(this, 'DailyRunLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: settings.removalPolicy });
    this.dailyStateMachine = new StateMachine(this, 'DailyRun', {
      comment: 'meterlake daily snapshot: plan → merge each day → commit → hooks',
      definitionBody: DefinitionBody.fromChainable(plan.next(mergeDays).next(commit).next(hooks).next(new Succeed(this, 'Done'))),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    this.dailySchedule = new Schedule(this, 'DailySchedule', {
      description: 'Starts the meterlake daily run',
      schedule: scheduleExpression(settings.dailySchedule),
      target: new StepFunctionsStartExecution(this.dailyStateMachine, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 3 }),
    });
    this.maintenanceSchedule = new Schedule(this, 'MaintenanceSchedule', {
      description: 'Runs meterlake table maintenance',
      schedule: scheduleExpression(settings.maintenanceSchedule),
      target: new ScheduleLambdaInvoke(this.maintenanceFunction, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 2 }),
    });
  }

  /** A Lambda step whose result lands at resultPath, retried on Lambda's transient errors and on commit conflicts. */
  private invoke(id: string, fn: NodejsFunction, payload: TaskInput | undefined, resultPath: string): LambdaInvoke {
    const task = new LambdaInvoke(this, id, { lambdaFunction: fn, ...(payload ? { payload } : {}), payloadResponseOnly: true, retryOnServiceExceptions: false, resultPath });
    task.addRetry({ errors: LAMBDA_TRANSIENT_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    task.addRetry({ errors: COMMIT_RETRY_ERRORS, interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 4 });
    return task;
  }
}

function scheduleExpression(schedule: ScheduleConfig): ScheduleExpression {
  return ScheduleExpression.expression(schedule.cron, TimeZone.of(schedule.timeZone));
}
