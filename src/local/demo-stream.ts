import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { SENSOR_STREAM_FILE, writeSensorStream, type SensorStream } from '../demo/sensor-stream';

/** Demo sensors: a handful of devices over the last days of the demo (or fewer days), 5-minute readings. */
const DEMO_DEVICES = 12;
const DEMO_STREAM_DAYS = 3;
const DEMO_STREAM_START = Date.UTC(2026, 10, 1);

/** Write the demo sensor stream of a lake (deterministic per seed). */
export function demoSensorStream(lakeDir: string, opts: { days?: number; seed?: number }): Promise<SensorStream & { file: string }> {
  return writeSensorStream(lakeDir, {
    devices: DEMO_DEVICES, days: Math.min(opts.days ?? DEMO_STREAM_DAYS, DEMO_STREAM_DAYS), seed: opts.seed ?? 42, startMs: DEMO_STREAM_START,
  });
}

/** The lake's demo stream file, written first if the lake has none (a lake generated before streams existed). */
export async function ensureDemoSensorStream(lakeDir: string, opts: { days?: number; seed?: number }): Promise<string> {
  const file = path.join(lakeDir, SENSOR_STREAM_FILE);
  if (!existsSync(file)) await demoSensorStream(lakeDir, opts);
  return file;
}
