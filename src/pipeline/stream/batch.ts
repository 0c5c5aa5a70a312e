/**
 * One topic-partition's records of an MSK batch → measurements, deltas (against the device
 * state store), events and rejections as staged data files → one commit request, handed to `send`
 * (the commit queue in AWS; the committer itself locally). Idempotent on (topic, partition,
 * offset): the partition's progress in the state store says which offsets were handed over.
 */
import { createHash } from 'node:crypto';
import type { CommitRequest } from '../ingest';
import { tableLayout } from '../lake-tables';
import type { LakePorts } from '../ports';
import { deltasForDevice, readingsPerDevice, type EnergyDelta, type StreamEvent } from './deltas';
import type { DeviceStateChange, DeviceStateStore, PartitionProgress } from './device-state';
import { writeEnergyFiles, writeEventFiles, writeMeasurementFiles, writeRejectedFiles } from './files';
import { decodeMeasurements, type KafkaOrigin, type Measurement, type RejectedMeasurement } from './measurements';
import { DEVICE_ENERGY, DEVICE_MEASUREMENTS, DEVICE_STREAM_EVENTS, REJECTED_MEASUREMENTS } from './tables';

/** A Kafka record: where it came from and its value (decoded from base64; null for a tombstone). */
export interface KafkaRecordInput {
  readonly origin: KafkaOrigin;
  readonly value: Uint8Array | null;
}

/** What a stream commit request adds to the ingest one: the stream tables' staged files. */
export interface StreamCommitPart {
  measurementFiles: CommitRequest['historyFiles'];
  energyFiles: CommitRequest['historyFiles'];
  eventFiles: CommitRequest['historyFiles'];
  rejectedFiles: CommitRequest['historyFiles'];
  deltas: number;
  events: number;
}

/** The source name stream batches carry in ingest_log. */
export const STREAM_SOURCE = 'stream';

/** The `<topic>-<partition>` key MSK events group records by. */
export const topicPartitionOf = (origin: KafkaOrigin): string => `${origin.topic}-${origin.partition}`;

/** Stable id of the records first..last of a topic-partition: a redelivery of the same records has the same id. */
export function streamBatchIdOf(topicPartition: string, first: number, last: number): string {
  return createHash('sha256').update(`kafka\n${topicPartition}\n${first}\n${last}`).digest('hex').slice(0, 32);
}

/** Another invocation is processing the same topic-partition (its progress moved under us); retried. */
export class PartitionBusyError extends Error {
  override readonly name = 'PartitionBusyError';
}

/** A redelivery that does not reach the end of the batch staged before a crash; retried until it does. */
export class PendingBatchIncompleteError extends Error {
  override readonly name = 'PendingBatchIncompleteError';
}

/**
 * Deltas of `measurements` against the state store. Per device the state is read, the deltas
 * computed and the new state written on condition that nobody wrote it meanwhile; a device whose
 * write lost is computed again from the state the winner left, so no reading gets two deltas.
 */
export async function computeDeltas(state: DeviceStateStore, measurements: readonly Measurement[]): Promise<{ deltas: EnergyDelta[]; events: StreamEvent[] }> {
  const { byDevice, duplicates } = readingsPerDevice(measurements);
  const deltas: EnergyDelta[] = [];
  const events: StreamEvent[] = [...duplicates];
  let pending = [...byDevice.keys()];
  while (pending.length) {
    const states = await state.loadDevices(pending);
    const results = pending.map((id) => ({ id, ...deltasForDevice(byDevice.get(id)!, states.get(id)) }));
    const changes: DeviceStateChange[] = results.flatMap((r) => (r.next ? [{ next: r.next, expectedVersion: states.get(r.id)?.version }] : []));
    const lost = await state.saveDevices(changes);
    for (const r of results) {
      if (lost.has(r.id)) continue;
      deltas.push(...r.deltas);
      events.push(...r.events);
    }
    pending = pending.filter((id) => lost.has(id));
  }
  return { deltas, events };
}

/** Decode, compute and stage one batch of records; returns its commit request (nothing is committed here). */
export async function stageStreamBatch(
  ports: LakePorts, state: DeviceStateStore, batchId: string, topicPartition: string, records: readonly KafkaRecordInput[],
): Promise<CommitRequest> {
  const measurements: Measurement[] = [];
  const rejects: RejectedMeasurement[] = [];
  for (const record of records) {
    const decoded = decodeMeasurements(record.value, record.origin);
    measurements.push(...decoded.measurements);
    rejects.push(...decoded.rejects);
  }
  const { deltas, events } = await computeDeltas(state, measurements);
  const stream: StreamCommitPart = {
    measurementFiles: await writeMeasurementFiles(ports, await tableLayout(ports, DEVICE_MEASUREMENTS), measurements),
    energyFiles: await writeEnergyFiles(ports, await tableLayout(ports, DEVICE_ENERGY), deltas),
    eventFiles: await writeEventFiles(ports, await tableLayout(ports, DEVICE_STREAM_EVENTS), events, batchId),
    rejectedFiles: await writeRejectedFiles(ports, await tableLayout(ports, REJECTED_MEASUREMENTS), rejects, batchId),
    deltas: deltas.length,
    events: events.length,
  };
  const offsets = records.map((r) => r.origin.offset);
  const latest = Math.max(...records.map((r) => r.origin.receivedAtMs));
  return {
    batchId, source: STREAM_SOURCE, key: `kafka/${topicPartition}/${Math.min(...offsets)}-${Math.max(...offsets)}`,
    receivedAt: new Date(latest).toISOString(), status: 'ingested',
    rowsIn: measurements.length + rejects.length, accepted: measurements.length, rejected: rejects.length,
    historyFiles: [], rejectedFiles: [], stream,
  };
}

export interface PartitionOutcome {
  /** Records already handed over by an earlier delivery (skipped). */
  redelivered: number;
  requests: CommitRequest[];
}

/**
 * Process one topic-partition's records (any order; the MSK event gives them in offset order).
 * Offsets at or below the partition's progress were handed over already and are skipped; a batch
 * staged before a crash is staged again under its own batch id (the committer keeps the first).
 */
export async function processTopicPartition(
  ports: LakePorts, state: DeviceStateStore, topicPartition: string, records: readonly KafkaRecordInput[],
  send: (request: CommitRequest) => Promise<void>,
): Promise<PartitionOutcome> {
  const sorted = [...records].sort((a, b) => a.origin.offset - b.origin.offset);
  let progress = await state.loadProgress(topicPartition);
  const fresh = sorted.filter((r) => r.origin.offset > (progress?.through ?? -1));
  const outcome: PartitionOutcome = { redelivered: sorted.length - fresh.length, requests: [] };

  const handOver = async (batchId: string, group: readonly KafkaRecordInput[], first: number, last: number) => {
    if (!progress?.pending || progress.pending.batchId !== batchId) {
      const staging: PartitionProgress = { through: progress?.through ?? -1, pending: { first, last, batchId }, version: (progress?.version ?? 0) + 1 };
      if (!(await state.saveProgress(topicPartition, staging, progress?.version))) throw new PartitionBusyError(`${topicPartition}: another invocation moved its progress; retried`);
      progress = staging;
    }
    const request = await stageStreamBatch(ports, state, batchId, topicPartition, group);
    await send(request);
    const done: PartitionProgress = { through: last, version: progress.version + 1 };
    if (!(await state.saveProgress(topicPartition, done, progress.version))) throw new PartitionBusyError(`${topicPartition}: another invocation moved its progress; retried`);
    progress = done;
    outcome.requests.push(request);
  };

  let rest = fresh;
  const pending = progress?.pending;
  if (pending && rest.length && rest[0].origin.offset <= pending.last) {
    const group = rest.filter((r) => r.origin.offset <= pending.last);
    if (group[group.length - 1].origin.offset !== pending.last) {
      throw new PendingBatchIncompleteError(`${topicPartition}: offsets ${pending.first}-${pending.last} were staged as batch ${pending.batchId} before a failure; this delivery ends at ${group[group.length - 1].origin.offset}, so it is retried until the whole batch is redelivered`);
    }
    await handOver(pending.batchId, group, pending.first, pending.last);
    rest = rest.filter((r) => r.origin.offset > pending.last);
  }
  if (rest.length) {
    const first = rest[0].origin.offset;
    const last = rest[rest.length - 1].origin.offset;
    await handOver(streamBatchIdOf(topicPartition, first, last), rest, first, last);
  }
  return outcome;
}
