import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../../src/local/landing';
import type { LocalLake } from '../../src/local/local-lake';

/** A reading row of the canonical CSV. */
export interface CsvReading {
  meter: string;
  start: string;
  minutes: number;
  kwh: number | string;
  quality?: string;
}

let fileNumber = 0;

/** Lands a canonical CSV of `rows` under landing/default/readings and ingests it (one commit). */
export async function ingestReadings(lake: LocalLake, rows: readonly CsvReading[], arrivalIso?: string): Promise<void> {
  const file = path.join(lake.tempDir, `readings-${++fileNumber}-${Date.now()}.csv`);
  const lines = rows.map((r) => `${r.meter},${r.start},${r.minutes},${r.kwh},${r.quality ?? 'actual'}`);
  await writeFile(file, `meter_id,interval_start,interval_minutes,kwh,quality\n${lines.join('\n')}\n`);
  const event = await landLocalFile(lake, file, 'landing/default/readings');
  await ingestAndCommit(lake, [arrivalIso ? { ...event, arrivalTime: new Date(arrivalIso) } : event], emptyTotals());
}

/** A day of quarter-hour readings of one meter: kWh = base + index/100 (exact in decimal). */
export function quarterHours(meter: string, day: string, base: number, opts: { skip?: number[]; estimated?: number[] } = {}): CsvReading[] {
  const rows: CsvReading[] = [];
  for (let i = 0; i < 96; i++) {
    if (opts.skip?.includes(i)) continue;
    const start = new Date(Date.parse(`${day}T00:00:00Z`) + i * 15 * 60_000).toISOString().replace('.000Z', 'Z');
    rows.push({ meter, start, minutes: 15, kwh: Number((base + i / 100).toFixed(2)), quality: opts.estimated?.includes(i) ? 'estimated' : 'actual' });
  }
  return rows;
}
