import type { MskEvent, MskRecord } from '../../src/pipeline/stream/msk-event';

/** A Kafka message value: an object is sent as JSON, a string as is, a Buffer as its bytes, null as a tombstone. */
export type MessageValue = object | string | Buffer | null;

const bytesOf = (v: MessageValue): Buffer | null =>
  v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

/** MSK records of one topic-partition, as the event source mapping delivers them (base64 values). */
export function mskRecords(topic: string, partition: number, firstOffset: number, values: MessageValue[], timestampMs = Date.UTC(2022, 6, 11, 3)): MskRecord[] {
  return values.map((v, i) => ({
    topic, partition, offset: firstOffset + i, timestamp: timestampMs + i, timestampType: 'CREATE_TIME',
    key: null, value: bytesOf(v)?.toString('base64') ?? null, headers: [],
  }));
}

/** An MSK event (eventSource aws:kafka) holding these records, grouped by topic-partition. */
export function mskEvent(...groups: MskRecord[][]): MskEvent {
  const records: Record<string, MskRecord[]> = {};
  for (const group of groups) for (const r of group) (records[`${r.topic}-${r.partition}`] ??= []).push(r);
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/sensors/abcd1234-ab12-cd34-ef56-abcdef123456-1',
    bootstrapServers: 'b-1.sensors.abc123.c2.kafka.eu-west-1.amazonaws.com:9098',
    records,
  };
}

/** A sensor message with these readings. */
export const measurementsMessage = (...measurements: object[]) => ({ measurements });
