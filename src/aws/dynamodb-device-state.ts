/**
 * The device-state port on DynamoDB: one item per device (`device#<id>`) and per topic-partition
 * (`partition#<topic>-<partition>`), every write a PutItem conditioned on the version read, so two
 * invocations can never both advance a device from the same state. Reads are strongly consistent.
 */
import {
  BatchGetItemCommand, type BatchGetItemCommandOutput, ConditionalCheckFailedException, GetItemCommand, PutItemCommand,
  type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DeviceState, DeviceStateChange, DeviceStateStore, PartitionProgress } from '../pipeline/stream/device-state';

/** The key attribute of the table (the CDK construct creates it with this name). */
export const DEVICE_STATE_KEY = 'pk';
const BATCH_GET_LIMIT = 100;
const WRITE_CONCURRENCY = 16;

type Item = Record<string, AttributeValue>;
const deviceKey = (id: number) => `device#${id}`;
const partitionKey = (topicPartition: string) => `partition#${topicPartition}`;
// Numbers travel as decimal strings: a double's shortest round-trip text is exact in DynamoDB's 38 digits.
const num = (v: number): AttributeValue => ({ N: String(v) });

function stateOf(item: Item): DeviceState {
  return {
    deviceId: Number(item.device_id.N), deviceName: item.device_name.S!, timeMs: Number(item.time_ms.N),
    cumulativeEnergy: Number(item.cumulative_energy.N), version: Number(item.version.N),
  };
}

/** Conditional put: true when written, false when the condition failed (another writer was first). */
async function putIf(client: DynamoDBClient, tableName: string, item: Item, expectedVersion: number | undefined): Promise<boolean> {
  try {
    await client.send(new PutItemCommand({
      TableName: tableName, Item: item,
      ...(expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': DEVICE_STATE_KEY } }
        : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': num(expectedVersion) } }),
    }));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

export class DynamoDbDeviceStateStore implements DeviceStateStore {
  constructor(private readonly client: DynamoDBClient, private readonly tableName: string) {}

  async loadDevices(deviceIds: readonly number[]): Promise<Map<number, DeviceState>> {
    const states = new Map<number, DeviceState>();
    for (let start = 0; start < deviceIds.length; start += BATCH_GET_LIMIT) {
      let keys: Item[] | undefined = deviceIds.slice(start, start + BATCH_GET_LIMIT).map((id) => ({ [DEVICE_STATE_KEY]: { S: deviceKey(id) } }));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const out: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const state = stateOf(item);
          states.set(state.deviceId, state);
        }
        // Throttled keys come back unprocessed: read them again, never skip them.
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return states;
  }

  async saveDevices(changes: readonly DeviceStateChange[]): Promise<Set<number>> {
    const lost = new Set<number>();
    for (let start = 0; start < changes.length; start += WRITE_CONCURRENCY) {
      await Promise.all(changes.slice(start, start + WRITE_CONCURRENCY).map(async ({ next, expectedVersion }) => {
        const item: Item = {
          [DEVICE_STATE_KEY]: { S: deviceKey(next.deviceId) }, device_id: num(next.deviceId), device_name: { S: next.deviceName },
          time_ms: num(next.timeMs), cumulative_energy: num(next.cumulativeEnergy), version: num(next.version),
        };
        if (!(await putIf(this.client, this.tableName, item, expectedVersion))) lost.add(next.deviceId);
      }));
    }
    return lost;
  }

  async loadProgress(topicPartition: string): Promise<PartitionProgress | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [DEVICE_STATE_KEY]: { S: partitionKey(topicPartition) } }, ConsistentRead: true }));
    const item = out.Item;
    if (!item) return undefined;
    return {
      through: Number(item.through.N), version: Number(item.version.N),
      ...(item.pending_batch_id ? { pending: { first: Number(item.pending_first.N), last: Number(item.pending_last.N), batchId: item.pending_batch_id.S! } } : {}),
    };
  }

  async saveProgress(topicPartition: string, next: PartitionProgress, expectedVersion: number | undefined): Promise<boolean> {
    const item: Item = {
      [DEVICE_STATE_KEY]: { S: partitionKey(topicPartition) }, through: num(next.through), version: num(next.version),
      ...(next.pending ? { pending_first: num(next.pending.first), pending_last: num(next.pending.last), pending_batch_id: { S: next.pending.batchId } } : {}),
    };
    return putIf(this.client, this.tableName, item, expectedVersion);
  }
}
