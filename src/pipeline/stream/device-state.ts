/**
 * The per-device state port: each device's latest reading (time, cumulative energy), written
 * conditionally so that two invocations never both advance a device from the same state, and the
 * per topic-partition progress that makes a redelivered batch write nothing twice.
 */

/** A device's latest reading, as far as the stream has seen. `version` grows by one per write. */
export interface DeviceState {
  readonly deviceId: number;
  readonly deviceName: string;
  readonly timeMs: number;
  readonly cumulativeEnergy: number;
  readonly version: number;
}

/** A new state, written only if the stored one still has `expectedVersion` (undefined: none stored yet). */
export interface DeviceStateChange {
  readonly next: DeviceState;
  readonly expectedVersion: number | undefined;
}

/**
 * How far a topic-partition has been handed to the commit queue: every offset up to `through`.
 * `pending` names a batch being staged (its offsets and batch id) so that a redelivery after a
 * crash re-sends the same batch id, which the committer recognises.
 */
export interface PartitionProgress {
  readonly through: number;
  readonly pending?: { readonly first: number; readonly last: number; readonly batchId: string };
  readonly version: number;
}

export interface DeviceStateStore {
  /** The stored states of these devices (absent: never seen). */
  loadDevices(deviceIds: readonly number[]): Promise<Map<number, DeviceState>>;
  /** Apply each change whose expected version still holds; returns the device ids that lost the race. */
  saveDevices(changes: readonly DeviceStateChange[]): Promise<Set<number>>;
  loadProgress(topicPartition: string): Promise<PartitionProgress | undefined>;
  /** Write progress if the stored version is still `expectedVersion`; false when another writer got there first. */
  saveProgress(topicPartition: string, next: PartitionProgress, expectedVersion: number | undefined): Promise<boolean>;
}
