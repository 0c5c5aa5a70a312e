import type { FileRecord } from '../demo-files';
import { ESTIMATED } from '../load-shape';
import type { MeterPlan } from '../meter-plan';
import { DAY_MS } from '../options';
import { urnUuid } from '../prng';
import { CHUNK_CHARS } from './stamps';

export const ESPI_NAMESPACE = 'http://naesb.org/espi';
export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';
const BASE = 'https://greenbutton.example/espi/1_1/resource';
/** ESPI QualityOfReading: 0 valid (actual), 8 estimated. */
const ESPI_QUALITY_VALID = 0;
const ESPI_QUALITY_ESTIMATED = 8;

/**
 * The title of every demo usage point: a display name, and the same for all of them, as in real
 * feeds (the meter is the UsagePoint's atom id, which planDemo makes the meter id).
 */
export const DEMO_USAGE_POINT_TITLE = 'Front Electric Meter';

function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The UsagePoint, MeterReading and ReadingType entries that introduce a meter's readings. */
export function usagePointEntries(meter: MeterPlan, updated: string): string {
  const point = usagePointHref(meter);
  const readingType = `${BASE}/ReadingType/${meter.index + 1}`;
  return (
    `<entry><id>${meter.meterId}</id>` +
    `<link rel="self" href="${point}"/><link rel="up" href="${BASE}/RetailCustomer/1/UsagePoint"/>` +
    `<link rel="related" href="${point}/MeterReading"/>` +
    `<title>${DEMO_USAGE_POINT_TITLE}</title><updated>${updated}</updated>` +
    `<content><UsagePoint xmlns="${ESPI_NAMESPACE}"><ServiceCategory><kind>0</kind></ServiceCategory></UsagePoint></content></entry>\n` +
    `<entry><id>${urnUuid('MeterReading', meter.meterId)}</id>` +
    `<link rel="self" href="${point}/MeterReading/1"/><link rel="up" href="${point}/MeterReading"/>` +
    `<link rel="related" href="${point}/MeterReading/1/IntervalBlock"/><link rel="related" href="${readingType}"/>` +
    `<title>Hourly Electricity Consumption</title><updated>${updated}</updated>` +
    `<content><MeterReading xmlns="${ESPI_NAMESPACE}"/></content></entry>\n` +
    `<entry><id>${urnUuid('ReadingType', meter.meterId)}</id>` +
    `<link rel="self" href="${readingType}"/><link rel="up" href="${BASE}/ReadingType"/>` +
    `<title>Energy Delivered (Wh)</title><updated>${updated}</updated>` +
    `<content><ReadingType xmlns="${ESPI_NAMESPACE}"><accumulationBehaviour>4</accumulationBehaviour>` +
    `<commodity>1</commodity><dataQualifier>12</dataQualifier><flowDirection>1</flowDirection>` +
    `<intervalLength>${meter.minutes * 60}</intervalLength><kind>12</kind><phase>769</phase>` +
    `<powerOfTenMultiplier>0</powerOfTenMultiplier><timeAttribute>0</timeAttribute><uom>72</uom>` +
    `</ReadingType></content></entry>\n`
  );
}

/** The UsagePoint resource of a meter (ESPI numbers usage points per retail customer). */
function usagePointHref(meter: MeterPlan): string {
  return `${BASE}/RetailCustomer/1/UsagePoint/${meter.index + 1}`;
}

/** One IntervalReading: value in Wh (uom 72, multiplier 0); malformed records carry their fault. */
function intervalReading(record: FileRecord): string {
  const duration = record.meter.minutes * 60;
  let start = epochSeconds(record.startMs);
  let value = String(record.wh);
  let quality = ESPI_QUALITY_VALID;
  switch (record.bad) {
    case undefined:
      quality = record.quality === ESTIMATED ? ESPI_QUALITY_ESTIMATED : ESPI_QUALITY_VALID;
      break;
    case 'non-numeric-kwh':
      value = 'n/a';
      break;
    case 'negative-kwh':
      value = `-${record.wh}`;
      break;
    case 'misaligned-interval':
      start += 600;
      break;
    default:
      throw new Error(`bad row kind '${record.bad}' has no Green Button form (meter ${record.meter.meterId})`);
  }
  return (
    `<IntervalReading><ReadingQuality><quality>${quality}</quality></ReadingQuality>` +
    `<timePeriod><duration>${duration}</duration><start>${start}</start></timePeriod><value>${value}</value></IntervalReading>\n`
  );
}

function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * A NAESB ESPI Green Button Atom feed, in chunks: per meter a UsagePoint, MeterReading and
 * ReadingType entry, then one IntervalBlock entry per run of readings on the same UTC day
 * (records arrive grouped by meter).
 */
export function* greenButtonXmlChunks(records: readonly FileRecord[], fileKey: string, arrivalMs: number): Generator<string> {
  const updated = new Date(arrivalMs).toISOString().replace('.000Z', 'Z');
  let chunk =
    `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="${ATOM_NAMESPACE}">\n` +
    `<id>${urnUuid('feed', fileKey)}</id><title>Green Button usage feed</title><updated>${updated}</updated>\n` +
    `<link rel="self" href="${BASE}/Batch/Subscription/1"/>\n`;
  let i = 0;
  while (i < records.length) {
    const meter = records[i].meter;
    const point = `${usagePointHref(meter)}/MeterReading/1/IntervalBlock`;
    chunk += usagePointEntries(meter, updated);
    let block = 0;
    while (i < records.length && records[i].meter === meter) {
      const day = utcDay(records[i].startMs);
      block++;
      chunk +=
        `<entry><id>${urnUuid('IntervalBlock', fileKey, meter.meterId, block)}</id>` +
        `<link rel="self" href="${point}/${block}"/><link rel="up" href="${point}"/>` +
        `<title/><updated>${updated}</updated><content><IntervalBlock xmlns="${ESPI_NAMESPACE}">` +
        `<interval><duration>86400</duration><start>${epochSeconds(day)}</start></interval>\n`;
      while (i < records.length && records[i].meter === meter && utcDay(records[i].startMs) === day) {
        chunk += intervalReading(records[i++]);
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      chunk += '</IntervalBlock></content></entry>\n';
    }
  }
  yield `${chunk}</feed>\n`;
}
