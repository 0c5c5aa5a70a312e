import * as path from 'node:path';
import { commitBatches } from '../pipeline/commit';
import type { CommitRequest } from '../pipeline/ingest';
import { FileDeviceStateStore } from '../pipeline/stream/file-device-state';
import { handleMskEvent, type KafkaBatchResponse, type MskEvent } from '../pipeline/stream/msk-event';
import type { LocalLake } from './local-lake';

/** Where the local runtime keeps the per-device state (README "Sensor stream"). */
export const DEVICE_STATE_FILE = path.join('state', 'device-state.json');

/** The local device-state store of a lake. */
export function localDeviceState(lake: LocalLake): Promise<FileDeviceStateStore> {
  return FileDeviceStateStore.create(path.join(lake.dir, DEVICE_STATE_FILE));
}

/**
 * Run an MSK event through the same handling as the Lambda, locally: the state in the lake's
 * state file, and each commit request committed at once (the commit queue's single writer).
 */
export async function handleMskEventLocally(
  lake: LocalLake, event: MskEvent, onCommitted?: (request: CommitRequest) => void, onFailure?: (topicPartition: string, error: unknown) => void,
): Promise<KafkaBatchResponse> {
  const state = await localDeviceState(lake);
  return handleMskEvent({
    ports: lake, state,
    send: async (request) => {
      await commitBatches(lake, [request]);
      onCommitted?.(request);
    },
    onPartition: (key, outcome) => {
      if ('error' in outcome) onFailure?.(key, outcome.error);
    },
  }, event);
}
