import { type CfnElement, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { MeterlakeStack } from './meterlake-stack';

/**
 * Every cdk-nag (AwsSolutions) finding the stack accepts, in one place, each acknowledged on the
 * narrowest construct that causes it and with the reason a reviewer accepts. Everything else
 * AwsSolutionsChecks reports fails the synthesis.
 */
export function acknowledgeStackFindings(stack: MeterlakeStack): void {
  const arn = (element: IConstruct) => `<${stack.getLogicalId(element.node.defaultChild as CfnElement)}.Arn>`;
  const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

  // Object keys in the buckets are chosen at run time (Iceberg data and metadata files named by UUID,
  // staged requests by batch id), so object actions name the bucket's objects. The actions are only
  // the ones S3Store calls (lib/grants.ts), and each function gets only the buckets it uses.
  for (const bucket of [stack.storage.lakeBucket, stack.storage.landingBucket, stack.analytics.resultsBucket, stack.storage.auditBucket]) {
    ack(stack, `AwsSolutions-IAM5[Resource::${arn(bucket)}/*]`, `Object keys in ${bucket.node.path} are generated at run time; the grant is limited to the S3Store actions on this bucket.`);
  }
  // The pipeline's tables are created in the one database at deploy time and by name at run time.
  // cdk-nag renders a pseudo parameter as <AWS::Region>; a stack with a concrete environment has the value.
  const pseudo = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
  const tables = `arn:<AWS::Partition>:glue:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:table/${stack.catalog.databaseName}/*`;
  ack(stack, `AwsSolutions-IAM5[Resource::${tables}]`,
    `Glue table actions are limited to the tables of the ${stack.catalog.databaseName} database, whose tables the pipeline creates and commits by name.`);

  for (const fn of stack.runtime.functions) {
    ack(fn.role!, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.');
    ack(fn, 'AwsSolutions-L1', 'nodejs22.x is pinned on purpose: the bundles target it and the DuckDB binding is checked against it; moving runtime is a tested upgrade, not a lint fix.');
  }

  // The daily run's role invokes its four functions; Step Functions' LambdaInvoke grants the function and its versions (`:*`).
  const daily = stack.jobs.dailyStateMachine;
  for (const fn of [stack.jobs.planFunction, stack.jobs.mergeDayFunction, stack.jobs.commitFunction, stack.jobs.hooksFunction]) {
    ack(daily.role, `AwsSolutions-IAM5[Resource::${arn(fn)}:*]`, `The daily run invokes ${fn.node.id} (any version); the grant names that one function.`);
  }
  ack(daily.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing and CloudWatch Logs delivery for the state machine: those actions support no resource-level permissions.');

  // The monthly settlement's role invokes its one function.
  const settlement = stack.settlement.stateMachine;
  ack(settlement.role, `AwsSolutions-IAM5[Resource::${arn(stack.settlement.settleFunction)}:*]`, 'The monthly settlement invokes the settle function (any version); the grant names that one function.');
  ack(settlement.role, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing and CloudWatch Logs delivery for the state machine: those actions support no resource-level permissions.');

  // CDK-provided functions: the custom resource framework, the S3 notification and auto-delete handlers.
  for (const [provider, onEvent] of [[stack.catalog.tablesProvider, stack.catalog.tablesFunction], [stack.analytics.viewsProvider, stack.analytics.viewsFunction]] as const) {
    ack(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'The CDK custom resource framework function writes its own logs with the basic execution role; it holds no data permissions.');
    ack(provider, `AwsSolutions-IAM5[Resource::${arn(onEvent)}:*]`, `The custom resource framework invokes ${onEvent.node.id} (any version); the grant names that one function.`);
    ack(provider, 'AwsSolutions-L1', 'The custom resource framework function and its runtime are chosen by aws-cdk-lib and move with it.');
  }
  if (stack.streaming) {
    const { streamFunction, onFailureQueue } = stack.streaming;
    ack(streamFunction.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
      'Added by the MSK event source mapping: the poller describes the cluster, reads its brokers and manages the ENIs in the cluster\'s VPC; those EC2 network-interface actions support no resource-level permissions.');
    for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      ack(streamFunction.role!, `AwsSolutions-IAM5[Action::${action}]`, 'The MSK event source writes failure records to the KMS-encrypted on-failure queue; CDK grants the queue key\'s data-key actions with these wildcards, on that one key.');
    }
    ack(onFailureQueue, 'AwsSolutions-SQS3', 'This queue is itself the MSK event source\'s on-failure destination (a dead-letter queue for batches); a DLQ of a DLQ would hide nothing more.');
  }
  for (const child of stack.node.children) {
    const id = child.node.id;
    if (id.startsWith('BucketNotificationsHandler')) {
      ack(child, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'CDK\'s handler that configures the landing bucket\'s notification at deploy time; it runs only then and logs with the basic execution role.');
      ack(child, 'AwsSolutions-IAM5[Resource::*]', 'CDK\'s bucket-notification handler: s3:PutBucketNotification is granted as CDK generates it, used only at deploy time.');
    }
    if (id.startsWith('SchedulerRoleForTarget')) {
      ack(child, `AwsSolutions-IAM5[Resource::${arn(stack.jobs.maintenanceFunction)}:*]`, 'EventBridge Scheduler invokes the maintenance function (any version); the grant names that one function.');
    }
    if (id === 'Custom::S3AutoDeleteObjectsCustomResourceProvider') {
      ack(child, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'Present only with destroyOnRemove: CDK\'s handler that empties the buckets on stack deletion.');
      ack(child, 'AwsSolutions-L1', 'Present only with destroyOnRemove: CDK\'s auto-delete handler, whose runtime aws-cdk-lib chooses.');
    }
  }
}
