/**
 * The demo sensor stream: Kafka message values, one JSON per line, as `meterlake stream` reads
 * them. Several devices read their counters every 5 minutes; each message carries the readings of
 * a few devices at a few times. On purpose, like a real fleet: some messages arrive late (moved
 * later in the stream), some are sent twice, one device's counter resets, and a few messages are
 * malformed. Deterministic per seed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Rng } from './prng';

export interface SensorStreamOptions {
  devices: number;
  days: number;
  seed: number;
  /** First reading's time (epoch ms, UTC). */
  startMs: number;
}

export interface SensorStream {
  lines: string[];
  readings: number;
  late: number;
  duplicated: number;
  resets: number;
  bad: number;
}

const FIVE_MINUTES = 300_000;
const READINGS_PER_MESSAGE = 3;

/** The stream's message values, in the order they are sent. */
export function generateSensorStream(options: SensorStreamOptions): SensorStream {
  const rng = new Rng(options.seed);
  const steps = options.days * 288;
  const counters = Array.from({ length: options.devices }, (_, d) => 1000 + d * 250 + rng.next() * 100);
  const resetAt = Math.floor(steps / 2);
  const messages: string[] = [];
  let resets = 0;
  let readings = 0;
  for (let step = 0; step < steps; step++) {
    const time = new Date(options.startMs + step * FIVE_MINUTES).toISOString();
    const batch = [];
    for (let d = 0; d < options.devices; d++) {
      // A household-like load: more in the evening, never negative.
      const hour = (step / 12) % 24;
      counters[d] += (0.02 + 0.08 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI)) + rng.next() * 0.03);
      if (d === 0 && step === resetAt) {
        counters[d] = rng.next() * 0.05;
        resets++;
      }
      batch.push({ device_id: 1001 + d, device_name: `Sensor ${1001 + d}`, time, cumulative_energy: Math.round(counters[d] * 1000) / 1000 });
      readings++;
    }
    for (let i = 0; i < batch.length; i += READINGS_PER_MESSAGE) messages.push(JSON.stringify({ measurements: batch.slice(i, i + READINGS_PER_MESSAGE) }));
  }
  // Late: a message moved 1–6 hours later in the stream. Duplicated: a message sent again.
  let late = 0;
  let duplicated = 0;
  const sent: string[] = [];
  const delayed = new Map<number, string[]>();
  messages.forEach((message, i) => {
    for (const held of delayed.get(i) ?? []) sent.push(held);
    const roll = rng.next();
    if (roll < 0.01) {
      const due = i + 12 + Math.floor(rng.next() * 60);
      delayed.set(due, [...(delayed.get(due) ?? []), message]);
      late++;
      return;
    }
    sent.push(message);
    if (roll < 0.02) {
      sent.push(message);
      duplicated++;
    }
  });
  for (const [, held] of [...delayed].filter(([due]) => due >= messages.length)) sent.push(...held);
  const bad = ['{"measurements":[', '{"measurements":[{"device_id":"1001","device_name":"Sensor 1001","time":"2026-01-01T00:00:00Z","cumulative_energy":1}]}', '{"readings":[]}'];
  for (const [k, line] of bad.entries()) sent.splice(Math.floor(((k + 1) * sent.length) / (bad.length + 1)), 0, line);
  return { lines: sent, readings, late, duplicated, resets, bad: bad.length };
}

/** Where `meterlake generate` writes the demo stream in a lake folder. */
export const SENSOR_STREAM_FILE = path.join('streams', 'sensors.jsonl');

/** Write the demo stream to `<lakeDir>/streams/sensors.jsonl`. */
export async function writeSensorStream(lakeDir: string, options: SensorStreamOptions): Promise<SensorStream & { file: string }> {
  const stream = generateSensorStream(options);
  const file = path.join(lakeDir, SENSOR_STREAM_FILE);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${stream.lines.join('\n')}\n`);
  return { ...stream, file };
}
