import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateSensorStream } from '../../../src/demo/sensor-stream';
import { streamLines } from '../../../src/local/commands/stream';
import { openLocalLake, type LocalLake } from '../../../src/local/local-lake';
import { queryLake } from '../../../src/local/query-lake';
import { repairDeviceEnergy } from '../../../src/pipeline/stream/repair';
import { referenceDeltas, type ReferenceMeasurement } from '../../helpers/reference-deltas';

async function* linesOf(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

describe('meterlake stream over the demo sensor stream', () => {
  let lake: LocalLake;
  const stream = generateSensorStream({ devices: 4, days: 2, seed: 7, startMs: Date.UTC(2026, 10, 1) });
  const options = { topic: 'sensors', partition: 0, batchSize: 400 };
  /** The well-formed measurements sent (duplicated messages twice). */
  const sent: ReferenceMeasurement[] = stream.lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as { measurements?: ReferenceMeasurement[] };
      return Array.isArray(parsed.measurements) && parsed.measurements.every((m) => typeof m.device_id === 'number') ? parsed.measurements : [];
    } catch {
      return [];
    }
  });
  beforeAll(async () => {
    lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-stream-cmd-')));
  });
  afterAll(async () => {
    lake.close();
    await rm(lake.dir, { recursive: true, force: true });
  });

  test('every message is read: measurements kept, malformed ones rejected with their reasons', async () => {
    const result = await streamLines(lake, linesOf(stream.lines), options);

    expect(result).toMatchObject({ messages: stream.lines.length, rejected: stream.bad, failures: [] });
    expect(result.measurements).toBe(sent.length);
  });

  test('streaming the same file again is a redelivery: nothing is written twice', async () => {
    const result = await streamLines(lake, linesOf(stream.lines), options);

    expect(result).toMatchObject({ measurements: 0, rejected: 0, skipped: stream.lines.length });
    const [{ n }] = await queryLake(lake, 'SELECT count(*) AS n FROM device_measurements');
    expect(n).toBe(BigInt(sent.length));
  });

  test('after the repair, device_energy equals the reference over the messages sent, and the hourly view sums it', async () => {
    await repairDeviceEnergy(lake, { inFlightAttempts: 1 });
    const rows = await queryLake(lake, 'SELECT device_id, device_name, epoch_ms(time) AS time_ms, duration, delta_energy FROM device_energy ORDER BY device_id, time');
    expect(rows).toEqual(referenceDeltas(sent).map((r) => ({ ...r, time_ms: BigInt(r.time_ms) })));
    const [hourly] = await queryLake(lake, 'SELECT round(sum(energy), 3) AS e FROM device_energy_hourly');
    const [total] = await queryLake(lake, 'SELECT round(sum(CAST(delta_energy AS DECIMAL(18, 6))), 3) AS e FROM device_energy');
    expect(hourly.e).toEqual(Number(total.e));
  });
});
