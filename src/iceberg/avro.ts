import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import avro from 'avsc';

/**
 * Avro object-container files as Iceberg needs them. avsc re-serialises a schema without the
 * `field-id` / `element-id` attributes, so the header is written here from the raw schema JSON
 * and avsc only encodes and decodes the records (ICEBERG.md §2.7).
 */

/** A long that stays exact: numbers when they fit a double, bigint beyond 2^53 (snapshot ids). */
const LongType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const v = buf.readBigInt64LE();
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  },
  toBuffer: (n: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: number | string) => BigInt(v),
  toJSON: (n: number | bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || Number.isInteger(n),
  compare: (a: number | bigint, b: number | bigint) => (BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1),
});

/** Build an avsc Type for a raw Iceberg Avro schema (with exact longs). */
export function avroType(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: LongType } as unknown as avro.Schema[] as never });
}

const metadataMapType = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const countType = avro.Type.forSchema('long');
const MAGIC = Buffer.from('Obj\x01', 'latin1');

/** Encode records into an Avro object-container file with the raw schema in its header. */
export function writeAvroContainer(
  schema: object,
  records: readonly unknown[],
  metadata: Record<string, string>,
  codec: 'deflate' | 'null' = 'deflate',
): Buffer {
  const type = avroType(schema);
  const sync = randomBytes(16);
  const meta: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v, 'utf8');
  meta['avro.schema'] = Buffer.from(JSON.stringify(schema), 'utf8');
  meta['avro.codec'] = Buffer.from(codec, 'utf8');
  const header = Buffer.concat([MAGIC, metadataMapType.toBuffer(meta), sync]);
  if (records.length === 0) return header;
  const body = Buffer.concat(records.map((r) => type.toBuffer(r)));
  const data = codec === 'deflate' ? deflateRawSync(body) : body;
  return Buffer.concat([header, countType.toBuffer(records.length), countType.toBuffer(data.length), data, sync]);
}

export interface AvroContainer {
  /** Header metadata (avro.schema and avro.codec included), as UTF-8 strings. */
  metadata: Record<string, string>;
  /** The writer's schema exactly as stored (with field-ids). */
  schema: AvroRecordSchema;
  records: Record<string, unknown>[];
}

export interface AvroField { name: string; type: unknown; 'field-id'?: number; [attr: string]: unknown }
export interface AvroRecordSchema { type: 'record'; name: string; fields: AvroField[] }

/** Decode a whole Avro object-container file held in memory. */
export async function readAvroContainer(buf: Buffer, source = 'avro file'): Promise<AvroContainer> {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw new Error(`${source}: not an Avro object-container file`);
  return new Promise((resolve, reject) => {
    const records: Record<string, unknown>[] = [];
    let metadata: Record<string, string> = {};
    const decoder = new avro.streams.BlockDecoder({ parseHook: (schema: avro.Schema) => avroType(schema as object) });
    decoder.on('metadata', (_type: avro.Type, _codec: string, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString('utf8')]));
    });
    decoder.on('data', (record: Record<string, unknown>) => records.push(record));
    decoder.on('error', (err: Error) => reject(new Error(`${source}: ${err.message}`, { cause: err })));
    decoder.on('end', () => {
      resolve({ metadata, schema: JSON.parse(metadata['avro.schema']) as AvroRecordSchema, records });
    });
    decoder.end(buf);
  });
}
