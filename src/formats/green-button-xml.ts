import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import sax from 'sax';
import { type DuckDbSession, sqlString } from '../engine/duckdb-session';
import { FileRejectedError, type AcceptedRowsSink, type ParseContext, type StreamedParseResult, type Quality } from './canonical';
import type { SourceProfile } from './source-profiles';
import { tempName } from './sql-names';
import { StagingWriter } from './staging';
import { validateStagedReadings } from './validate';

/** ESPI unit of measure 72 = Wh (the only energy unit accepted here). */
const UOM_WATT_HOURS = '72';
const QUALITY_RANK: Record<Quality, number> = { actual: 0, estimated: 1, substituted: 2 };

interface ReadingType {
  uom: string | null;
  pow10: number;
  intervalSeconds: string | null;
}

interface Feed {
  /**
   * UsagePoint key ('UsagePoint/<id>') → meter id: the entry's atom id, its permanent, universally
   * unique identity (the title is a display name, often the same for every meter of a customer).
   */
  usagePoints: Map<string, string>;
  /** MeterReading key → ReadingType key (from its rel="related" link). */
  meterReadings: Map<string, string>;
  readingTypes: Map<string, ReadingType>;
  /** IntervalBlock entry ordinal → MeterReading key (from its self or up link). */
  blocks: Map<string, string>;
}

/**
 * Parse a Green Button (NAESB ESPI) Atom feed. The XML is streamed with sax: each IntervalReading
 * is appended to a DuckDB staging table as soon as it closes, tagged with its IntervalBlock entry;
 * the small UsagePoint / MeterReading / ReadingType map (entries may come in any order) is resolved
 * at the end, and values become kWh as value × 10^powerOfTenMultiplier / 1000 (uom 72 = Wh).
 */
export async function parseGreenButtonXml<T>(
  session: DuckDbSession,
  localPath: string,
  profile: SourceProfile,
  ctx: ParseContext,
  sink: AcceptedRowsSink<T>,
): Promise<StreamedParseResult<T>> {
  if ((await stat(localPath)).size === 0) throw new FileRejectedError(ctx.sourceFile, 'empty_file', 'the file is empty');
  const writer = await StagingWriter.create(session);
  const blockMap = tempName('gb_blocks');
  const staged = tempName('gb_staged');
  try {
    let feed: Feed;
    try {
      feed = await streamFeed(localPath, writer, profile, ctx.sourceFile);
    } finally {
      writer.close();
    }
    await writeBlockMap(session, blockMap, feed, ctx.sourceFile);
    await session.run(
      `CREATE TEMP VIEW ${staged} AS
       SELECT s.source_row, s.raw, b.meter_id, s.ts,
              coalesce(s.minutes, CAST(TRY_CAST(b.interval_seconds AS DOUBLE) / 60 AS VARCHAR)) AS minutes,
              s.value, s.quality, b.pow10 AS value_pow10
       FROM ${writer.staged} s LEFT JOIN ${blockMap} b ON s.ref = b.ref`,
    );
    return await validateStagedReadings(
      session,
      { staged, preRejected: writer.preRejected },
      {
        profile,
        timestamps: 'epoch-seconds',
        unit: 'Wh',
        fixedMinutes: null,
        fieldNames: {
          meterId: 'UsagePoint id',
          timestamp: 'timePeriod.start',
          minutes: 'timePeriod.duration (minutes)',
          value: 'value',
          quality: 'ReadingQuality.quality',
        },
      },
      ctx,
      sink,
    );
  } finally {
    await session.run(`DROP VIEW IF EXISTS ${staged}; DROP TABLE IF EXISTS ${blockMap}`);
    await writer.drop(session);
  }
}

/** The IntervalBlock → meter id / multiplier / interval length table; file-level checks first. */
async function writeBlockMap(session: DuckDbSession, table: string, feed: Feed, file: string): Promise<void> {
  for (const [key, type] of feed.readingTypes) {
    if (type.uom !== UOM_WATT_HOURS) {
      throw new FileRejectedError(file, 'unsupported_unit', `${key} has uom ${type.uom ?? '(none)'}; only 72 (Wh) is supported`);
    }
  }
  const onlyType = feed.readingTypes.size === 1 ? [...feed.readingTypes.values()][0] : undefined;
  const rows: string[] = [];
  for (const [ref, meterReading] of feed.blocks) {
    const type = feed.readingTypes.get(feed.meterReadings.get(meterReading) ?? '') ?? onlyType;
    if (!type) {
      throw new FileRejectedError(file, 'unresolved_reading_type', `IntervalBlock of ${meterReading || '(no link)'} has no ReadingType in the feed`);
    }
    // No UsagePoint entry (or one without an atom id): the readings have no meter and are rejected.
    const meterId = feed.usagePoints.get(meterReading.split('/MeterReading/')[0]) || null;
    rows.push(`(${sqlString(ref)}, ${meterId ? sqlString(meterId) : 'NULL'}, ${type.pow10}, ${type.intervalSeconds ? sqlString(type.intervalSeconds) : 'NULL'})`);
  }
  await session.run(`CREATE TEMP TABLE ${table} (ref VARCHAR, meter_id VARCHAR, pow10 INTEGER, interval_seconds VARCHAR)`);
  if (rows.length > 0) await session.run(`INSERT INTO ${table} VALUES ${rows.join(', ')}`);
}

/** The resource key of an ESPI href: the path from its first UsagePoint/ or ReadingType/ segment. */
function resourceKey(href: string, kind: 'UsagePoint' | 'ReadingType'): string | undefined {
  const at = href.indexOf(`${kind}/`);
  return at < 0 ? undefined : href.slice(at).replace(/\/+$/, '');
}

/** MeterReading key of an IntervalBlock or MeterReading href: 'UsagePoint/<u>/MeterReading/<m>'. */
function meterReadingKey(href: string): string | undefined {
  const match = /UsagePoint\/[^/]+\/MeterReading\/[^/]+/.exec(href);
  return match?.[0];
}

interface EntryState {
  ordinal: number;
  /** The entry's atom:id. */
  id: string;
  links: { rel: string; href: string }[];
  kind: string | null;
  readingType: ReadingType;
}

interface ReadingState {
  start: string | null;
  duration: string | null;
  value: string | null;
  qualities: string[];
}

async function streamFeed(localPath: string, writer: StagingWriter, profile: SourceProfile, file: string): Promise<Feed> {
  const feed: Feed = { usagePoints: new Map(), meterReadings: new Map(), readingTypes: new Map(), blocks: new Map() };
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false });
  const path: string[] = [];
  let text = '';
  let entries = 0;
  let readings = 0;
  let sawContent = false;
  let entry: EntryState | null = null;
  let reading: ReadingState | null = null;
  const failures: Error[] = [];

  parser.onerror = (error) => {
    failures.push(error);
  };
  parser.onopentag = (tag) => {
    const name = localName(tag.name);
    if (path.length === 0 && name !== 'feed' && name !== 'entry') {
      failures.push(new Error(`the root element is <${tag.name}>, expected an Atom <feed>`));
    }
    sawContent = true;
    path.push(name);
    text = '';
    if (name === 'entry') {
      entries += 1;
      entry = { ordinal: entries, id: '', links: [], kind: null, readingType: { uom: null, pow10: 0, intervalSeconds: null } };
    } else if (entry && name === 'link') {
      entry.links.push({ rel: String(tag.attributes.rel ?? 'alternate'), href: String(tag.attributes.href ?? '') });
    } else if (entry && parent(path) === 'content' && entry.kind === null) {
      entry.kind = name;
    } else if (name === 'IntervalReading') {
      reading = { start: null, duration: null, value: null, qualities: [] };
    }
  };
  parser.ontext = (chunk) => {
    text += chunk;
  };
  parser.oncdata = (chunk) => {
    text += chunk;
  };
  parser.onclosetag = (tagName) => {
    const name = localName(tagName);
    const value = text.trim();
    const within = parent(path);
    if (reading) {
      if (name === 'start' && within === 'timePeriod') reading.start = value;
      else if (name === 'duration' && within === 'timePeriod') reading.duration = value;
      else if (name === 'value' && within === 'IntervalReading') reading.value = value;
      else if (name === 'quality' && within === 'ReadingQuality') reading.qualities.push(value);
      else if (name === 'IntervalReading' && entry) {
        readings += 1;
        writer.addRecord(stagedReading(reading, readings, entry.ordinal, profile));
        reading = null;
      }
    } else if (entry) {
      if (name === 'id' && within === 'entry') entry.id = value;
      else if (name === 'uom') entry.readingType.uom = value;
      else if (name === 'powerOfTenMultiplier') entry.readingType.pow10 = Number.parseInt(value, 10) || 0;
      else if (name === 'intervalLength') entry.readingType.intervalSeconds = value;
      else if (name === 'entry') {
        recordEntry(feed, entry);
        entry = null;
      }
    }
    path.pop();
    text = '';
  };

  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of createReadStream(localPath, { highWaterMark: 256 * 1024 })) {
    let decoded: string;
    try {
      decoded = decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      throw new FileRejectedError(file, 'not_utf8', `the file is not UTF-8 (after ${readings} IntervalReadings)`);
    }
    parser.write(decoded);
    if (failures.length > 0) break;
  }
  if (failures.length === 0) parser.close();
  if (failures.length > 0) {
    const [failure] = failures;
    throw new FileRejectedError(file, 'unparseable_file', `not a readable Green Button feed: ${firstLine(failure.message)}`, { cause: failure });
  }
  if (!sawContent) throw new FileRejectedError(file, 'empty_file', 'the file has no XML content');
  return feed;
}

function recordEntry(feed: Feed, entry: EntryState): void {
  const self = entry.links.find((l) => l.rel === 'self')?.href ?? '';
  const up = entry.links.find((l) => l.rel === 'up')?.href ?? '';
  if (entry.kind === 'UsagePoint') {
    const key = resourceKey(self, 'UsagePoint') ?? resourceKey(up, 'UsagePoint');
    if (key) feed.usagePoints.set(key.split('/').slice(0, 2).join('/'), entry.id);
  } else if (entry.kind === 'MeterReading') {
    const key = meterReadingKey(self) ?? meterReadingKey(up);
    const related = entry.links.map((l) => resourceKey(l.href, 'ReadingType')).find((k) => k !== undefined);
    if (key && related) feed.meterReadings.set(key, related);
  } else if (entry.kind === 'ReadingType') {
    const key = resourceKey(self, 'ReadingType') ?? `ReadingType/entry-${entry.ordinal}`;
    feed.readingTypes.set(key, entry.readingType);
  } else if (entry.kind === 'IntervalBlock') {
    feed.blocks.set(String(entry.ordinal), meterReadingKey(self) ?? meterReadingKey(up) ?? '');
  }
}

/** One IntervalReading as a staged record; several quality codes collapse to the worst one. */
function stagedReading(r: ReadingState, sourceRow: number, entryOrdinal: number, profile: SourceProfile) {
  const minutes = r.duration === null ? null : secondsToMinutesText(r.duration);
  return {
    sourceRow,
    raw: rawReading(r),
    meterId: null,
    ts: r.start,
    minutes,
    value: r.value,
    quality: worstQualityCode(r.qualities, profile),
    ref: String(entryOrdinal),
  };
}

function secondsToMinutesText(seconds: string): string {
  return /^\d+$/.test(seconds) ? String(Number(seconds) / 60) : seconds;
}

/** The code whose canonical quality is worst (an unmapped code wins, so it is rejected). */
function worstQualityCode(codes: string[], profile: SourceProfile): string | null {
  let worst: string | null = null;
  let worstRank = -1;
  for (const code of codes) {
    const quality = profile.quality.map[code];
    const rank = quality === undefined ? Number.POSITIVE_INFINITY : QUALITY_RANK[quality];
    if (rank > worstRank) [worst, worstRank] = [code, rank];
  }
  return worst;
}

/** The reading as compact XML (the original bytes are not kept while streaming). */
function rawReading(r: ReadingState): string {
  const tag = (name: string, v: string | null) => (v === null ? '' : `<${name}>${escapeXml(v)}</${name}>`);
  const qualities = r.qualities.map((q) => `<ReadingQuality>${tag('quality', q)}</ReadingQuality>`).join('');
  return `<IntervalReading>${qualities}<timePeriod>${tag('duration', r.duration)}${tag('start', r.start)}</timePeriod>${tag('value', r.value)}</IntervalReading>`;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function parent(path: string[]): string | undefined {
  return path[path.length - 2];
}

function firstLine(message: string): string {
  return message.split('\n').join(' ');
}
