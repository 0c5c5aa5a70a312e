import { appendOnce } from '../commit';
import type { CommitRequest } from '../ingest';
import { tableFor } from '../lake-tables';
import type { LakePorts } from '../ports';
import type { StreamCommitPart } from './batch';
import { DEVICE_ENERGY, DEVICE_MEASUREMENTS, DEVICE_STREAM_EVENTS, REJECTED_MEASUREMENTS } from './tables';

/**
 * Append the stream batches' files, table by table, each batch once (by batch id, as for ingest).
 * Order matters: the ledger (device_measurements) first, then device_energy, the events and the
 * rejections; the ingest_log row comes last (commitBatches), so a logged batch is complete
 * everywhere — the daily repair relies on that to leave batches in flight alone.
 */
export async function commitStreamBatches(ports: LakePorts, requests: readonly CommitRequest[]): Promise<void> {
  const stream = requests.filter((r) => r.stream);
  if (!stream.length) return;
  const parts: [typeof DEVICE_MEASUREMENTS, (part: StreamCommitPart) => StreamCommitPart['energyFiles']][] = [
    [DEVICE_MEASUREMENTS, (p) => p.measurementFiles],
    [DEVICE_ENERGY, (p) => p.energyFiles],
    [DEVICE_STREAM_EVENTS, (p) => p.eventFiles],
    [REJECTED_MEASUREMENTS, (p) => p.rejectedFiles],
  ];
  for (const [definition, filesOf] of parts) {
    const table = await tableFor(ports, definition);
    await appendOnce(table, stream, async (todo) => todo.flatMap((r) => filesOf(r.stream!)));
  }
}
