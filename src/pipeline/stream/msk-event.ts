/**
 * The MSK (and self-managed Kafka) event a Lambda event source mapping delivers, and the
 * partial-batch response it takes back. Records are grouped by "<topic>-<partition>", values are
 * base64. A failure is reported per topic-partition with the offset of its first record not
 * handed over, as `{"itemIdentifier": {"partition": "<topic>-<partition>", "offset": n}}`
 * (Kafka's shape differs from SQS's message-id string; README "Sensor stream").
 */
import type { CommitRequest } from '../ingest';
import type { LakePorts } from '../ports';
import { processTopicPartition, type KafkaRecordInput } from './batch';
import type { DeviceStateStore } from './device-state';

export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: string;
  key?: string | null;
  value: string | null;
  headers?: unknown[];
}

export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, MskRecord[]>;
}

export interface KafkaItemFailure {
  itemIdentifier: { partition: string; offset: number };
}

export interface KafkaBatchResponse {
  batchItemFailures: KafkaItemFailure[];
}

/** The event is not a Kafka event or a record is malformed: nothing of it can be trusted. */
export class MalformedMskEventError extends Error {
  override readonly name = 'MalformedMskEventError';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The records of one topic-partition group, checked and decoded. */
export function recordsOfGroup(key: string, records: unknown): KafkaRecordInput[] {
  if (!Array.isArray(records)) throw new MalformedMskEventError(`records["${key}"] is not an array`);
  return records.map((r: Partial<MskRecord>, i) => {
    const where = `records["${key}"][${i}]`;
    if (typeof r?.topic !== 'string' || !Number.isInteger(r.partition) || !Number.isInteger(r.offset) || typeof r.timestamp !== 'number') {
      throw new MalformedMskEventError(`${where} lacks topic, partition, offset or timestamp`);
    }
    if (`${r.topic}-${r.partition}` !== key) throw new MalformedMskEventError(`${where} is ${r.topic}-${r.partition}, filed under ${key}`);
    if (r.value !== null && r.value !== undefined && (typeof r.value !== 'string' || !BASE64.test(r.value))) {
      throw new MalformedMskEventError(`${where} (offset ${r.offset}) has a value that is not base64`);
    }
    return {
      origin: { topic: r.topic, partition: r.partition!, offset: r.offset!, receivedAtMs: r.timestamp },
      value: r.value ? Buffer.from(r.value, 'base64') : null,
    };
  });
}

export interface MskHandlingDependencies {
  ports: LakePorts;
  state: DeviceStateStore;
  send: (request: CommitRequest) => Promise<void>;
  /** Told about every topic-partition outcome (logging). */
  onPartition?: (topicPartition: string, outcome: { requests: CommitRequest[]; redelivered: number } | { error: unknown; firstOffset: number }) => void;
}

/**
 * Process an MSK event, one topic-partition after another (they share the DuckDB session).
 * A topic-partition that fails is reported from its first record, so only it is retried; the
 * others' records are checkpointed. Bad measurements never fail anything: they are rejected rows.
 */
export async function handleMskEvent(deps: MskHandlingDependencies, event: MskEvent): Promise<KafkaBatchResponse> {
  if (event?.eventSource !== 'aws:kafka' && event?.eventSource !== 'SelfManagedKafka') {
    throw new MalformedMskEventError(`eventSource is ${JSON.stringify(event?.eventSource)}, expected "aws:kafka" or "SelfManagedKafka"`);
  }
  if (!event.records || typeof event.records !== 'object') throw new MalformedMskEventError('the event has no records object');
  const failures: KafkaItemFailure[] = [];
  for (const [key, group] of Object.entries(event.records)) {
    const records = recordsOfGroup(key, group);
    if (!records.length) continue;
    const firstOffset = Math.min(...records.map((r) => r.origin.offset));
    try {
      const outcome = await processTopicPartition(deps.ports, deps.state, key, records, deps.send);
      deps.onPartition?.(key, outcome);
    } catch (error) {
      deps.onPartition?.(key, { error, firstOffset });
      failures.push({ itemIdentifier: { partition: key, offset: firstOffset } });
    }
  }
  return { batchItemFailures: failures };
}
