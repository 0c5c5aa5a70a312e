import type { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';

/** Props of the alarms and their topic (Monitoring). */
export interface MonitoringProps {
  /** The topic's key; CloudWatch is allowed to use it to publish. */
  readonly key: Key;
  /** Every function whose errors raise an alarm. */
  readonly functions: IFunction[];
  /** Every dead-letter queue: one message in it is one alarm. */
  readonly deadLetterQueues: IQueue[];
  /** State machines whose failed executions raise an alarm. */
  readonly stateMachines: IStateMachine[];
  /**
   * E-mail address subscribed to the alarm topic (confirmation mail on deploy).
   * @default - no subscription
   */
  readonly alertEmail?: string;
  /**
   * Age in hours of the newest meter_readings snapshot above which data is stale.
   * @default 26 - a daily run plus two hours' grace
   */
  readonly freshnessThresholdHours?: number;
}
