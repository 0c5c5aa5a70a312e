import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ScheduleConfig } from '../app-config';
import type { LambdaRuntime } from './lambda-runtime';

/** Props of the scheduled jobs: the daily snapshot run and the weekly maintenance (Jobs). */
export interface JobsProps {
  readonly runtime: LambdaRuntime;
  readonly lakeBucket: Bucket;
  readonly key: Key;
  readonly databaseName: string;
  /**
   * When the daily run starts.
   * @default cron(30 2 * * ? *) in Europe/London
   */
  readonly dailySchedule?: ScheduleConfig;
  /**
   * When table maintenance (snapshot expiry, orphan files, manifest merge) runs.
   * @default cron(0 4 ? * SUN *) in Europe/London
   */
  readonly maintenanceSchedule?: ScheduleConfig;
  /**
   * Day partitions merged at once (one Lambda each).
   * @default 8
   */
  readonly mapMaxConcurrency?: number;
  /**
   * Memory of the per-day merge function.
   * @default 10240
   */
  readonly mergeMemoryMb?: number;
  /**
   * /tmp of the per-day merge function: the day's files and DuckDB's spill space.
   * @default 10240
   */
  readonly mergeEphemeralStorageMb?: number;
  /**
   * Memory of plan, commit, hooks and maintenance.
   * @default 4096
   */
  readonly jobMemoryMb?: number;
  /**
   * What happens to the state machine's log group on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}
