import type { BadFileSpec } from '../demo-files';
import { MINUTE_MS } from '../options';
import { urnUuid } from '../prng';
import { ESPI_NAMESPACE, ATOM_NAMESPACE } from './green-button-xml';
import { CANONICAL_CSV_HEADER } from './canonical-csv';
import { londonStamp, utcStamp } from './stamps';

/** Bytes of a deliberately malformed file, so quarantine has something to catch every day. */
export function badFileBytes(spec: BadFileSpec): Buffer {
  const { meter, dayStartMs } = spec;
  const starts = [0, 1, 2].map((i) => dayStartMs + i * meter.minutes * MINUTE_MS);
  switch (spec.kind) {
    case 'wrong-header':
      return Buffer.from(
        `meter,start,minutes,energy,flag\n${starts.map((s) => `${meter.meterId},${utcStamp(s)},${meter.minutes},0.100,actual\n`).join('')}`,
        'utf8',
      );
    case 'not-utf8':
      // Latin-1 'é' (0xE9) is not valid UTF-8 on its own.
      return Buffer.from(
        `${CANONICAL_CSV_HEADER}\n${starts.map((s) => `${meter.meterId}-r\u00e9sidence,${utcStamp(s)},${meter.minutes},0.100,actual\n`).join('')}`,
        'latin1',
      );
    case 'empty-file':
      return Buffer.alloc(0);
    case 'wrong-columns':
      return Buffer.from(
        `{"columns":["time","value","mpan"],"data":[${starts.map((s) => `["${londonStamp(s)}",0.1,"${meter.meterId}"]`).join(',')}]}\n`,
        'utf8',
      );
    case 'unparseable-xml':
      // A feed cut off mid-transfer.
      return Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="${ATOM_NAMESPACE}">\n<entry><id>${urnUuid('cut', meter.meterId)}</id>` +
          `<content><UsagePoint xmlns="${ESPI_NAMESPACE}"><ServiceCategory><kind>0</ki`,
        'utf8',
      );
  }
}
