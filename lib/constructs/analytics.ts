import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import type { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../src/aws/environment-variables';
import { definedOnly } from '../defined-only';
import { grantGlueTables, grantObjectAccess } from '../grants';
import type { AnalyticsProps } from './analytics-props';

const DEFAULTS = { bytesScannedCutoffPerQuery: 200 * 1024 ** 3, workGroupName: 'meterlake', resultsExpirationDays: 30, removalPolicy: RemovalPolicy.RETAIN };

/** Named queries for the common questions; `?` are Athena execution parameters. */
export function namedQueries(database: string): { name: string; description: string; query: string }[] {
  const t = (table: string) => `"${database}"."${table}"`;
  return [
    {
      name: 'meter-latest-readings',
      description: 'Latest snapshot of one meter over a time range (parameters: meter id, from, to)',
      query: [
        'SELECT meter_id, interval_start, interval_minutes, kwh, quality, source, received_at, version_count',
        `FROM ${t('meter_readings')}`,
        'WHERE meter_id = ? AND interval_start >= from_iso8601_timestamp(?) AND interval_start < from_iso8601_timestamp(?)',
        'ORDER BY interval_start',
      ].join('\n'),
    },
    {
      name: 'day-data-quality',
      description: "One day's data quality per source, as the latest daily run computed it (parameter: day, YYYY-MM-DD)",
      query: [
        'SELECT source, day, meters, expected_intervals, received_intervals, missing_intervals, estimated_share, corrections, duplicate_rows, tag',
        `FROM ${t('data_quality')}`,
        'WHERE day = date(?)',
        'ORDER BY source, tag DESC',
      ].join('\n'),
    },
    {
      name: 'time-travel-to-daily-tag',
      description: 'meter_readings exactly as a daily run left it: the tag names a snapshot id in snapshot_log',
      query: [
        "-- 1. The snapshot a daily tag names: SELECT meter_readings_snapshot_id FROM " + t('snapshot_log') + " WHERE tag = 'daily-2026-01-31'",
        '-- 2. Read the table as of that snapshot (replace the id; FOR TIMESTAMP AS OF works too):',
        `SELECT meter_id, interval_start, kwh, quality FROM ${t('meter_readings')} FOR VERSION AS OF 1234567890123456789`,
        "WHERE meter_id = 'MTR-000001'",
        'ORDER BY interval_start',
      ].join('\n'),
    },
  ];
}

/**
 * The analysts' entry: an Athena workgroup (engine v3, configuration enforced, results encrypted
 * with the lake's key in their own bucket, a per-query scan limit), the views of sql/views created
 * through Athena by a custom resource (`functions/athena-views`), and named queries.
 */
export class Analytics extends Construct {
  public readonly workGroup: CfnWorkGroup;
  public readonly workGroupName: string;
  public readonly resultsBucket: Bucket;
  public readonly viewsFunction: NodejsFunction;
  public readonly viewsProvider: Provider;
  public readonly views: CustomResource;
  public readonly namedQueries: CfnNamedQuery[];
  private readonly key: IKey;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    this.workGroupName = settings.workGroupName;
    this.key = props.key;

    this.resultsBucket = new Bucket(this, 'ResultsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: settings.removalPolicy === RemovalPolicy.DESTROY,
      lifecycleRules: [{ id: 'expire-query-results', expiration: Duration.days(settings.resultsExpirationDays) }, { abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'meterlake: SQL over the lake (Iceberg tables and views in Glue)',
      state: 'ENABLED',
      // Named queries live in the workgroup: deleting the stack deletes them with it.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        bytesScannedCutoffPerQuery: settings.bytesScannedCutoffPerQuery,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });

    this.viewsFunction = props.runtime.createFunction(this, {
      name: 'athena-views',
      description: 'Custom resource: CREATE OR REPLACE VIEW for every view of sql/views, through Athena',
      timeout: Duration.minutes(10),
      memoryMb: 512,
      environment: {
        [ENV.glueDatabase]: props.databaseName,
        [ENV.athenaWorkgroup]: this.workGroupName,
      },
    });
    this.grantRunQueries(this.viewsFunction);
    // Athena creates a view as a Glue table, and reads the Iceberg metadata it checks the view against,
    // with the caller's permissions.
    grantGlueTables(this, this.viewsFunction, props.databaseName, { write: true });
    grantObjectAccess(this.viewsFunction, props.lakeBucket, props.key, { read: true });
    this.viewsProvider = props.runtime.createProvider(this, 'ViewsProvider', this.viewsFunction);
    this.views = new CustomResource(this, 'Views', {
      serviceToken: this.viewsProvider.serviceToken,
      resourceType: 'Custom::MeterlakeAthenaViews',
      properties: {
        WorkGroup: this.workGroupName,
        // sql/views is copied into the bundle's asset, so a changed view changes this key and re-runs the DDL.
        Revision: ((this.viewsFunction.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty).s3Key,
      },
    });
    this.views.node.addDependency(props.tables, this.workGroup);

    this.namedQueries = namedQueries(props.databaseName).map(
      ({ name, description, query }) =>
        new CfnNamedQuery(this, `Query-${name}`, { name, description, database: props.databaseName, workGroup: this.workGroupName, queryString: query }),
    );
    for (const query of this.namedQueries) query.addResourceDependency(this.workGroup);
  }

  /** Run queries in the workgroup and read their results (Athena, results bucket, key). */
  grantRunQueries(grantee: IGrantable): void {
    const workGroupArn = Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
    Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resourceArns: [workGroupArn],
    });
    Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [this.resultsBucket.bucketArn] });
    grantObjectAccess(grantee, this.resultsBucket, this.key, { read: true, write: true });
  }
}
