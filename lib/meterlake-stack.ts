import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MeterlakeConfig } from './app-config';
import { Analytics } from './constructs/analytics';
import { Catalog } from './constructs/catalog';
import { Ingest } from './constructs/ingest';
import { Jobs } from './constructs/jobs';
import { LambdaRuntime } from './constructs/lambda-runtime';
import { Monitoring } from './constructs/monitoring';
import { Settlement } from './constructs/settlement';
import { Storage } from './constructs/storage';
import { Streaming } from './constructs/streaming';
import { acknowledgeStackFindings } from './nag-acknowledgements';
import { sourceRevision } from '../src/local/source-revision';

/** Props of the whole deployment. */
export interface MeterlakeStackProps extends StackProps {
  /** The validated context (lib/app-config.ts). */
  readonly config: MeterlakeConfig;
  /**
   * The folder of the built DuckDB layers (tests point it elsewhere only to test its absence).
   * @default - build/lambda-layer in the repository
   */
  readonly layerBuildDir?: string;
}

/**
 * meterlake in one stack: storage → catalog → ingest (landing → commit) → daily and maintenance
 * jobs → analytics (Athena) → monitoring. Each concern is one construct; every resource an
 * operator or another construct needs is a public field.
 */
export class MeterlakeStack extends Stack {
  public readonly storage: Storage;
  /** The function factory and DuckDB layer: the seam new functions (streaming) are built with. */
  public readonly runtime: LambdaRuntime;
  public readonly catalog: Catalog;
  public readonly ingest: Ingest;
  /** The MSK sensor stream; undefined when the `msk` context is not set. */
  public readonly streaming?: Streaming;
  public readonly jobs: Jobs;
  public readonly analytics: Analytics;
  public readonly settlement: Settlement;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: MeterlakeStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.storage = new Storage(this, 'Storage', {
      destroyOnRemove: config.destroyOnRemove,
      historyColdAfterDays: config.historyColdAfterDays,
      landingNoncurrentVersionDays: config.landingNoncurrentVersionDays,
      auditLockMode: config.auditLockMode,
      auditRetentionDays: config.auditRetentionDays,
    });
    const { key, messagingKey, lakeBucket, landingBucket, accessLogsBucket } = this.storage;
    const removalPolicy = this.storage.removalPolicy;

    this.runtime = new LambdaRuntime(this, 'Runtime', {
      architecture: config.architecture,
      defaultMemoryMb: config.functionMemoryMb,
      removalPolicy,
      layerBuildDir: props.layerBuildDir,
    });
    const runtime = this.runtime;

    this.catalog = new Catalog(this, 'Catalog', { runtime, lakeBucket, key, removalPolicy });
    const { databaseName } = this.catalog;

    this.ingest = new Ingest(this, 'Ingest', {
      runtime,
      landingBucket,
      lakeBucket,
      key,
      messagingKey,
      databaseName,
      ingestMemoryMb: config.ingestMemoryMb,
      ingestEphemeralStorageMb: config.ingestEphemeralStorageMb,
      commitMemoryMb: config.functionMemoryMb,
    });

    if (config.msk) {
      this.streaming = new Streaming(this, 'Streaming', {
        runtime, lakeBucket, key, messagingKey, databaseName, commitQueue: this.ingest.commitQueue, msk: config.msk, removalPolicy,
      });
    }

    this.jobs = new Jobs(this, 'Jobs', {
      runtime,
      lakeBucket,
      key,
      databaseName,
      dailySchedule: config.dailySchedule,
      maintenanceSchedule: config.maintenanceSchedule,
      mapMaxConcurrency: config.mapMaxConcurrency,
      jobMemoryMb: config.jobMemoryMb,
      mergeMemoryMb: config.mergeMemoryMb,
      mergeEphemeralStorageMb: config.mergeEphemeralStorageMb,
      removalPolicy,
    });

    this.analytics = new Analytics(this, 'Analytics', {
      runtime,
      lakeBucket,
      key,
      accessLogsBucket,
      databaseName,
      tables: this.catalog.tables,
      bytesScannedCutoffPerQuery: config.athenaBytesScannedCutoff,
      removalPolicy,
    });

    this.settlement = new Settlement(this, 'Settlement', {
      runtime, lakeBucket, auditBucket: this.storage.auditBucket, key, databaseName, sourceRevision: sourceRevision(), removalPolicy,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      key: messagingKey,
      alertEmail: config.alertEmail,
      functions: runtime.functions,
      deadLetterQueues: [this.ingest.ingestDeadLetterQueue, this.ingest.commitDeadLetterQueue, ...(this.streaming ? [this.streaming.onFailureQueue] : [])],
      stateMachines: [this.jobs.dailyStateMachine, this.settlement.stateMachine],
    });

    this.addOperatorOutputs();
    acknowledgeStackFindings(this);
  }

  /** What an operator types into the CLI after a deploy (README "Deploy to AWS", "Operate"). */
  private addOperatorOutputs(): void {
    const outputs: Record<string, [string, string]> = {
      LandingBucketName: [this.storage.landingBucket.bucketName, 'Drop files under landing/<source>/<kind>/ here'],
      LakeBucketName: [this.storage.lakeBucket.bucketName, 'The Iceberg warehouse (warehouse/), quarantine/ and staging/'],
      AuditBucketName: [this.storage.auditBucket.bucketName, 'Settlement reports and manifests, under Object Lock'],
      GlueDatabaseName: [this.catalog.databaseName, 'The tables as Athena sees them'],
      AthenaWorkGroupName: [this.analytics.workGroupName, 'Run analysts\' queries in this workgroup'],
      IngestDeadLetterQueueArn: [this.ingest.ingestDeadLetterQueue.queueArn, 'Landing events that failed 5 times: replay with aws sqs start-message-move-task'],
      CommitDeadLetterQueueArn: [this.ingest.commitDeadLetterQueue.queueArn, 'Commit requests that failed 5 times: replay with aws sqs start-message-move-task'],
      DailyStateMachineArn: [this.jobs.dailyStateMachine.stateMachineArn, 'The daily run: start it by hand with {"runDate":"YYYY-MM-DD"}'],
      SettlementStateMachineArn: [this.settlement.stateMachine.stateMachineArn, 'The monthly settlement: start it by hand with {"month":"YYYY-MM"}'],
      AlarmTopicArn: [this.monitoring.topic.topicArn, 'Alarms are published here'],
    };
    for (const [id, [value, description]] of Object.entries(outputs)) new CfnOutput(this, id, { value, description });
  }
}
