import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../../src/local/landing';
import type { LocalLake } from '../../src/local/local-lake';

/** A small lake for the forecast's tests: hourly readings of a few meters, one file per day. */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** Monday 4 January 2021, 00:00 UTC (= London time in winter). */
export const FIRST_DAY_MS = Date.UTC(2021, 0, 4);
export const METERS = ['M1', 'M2', 'M3'];

/** kWh of meter `i` in the hour starting at `t`: a daily cycle, higher at weekends. */
export function kwhOf(i: number, t: number): string {
  const d = new Date(t);
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 0.15 : 0;
  return (0.2 + 0.1 * i + weekend + 0.3 * Math.sin((2 * Math.PI * d.getUTCHours()) / 24) ** 2).toFixed(3);
}

/** Land a readings CSV (default source) that arrived at `arrivalMs` and commit it. */
export async function deliver(lake: LocalLake, name: string, lines: string[], arrivalMs: number): Promise<void> {
  const file = path.join(lake.tempDir, name);
  await writeFile(file, ['meter_id,interval_start,interval_minutes,kwh,quality', ...lines].join('\n') + '\n');
  const event = await landLocalFile(lake, file, 'landing/default/readings');
  await ingestAndCommit(lake, [{ ...event, arrivalTime: new Date(arrivalMs) }], emptyTotals());
}

/** When day `d`'s file arrives: 02:00 UTC the next day. */
export const arrivalOfDay = (d: number) => FIRST_DAY_MS + (d + 1) * DAY_MS + 2 * HOUR_MS;

/** Day `d` (0 = FIRST_DAY_MS) of hourly readings of every meter, arriving at arrivalOfDay(d). */
export async function deliverDay(lake: LocalLake, d: number): Promise<void> {
  const lines: string[] = [];
  for (let h = 0; h < 24; h++) {
    const t = FIRST_DAY_MS + d * DAY_MS + h * HOUR_MS;
    METERS.forEach((m, i) => lines.push(`${m},${new Date(t).toISOString()},60,${kwhOf(i, t)},actual`));
  }
  await deliver(lake, `day-${d}.csv`, lines, arrivalOfDay(d));
}
