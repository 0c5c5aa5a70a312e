import { demoFiles } from './demo-files';
import { QUALITIES } from './load-shape';
import { planDemo } from './meter-plan';
import { resolveDemoOptions } from './options';
import { utcStamp } from './serializers/stamps';
import type { DemoContentOptions, ExpectedBadRow, ExpectedReading } from './types';

/**
 * Every valid reading version the demo generator writes for these options, as canonical rows, in
 * generation order. Replays the generator without writing files (same options → same rows).
 */
export function* expectedReadingVersions(options: DemoContentOptions): Generator<ExpectedReading> {
  for (const file of demoFiles(planDemo(resolveDemoOptions(options)))) {
    if (file.kind !== 'readings') continue;
    const receivedAt = new Date(file.arrivalMs).toISOString();
    for (let i = 0; i < file.records.length; i++) {
      const record = file.records[i];
      if (record.bad) continue;
      yield {
        meter_id: record.meter.meterId,
        interval_start: utcStamp(record.startMs),
        interval_minutes: record.meter.minutes,
        kwh: record.wh / 1000,
        quality: QUALITIES[record.quality],
        source: file.source,
        source_file: file.key,
        source_row: i + 1,
        received_at: receivedAt,
      };
    }
  }
}

/** Every malformed row the generator plants (these must end in rejected_readings, not in history). */
export function* expectedBadRows(options: DemoContentOptions): Generator<ExpectedBadRow> {
  for (const file of demoFiles(planDemo(resolveDemoOptions(options)))) {
    if (file.kind !== 'readings') continue;
    for (let i = 0; i < file.records.length; i++) {
      const record = file.records[i];
      if (!record.bad) continue;
      yield { source: file.source, source_file: file.key, source_row: i + 1, kind: record.bad, meter_id: record.meter.meterId };
    }
  }
}
