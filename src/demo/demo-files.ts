/**
 * The demo data set as a sequence of landing files (content described, not yet serialised).
 * Both the writer (generateDemo) and the expected-versions iterator walk this sequence, so what
 * the tests expect is by construction what landed.
 */
import { endOfAmbiguousLondon, isAmbiguousLondon, bstPeriod, isSpringForwardDay } from './london-time';
import { meterDayReadings, type PlannedRevision } from './load-shape';
import type { DemoPlan, MeterPlan } from './meter-plan';
import { DAY_MS, DEMO_SOURCES, MINUTE_MS, isoDate } from './options';
import { Rng, Stream } from './prng';
import type { BadFileKind, BadRowKind, DemoSource } from './types';

/** How a record got into its file. */
export const ORIGINAL = 0;
export const CORRECTION = 1;
export const GAP_FILL = 2;

export interface ReadingRecord {
  bad?: undefined;
  meter: MeterPlan;
  startMs: number;
  wh: number;
  quality: number;
  origin: number;
}

export interface BadRecord {
  bad: BadRowKind;
  meter: MeterPlan;
  startMs: number;
  wh: number;
}

export type FileRecord = ReadingRecord | BadRecord;

export interface BadFileSpec {
  kind: BadFileKind;
  meter: MeterPlan;
  dayStartMs: number;
}

export interface ReadingsFile {
  kind: 'readings';
  key: string;
  source: DemoSource;
  arrivalMs: number;
  records: FileRecord[];
  badFile?: BadFileSpec;
}

export interface ReferenceFile {
  kind: 'reference';
  key: string;
  source: 'demo';
  arrivalMs: number;
  asOfDay: number;
}

export type DemoFile = ReadingsFile | ReferenceFile;

const SLOT_MS = 15 * MINUTE_MS;
const CUTS_PER_DAY = 96;
const SOURCE_CODE: Record<DemoSource, number> = { default: 1, octopus: 2, greenbutton: 3 };
const BAD_ROW_KINDS: Record<DemoSource, readonly BadRowKind[]> = {
  default: ['non-numeric-kwh', 'negative-kwh', 'misaligned-interval', 'invalid-interval-minutes', 'unparseable-timestamp'],
  octopus: ['non-numeric-kwh', 'negative-kwh', 'misaligned-interval'],
  greenbutton: ['non-numeric-kwh', 'negative-kwh', 'misaligned-interval'],
};
/** One bad file a day, rotating through these. */
const BAD_FILE_ROTATION: readonly (readonly [BadFileKind, DemoSource])[] = [
  ['wrong-header', 'default'],
  ['empty-file', 'octopus'],
  ['unparseable-xml', 'greenbutton'],
  ['not-utf8', 'default'],
  ['wrong-columns', 'octopus'],
];
const EXTENSION: Record<DemoSource, string> = { default: 'csv', octopus: 'json', greenbutton: 'xml' };

/** An upper bound of the number of files demoFiles yields (the total for progress reports). */
export function estimateFileCount(plan: DemoPlan): number {
  const { days, recentDays } = plan.options;
  const octopusFiles = Math.ceil(plan.bySource.octopus.length / plan.options.octopusMetersPerFile);
  const daily = days - recentDays;
  const perDailyDay = 2 + octopusFiles + 1;
  const perRecentDay = CUTS_PER_DAY + 48 * octopusFiles + 24 + 1;
  return daily * perDailyDay + recentDays * perRecentDay + Math.ceil(days / plan.options.referenceEveryDays) + 1;
}

/** Window days on which a reference database drops (at midnight). */
export function referenceDays(plan: DemoPlan): number[] {
  const { days, referenceEveryDays } = plan.options;
  const out: number[] = [];
  for (let day = 0; day < days; day += referenceEveryDays) out.push(day);
  if (out[out.length - 1] !== days - 1) out.push(days - 1);
  return out;
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16).replace(':', '');
}

interface Bucket {
  cut: number;
  group: number;
  source: DemoSource;
  records: FileRecord[];
}

/** Records of one day, bucketed by drop (cut) and file group, per source. */
class DayBuckets {
  readonly files: Bucket[] = [];
  private readonly byKey = new Map<number, Bucket>();

  push(source: DemoSource, cut: number, group: number, record: FileRecord): void {
    const id = (cut * 1_000_000 + group) * 4 + SOURCE_CODE[source];
    let bucket = this.byKey.get(id);
    if (!bucket) {
      bucket = { cut, group, source, records: [] };
      this.byKey.set(id, bucket);
      this.files.push(bucket);
    }
    bucket.records.push(record);
  }
}

/** Walk the window day by day and yield every landing file with its content and arrival time. */
export function* demoFiles(plan: DemoPlan): Generator<DemoFile> {
  const options = plan.options;
  const { seed, days, windowStartMs } = options;
  const firstRecentDay = days - options.recentDays;
  const dropDays = new Set(referenceDays(plan));
  // Later versions waiting for the files of their day: day → meter index → records.
  const pending = new Map<number, Map<number, ReadingRecord[]>>();
  const schedule = (targetDay: number, meter: MeterPlan, record: ReadingRecord): void => {
    if (targetDay >= days) return; // would arrive after the window: never sent
    let byMeter = pending.get(targetDay);
    if (!byMeter) pending.set(targetDay, (byMeter = new Map()));
    let list = byMeter.get(meter.index);
    if (!list) byMeter.set(meter.index, (list = []));
    list.push(record);
  };
  const scheduleRevisions = (meter: MeterPlan, dayStartMs: number, deliveryDay: number, revisions: PlannedRevision[], origin: number): void => {
    for (const revision of revisions) {
      const startMs = dayStartMs + revision.slot * meter.minutes * MINUTE_MS;
      schedule(deliveryDay + revision.delayDays, meter, { meter, startMs, wh: revision.wh, quality: revision.quality, origin });
    }
  };

  for (let day = 0; day < days; day++) {
    const dayStartMs = windowStartMs + day * DAY_MS;
    const date = isoDate(dayStartMs);
    const recent = day >= firstRecentDay;
    if (dropDays.has(day)) {
      yield { kind: 'reference', key: `landing/octopus/reference/reference-${date}.sqlite`, source: 'demo', arrivalMs: dayStartMs, asOfDay: day };
    }
    const later = pending.get(day);
    pending.delete(day);
    const buckets = new DayBuckets();
    for (const meter of plan.meters) {
      if (meter.joinDay > day) continue;
      const naturalCut = meter.minutes / 15;
      // The cut (15-minute drop, 1..96) that delivers an interval: the one at its end.
      const cutOf = (startMs: number): number => {
        if (!recent) return 0;
        let endMs = startMs + meter.minutes * MINUTE_MS;
        if (meter.source === 'octopus' && isAmbiguousLondon(startMs)) endMs = endOfAmbiguousLondon(startMs);
        return Math.round((endMs - dayStartMs) / SLOT_MS);
      };
      if (meter.joinDay === day) {
        for (let historyDay = meter.historyStartDay; historyDay < day; historyDay++) {
          const history = meterDayReadings(options, meter, historyDay);
          for (let i = 0; i < history.wh.length; i++) {
            const record: ReadingRecord = { meter, startMs: history.dayStartMs + i * meter.minutes * MINUTE_MS, wh: history.wh[i], quality: history.quality[i], origin: ORIGINAL };
            buckets.push(meter.source, recent ? naturalCut : 0, meter.fileGroup, record);
          }
          scheduleRevisions(meter, history.dayStartMs, day, history.corrections, CORRECTION);
        }
      }
      const today = meterDayReadings(options, meter, day);
      for (let i = 0; i < today.wh.length; i++) {
        if (today.gap[i]) continue;
        const startMs = dayStartMs + i * meter.minutes * MINUTE_MS;
        buckets.push(meter.source, cutOf(startMs), meter.fileGroup, { meter, startMs, wh: today.wh[i], quality: today.quality[i], origin: ORIGINAL });
      }
      scheduleRevisions(meter, dayStartMs, day, today.corrections, CORRECTION);
      scheduleRevisions(meter, dayStartMs, day, today.fills, GAP_FILL);
      const extras = later?.get(meter.index);
      if (extras) {
        extras.sort((a, b) => a.startMs - b.startMs);
        const rng = Rng.of(seed, Stream.delivery, day, meter.index);
        for (const record of extras) {
          const cut = recent ? naturalCut * rng.int(1, CUTS_PER_DAY / naturalCut) : 0;
          buckets.push(meter.source, cut, meter.fileGroup, record);
        }
      }
    }

    const files = buckets.files.map((bucket) => readingsFileOf(plan, bucket, day, dayStartMs, recent));
    files.sort((a, b) => a.arrivalMs - b.arrivalMs || (a.key < b.key ? -1 : 1));
    plantBadRows(plan, day, dayStartMs, files);
    yield* files;

    const badFile = options.badFiles ? planBadFile(plan, day, dayStartMs, recent) : undefined;
    if (badFile) yield badFile;
  }
}

/** Name and arrival time of the file that carries one bucket of records. */
function readingsFileOf(plan: DemoPlan, bucket: Bucket, day: number, dayStartMs: number, recent: boolean): ReadingsFile {
  const { seed, octopusMetersPerFile } = plan.options;
  const { source, cut, group, records } = bucket;
  const date = isoDate(dayStartMs);
  // Recent drops are named by the start of their 15-minute window; daily files by their day.
  const label = recent ? `${date}T${hhmm(dayStartMs + (cut - 1) * SLOT_MS)}` : date;
  const stem = source === 'default' ? 'readings'
    : source === 'greenbutton' ? 'usage'
      : octopusMetersPerFile === 1 ? records[0].meter.meterId : `octopus-g${String(group).padStart(4, '0')}`;
  const jitter = 1000 * Rng.of(seed, Stream.arrival, day, SOURCE_CODE[source], cut, group).int(0, 20);
  // Octopus files trickle in over a few minutes; all daily files land before the first 15-minute drop.
  const octopusFiles = Math.max(1, Math.ceil(plan.bySource.octopus.length / octopusMetersPerFile));
  const spread = source === 'octopus' ? Math.floor((group * (recent ? 60_000 : 360_000)) / octopusFiles) : 0;
  const offset = recent
    ? cut * SLOT_MS + { default: 40_000, octopus: 60_000, greenbutton: 150_000 }[source]
    : DAY_MS + { default: 120_000, octopus: 180_000, greenbutton: 600_000 }[source];
  return {
    kind: 'readings',
    key: `landing/${source}/readings/${date}/${stem}-${label}.${EXTENSION[source]}`,
    source,
    arrivalMs: dayStartMs + offset + spread + jitter,
    records,
  };
}

/** Insert the day's malformed rows beside real rows of the same meter (keeps XML grouping intact). */
function plantBadRows(plan: DemoPlan, day: number, dayStartMs: number, files: ReadingsFile[]): void {
  for (const source of DEMO_SOURCES) {
    const candidates = files.filter((file) => file.source === source);
    if (candidates.length === 0) continue;
    const rng = Rng.of(plan.options.seed, Stream.badRows, day, SOURCE_CODE[source]);
    for (let n = 0; n < plan.options.badRowsPerSourceDay; n++) {
      const file = rng.pick(candidates);
      const position = rng.int(0, file.records.length);
      const neighbour = file.records[Math.min(position, file.records.length - 1)];
      const meter = neighbour.meter;
      const neighbourDayMs = Math.floor(neighbour.startMs / DAY_MS) * DAY_MS;
      let kind = rng.pick(BAD_ROW_KINDS[source]);
      let startMs = neighbourDayMs + rng.int(0, (24 * 60) / meter.minutes - 1) * meter.minutes * MINUTE_MS;
      if (source === 'octopus' && isAmbiguousLondon(startMs)) startMs = neighbourDayMs + 12 * 3_600_000;
      if (source === 'octopus' && n === 0 && isSpringForwardDay(dayStartMs) && neighbourDayMs === dayStartMs) {
        // 01:30 on the spring-forward day: a London local time that never happened.
        kind = 'nonexistent-local-time';
        startMs = bstPeriod(new Date(dayStartMs).getUTCFullYear())[0] + 30 * MINUTE_MS;
      }
      const wh = 'wh' in neighbour ? neighbour.wh : 100;
      file.records.splice(position, 0, { bad: kind, meter, startMs, wh: Math.max(1, wh) });
    }
  }
}

/** The day's whole-file fault, landing among the day's real files. */
function planBadFile(plan: DemoPlan, day: number, dayStartMs: number, recent: boolean): ReadingsFile | undefined {
  const [kind, source] = BAD_FILE_ROTATION[day % BAD_FILE_ROTATION.length];
  const active = plan.bySource[source].filter((meter) => meter.joinDay <= day);
  if (active.length === 0) return undefined;
  const rng = Rng.of(plan.options.seed, Stream.badFile, day);
  const meter = rng.pick(active);
  const date = isoDate(dayStartMs);
  const cutMs = recent ? rng.int(1, CUTS_PER_DAY) * SLOT_MS : 0;
  const label = recent ? `${date}T${hhmm(dayStartMs + cutMs - SLOT_MS)}` : date;
  const stem = source === 'default' ? 'readings' : source === 'greenbutton' ? 'usage' : meter.meterId;
  return {
    kind: 'readings',
    key: `landing/${source}/readings/${date}/${stem}-${label}-extra.${EXTENSION[source]}`,
    source,
    arrivalMs: dayStartMs + (recent ? cutMs + 200_000 : DAY_MS + 660_000) + 1000 * rng.int(0, 20),
    records: [],
    badFile: { kind, meter, dayStartMs },
  };
}
