/** An `msk` context as an operator sets it (cdk.json or -c msk='{…}'). */
export const MSK_CONTEXT = {
  clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/sensors/abcd1234-ab12-cd34-ef56-abcdef123456-1',
  topic: 'sensor-readings',
  vpcId: 'vpc-0abc1234',
  subnetIds: ['subnet-0aaa1111', 'subnet-0bbb2222'],
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  clusterSecurityGroupId: 'sg-0ccc3333',
  startingPosition: 'TRIM_HORIZON',
  batchSize: 2000,
  maxBatchingWindowSeconds: 10,
};
