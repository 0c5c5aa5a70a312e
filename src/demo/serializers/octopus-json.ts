import type { FileRecord } from '../demo-files';
import { MINUTE_MS } from '../options';
import { CHUNK_CHARS, londonStamp, naiveUtcStamp } from './stamps';

export const OCTOPUS_COLUMNS = ['interval_start', 'consumption_delta', 'meterpoint_id'] as const;

/** One `[interval_start, consumption_delta, meterpoint_id]` entry, naive London time of the interval start. */
function octopusEntry(record: FileRecord): string {
  const { meter, startMs, wh } = record;
  const id = meter.meterId;
  switch (record.bad) {
    case undefined:
      return `["${londonStamp(startMs)}",${wh / 1000},"${id}"]`;
    case 'non-numeric-kwh':
      return `["${londonStamp(startMs)}","n/a","${id}"]`;
    case 'negative-kwh':
      return `["${londonStamp(startMs)}",${-wh / 1000},"${id}"]`;
    case 'misaligned-interval':
      return `["${londonStamp(startMs + 10 * MINUTE_MS)}",${wh / 1000},"${id}"]`;
    case 'nonexistent-local-time':
      return `["${naiveUtcStamp(startMs)}",${wh / 1000},"${id}"]`;
    default:
      throw new Error(`bad row kind '${record.bad}' has no Octopus JSON form (meterpoint ${id})`);
  }
}

/** An Octopus-style "split" JSON document, in chunks. */
export function* octopusJsonChunks(records: readonly FileRecord[]): Generator<string> {
  let chunk = `{"columns":${JSON.stringify(OCTOPUS_COLUMNS)},"data":[`;
  for (let i = 0; i < records.length; i++) {
    chunk += i === 0 ? octopusEntry(records[i]) : `,${octopusEntry(records[i])}`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}]}\n`;
}
