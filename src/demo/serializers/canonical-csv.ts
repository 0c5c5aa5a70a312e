import type { FileRecord } from '../demo-files';
import { QUALITIES } from '../load-shape';
import { MINUTE_MS } from '../options';
import { CHUNK_CHARS, utcStamp } from './stamps';

export const CANONICAL_CSV_HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';

const kwhTexts: string[] = [];

/** kWh with three decimals; the common small values are cached (this runs millions of times). */
function kwhText(wh: number): string {
  if (wh < 0 || wh >= 20_000) return (wh / 1000).toFixed(3);
  return (kwhTexts[wh] ??= (wh / 1000).toFixed(3));
}

/** One CSV line for a record; malformed records carry their planted fault. */
function csvLine(record: FileRecord): string {
  const { meter, startMs, wh } = record;
  const minutes = meter.minutes;
  switch (record.bad) {
    case undefined:
      return `${meter.meterId},${utcStamp(startMs)},${minutes},${kwhText(wh)},${QUALITIES[record.quality]}\n`;
    case 'non-numeric-kwh':
      return `${meter.meterId},${utcStamp(startMs)},${minutes},n/a,actual\n`;
    case 'negative-kwh':
      return `${meter.meterId},${utcStamp(startMs)},${minutes},-${kwhText(wh)},actual\n`;
    case 'misaligned-interval':
      return `${meter.meterId},${utcStamp(startMs + 7 * MINUTE_MS)},${minutes},${kwhText(wh)},actual\n`;
    case 'invalid-interval-minutes':
      return `${meter.meterId},${utcStamp(startMs)},7,${kwhText(wh)},actual\n`;
    case 'unparseable-timestamp':
      return `${meter.meterId},not-a-timestamp,${minutes},${kwhText(wh)},actual\n`;
    case 'nonexistent-local-time':
      throw new Error(`bad row kind '${record.bad}' has no canonical CSV form (meter ${meter.meterId})`);
  }
}

/** The canonical CSV (`meter_id,interval_start,interval_minutes,kwh,quality`), in chunks. */
export function* canonicalCsvChunks(records: readonly FileRecord[]): Generator<string> {
  let chunk = `${CANONICAL_CSV_HEADER}\n`;
  for (const record of records) {
    chunk += csvLine(record);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
