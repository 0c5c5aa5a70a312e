import { Duration } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Port, SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEVICE_STATE_KEY } from '../../src/aws/dynamodb-device-state';
import { ENV } from '../../src/aws/environment-variables';
import { definedOnly } from '../defined-only';
import { grantGlueTables, grantObjectAccess } from '../grants';
import type { StreamingProps } from './streaming-props';

const DEFAULTS = { memoryMb: 2048, pollers: { minimum: 1, maximum: 2 }, retryAttempts: 10 };
const STREAM_TIMEOUT = Duration.minutes(5);
/** MSK's port for IAM-authenticated clients. */
const MSK_IAM_PORT = 9098;
const FAILURE_RETENTION = Duration.days(14);

/**
 * Sensor stream: MSK topic → event source mapping (IAM auth, inside the cluster's VPC) → stream
 * function (deltas against the DynamoDB device state, staged Parquet) → FIFO commit queue
 * (group device_energy) → the commit function. A batch that keeps failing is described on the
 * on-failure queue (topic, partitions, offsets) to be replayed; its records stay in Kafka.
 */
export class Streaming extends Construct {
  public readonly deviceStateTable: Table;
  public readonly streamFunction: NodejsFunction;
  public readonly securityGroup: SecurityGroup;
  /** Where the event source puts the description of a batch it gave up on. */
  public readonly onFailureQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamingProps) {
    super(scope, id);
    const settings = { ...DEFAULTS, ...definedOnly(props) };
    const { msk } = props;

    this.deviceStateTable = new Table(this, 'DeviceStateTable', {
      partitionKey: { name: DEVICE_STATE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      removalPolicy: props.removalPolicy,
    });

    const vpc = Vpc.fromVpcAttributes(this, 'ClusterVpc', { vpcId: msk.vpcId, availabilityZones: [...msk.availabilityZones], privateSubnetIds: [...msk.subnetIds] });
    const subnets = msk.subnetIds.map((subnetId, i) => Subnet.fromSubnetAttributes(this, `ClusterSubnet${i}`, { subnetId, availabilityZone: msk.availabilityZones[i] }));
    this.securityGroup = new SecurityGroup(this, 'StreamSecurityGroup', { vpc, description: 'meterlake stream function: to the MSK brokers and AWS endpoints', allowAllOutbound: true });
    if (msk.clusterSecurityGroupId) {
      SecurityGroup.fromSecurityGroupId(this, 'ClusterSecurityGroup', msk.clusterSecurityGroupId, { mutable: true })
        .addIngressRule(this.securityGroup, Port.tcp(MSK_IAM_PORT), 'meterlake stream function (IAM auth)');
    }

    this.onFailureQueue = new Queue(this, 'StreamFailureQueue', {
      encryption: QueueEncryption.KMS, encryptionMasterKey: props.messagingKey, enforceSSL: true, retentionPeriod: FAILURE_RETENTION,
    });

    this.streamFunction = props.runtime.createFunction(this, {
      name: 'stream',
      description: 'MSK sensor messages → exact deltas (DynamoDB device state) staged as Parquet → commit request on the FIFO commit queue',
      timeout: STREAM_TIMEOUT,
      memoryMb: settings.memoryMb,
      vpc: { vpc, subnets: { subnets }, securityGroups: [this.securityGroup] },
      environment: {
        [ENV.lakeBucket]: props.lakeBucket.bucketName, [ENV.glueDatabase]: props.databaseName,
        [ENV.commitQueueUrl]: props.commitQueue.queueUrl, [ENV.deviceStateTable]: this.deviceStateTable.tableName,
      },
    });
    this.streamFunction.addEventSource(new ManagedKafkaEventSource({
      clusterArn: msk.clusterArn,
      topic: msk.topic,
      startingPosition: msk.startingPosition === 'LATEST' ? StartingPosition.LATEST : StartingPosition.TRIM_HORIZON,
      batchSize: msk.batchSize,
      maxBatchingWindow: Duration.seconds(msk.maxBatchingWindowSeconds),
      consumerGroupId: `meterlake-${msk.topic}`,
      reportBatchItemFailures: true,
      retryAttempts: settings.retryAttempts,
      provisionedPollerConfig: { minimumPollers: settings.pollers.minimum, maximumPollers: settings.pollers.maximum },
      onFailure: new SqsDlq(this.onFailureQueue),
    }));
    this.grantClusterRead(msk.clusterArn, msk.topic);

    // Staged data files and oversized commit requests; no deletes (a staged file is only ever committed or left for orphan cleanup).
    grantObjectAccess(this.streamFunction, props.lakeBucket, props.key, { read: true, write: true });
    grantGlueTables(this, this.streamFunction, props.databaseName, { write: false });
    Grant.addToPrincipal({
      grantee: this.streamFunction,
      actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
      resourceArns: [this.deviceStateTable.tableArn],
    });
    Grant.addToPrincipal({ grantee: this.streamFunction, actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resourceArns: [props.key.keyArn] });
    Grant.addToPrincipal({ grantee: this.streamFunction, actions: ['sqs:SendMessage'], resourceArns: [props.commitQueue.queueArn, this.onFailureQueue.queueArn] });
    Grant.addToPrincipal({ grantee: this.streamFunction, actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resourceArns: [props.messagingKey.keyArn] });
  }

  /** IAM access control for MSK: connect, read the topic, commit the consumer group's offsets. */
  private grantClusterRead(clusterArn: string, topic: string): void {
    // arn:aws:kafka:region:account:cluster/name/uuid → …:topic/name/uuid/<topic> and …:group/name/uuid/<group>
    const [prefix, clusterPath] = clusterArn.split(':cluster/');
    this.streamFunction.addToRolePolicy(new PolicyStatement({
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
      resources: [clusterArn],
    }));
    this.streamFunction.addToRolePolicy(new PolicyStatement({
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resources: [`${prefix}:topic/${clusterPath}/${topic}`],
    }));
    this.streamFunction.addToRolePolicy(new PolicyStatement({
      actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      resources: [`${prefix}:group/${clusterPath}/meterlake-${topic}`],
    }));
  }
}
