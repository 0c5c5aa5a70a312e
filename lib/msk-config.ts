/** The `msk` context key: where the sensor stream comes from. Absent: the stack has no streaming part. */
export interface MskConfig {
  /** arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> */
  readonly clusterArn: string;
  readonly topic: string;
  /** The VPC and private subnets of the cluster's brokers (the function runs there). */
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly availabilityZones: readonly string[];
  /** The brokers' security group: the function's group is allowed in on the IAM port (9098). @default - none; allow it by hand */
  readonly clusterSecurityGroupId?: string;
  /** @default 'TRIM_HORIZON' */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Records per invocation. @default 1000 */
  readonly batchSize: number;
  /** Seconds the event source waits to fill a batch. @default 5 */
  readonly maxBatchingWindowSeconds: number;
}

const CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[A-Za-z0-9-]+$/;
const KNOWN = ['clusterArn', 'topic', 'vpcId', 'subnetIds', 'availabilityZones', 'clusterSecurityGroupId', 'startingPosition', 'batchSize', 'maxBatchingWindowSeconds'];

/** The validated `msk` context (JSON text or object), its problems pushed to `problems`; undefined when unset. */
export function readMskConfig(value: unknown, problems: string[]): MskConfig | undefined {
  if (value === undefined || value === '') return undefined;
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      problems.push('msk: expected JSON {"clusterArn", "topic", "vpcId", "subnetIds", "availabilityZones", …}');
      return undefined;
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`msk: expected an object, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  const m = raw as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(m)) if (!KNOWN.includes(key)) problems.push(`msk.${key}: unknown setting (known: ${KNOWN.join(', ')})`);
  const text = (key: string) => (typeof m[key] === 'string' && (m[key] as string).trim() ? (m[key] as string).trim() : undefined);
  const list = (key: string) => (Array.isArray(m[key]) && (m[key] as unknown[]).length && (m[key] as unknown[]).every((v) => typeof v === 'string') ? (m[key] as string[]) : undefined);
  const clusterArn = text('clusterArn');
  if (!clusterArn || !CLUSTER_ARN.test(clusterArn)) problems.push(`msk.clusterArn: expected arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>, got ${JSON.stringify(m.clusterArn)}`);
  const topic = text('topic');
  if (!topic) problems.push(`msk.topic: expected the topic name, got ${JSON.stringify(m.topic)}`);
  const vpcId = text('vpcId');
  if (!vpcId?.startsWith('vpc-')) problems.push(`msk.vpcId: expected vpc-…, got ${JSON.stringify(m.vpcId)}`);
  const subnetIds = list('subnetIds');
  if (!subnetIds?.every((s) => s.startsWith('subnet-'))) problems.push(`msk.subnetIds: expected ["subnet-…", …], got ${JSON.stringify(m.subnetIds)}`);
  const availabilityZones = list('availabilityZones');
  if (!availabilityZones || availabilityZones.length !== subnetIds?.length) problems.push('msk.availabilityZones: expected one zone per subnet, in the same order');
  const clusterSecurityGroupId = m.clusterSecurityGroupId === undefined ? undefined : text('clusterSecurityGroupId');
  if (m.clusterSecurityGroupId !== undefined && !clusterSecurityGroupId?.startsWith('sg-')) problems.push(`msk.clusterSecurityGroupId: expected sg-…, got ${JSON.stringify(m.clusterSecurityGroupId)}`);
  const startingPosition = m.startingPosition ?? 'TRIM_HORIZON';
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') problems.push(`msk.startingPosition: expected TRIM_HORIZON or LATEST, got ${JSON.stringify(startingPosition)}`);
  const integer = (key: string, fallback: number, min: number, max: number) => {
    const v = m[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`msk.${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(m[key])}`);
    return v as number;
  };
  // Lambda's limits for Kafka event sources: batch size 1–10000, batching window 0–300 s.
  const batchSize = integer('batchSize', 1000, 1, 10000);
  const maxBatchingWindowSeconds = integer('maxBatchingWindowSeconds', 5, 0, 300);
  if (problems.length > before) return undefined;
  return {
    clusterArn: clusterArn!, topic: topic!, vpcId: vpcId!, subnetIds: subnetIds!, availabilityZones: availabilityZones!,
    ...(clusterSecurityGroupId ? { clusterSecurityGroupId } : {}),
    startingPosition: startingPosition as MskConfig['startingPosition'], batchSize, maxBatchingWindowSeconds,
  };
}
