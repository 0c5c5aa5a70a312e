import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { POWERTOOLS_SERVICE } from './lambda-runtime';
import type { MonitoringProps } from './monitoring-props';

/** The metric daily-commit emits through Powertools Metrics (EMF), with Powertools' default `service` dimension. */
export const FRESHNESS_METRIC = { namespace: POWERTOOLS_SERVICE, metricName: 'NewestSnapshotAgeHours', dimensionsMap: { service: POWERTOOLS_SERVICE } };
/**
 * The freshness alarm looks at the last 30 hours, an hour at a time: the daily run emits once a
 * day, and a missing hour counts as breaching, so the alarm fires when the newest datapoint says
 * > 26 h or when no run has reported for 30 h (the schedule stopped, or every run failed).
 */
const FRESHNESS_WINDOW_HOURS = 30;

/**
 * One alarm topic (KMS-encrypted, TLS only, optional e-mail) and the alarms an operator acts on:
 * a message in any dead-letter queue, any function error, a failed daily run, and stale data.
 */
export class Monitoring extends Construct {
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];
  public readonly freshnessAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'meterlake alarms', masterKey: props.key, enforceSSL: true });
    // CloudWatch publishes to the encrypted topic with the key.
    props.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    if (props.alertEmail) this.topic.addSubscription(new EmailSubscription(props.alertEmail));

    for (const queue of props.deadLetterQueues) {
      this.alarm(`${queue.node.id}Depth`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 0,
        description: `A message is in ${queue.node.path}: a poison object or commit request; its reason is in the function's log. Replay after fixing.`,
      });
    }
    for (const fn of props.functions) {
      this.alarm(`${fn.node.id}Errors`, {
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        description: `${fn.node.path} reported errors (see its JSON logs).`,
      });
    }
    for (const machine of props.stateMachines) {
      this.alarm(`${machine.node.id}Failed`, {
        metric: machine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 0,
        description: `An execution of ${machine.node.path} failed after its retries.`,
      });
    }
    this.freshnessAlarm = this.alarm('DataFreshness', {
      metric: new Metric({ ...FRESHNESS_METRIC, period: Duration.hours(1), statistic: 'Maximum' }),
      threshold: props.freshnessThresholdHours ?? 26,
      evaluationPeriods: FRESHNESS_WINDOW_HOURS,
      treatMissingData: TreatMissingData.BREACHING,
      description: `meter_readings is stale: the newest snapshot is older than the threshold, or no daily run reported for ${FRESHNESS_WINDOW_HOURS} h.`,
    });
  }

  private alarm(id: string, options: { metric: Metric; threshold: number; description: string; evaluationPeriods?: number; treatMissingData?: TreatMissingData }): Alarm {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
