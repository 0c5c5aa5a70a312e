import { randomUUID } from 'node:crypto';
import { readAvroContainer, writeAvroContainer, type AvroField, type AvroRecordSchema } from './avro';
import { compareValues, toBinary, type IcebergValue } from './conversions';
import type { FileIO } from './file-io';
import {
  DATA_FILE_FIELD_IDS, MANIFEST_ENTRY_FIELD_IDS, MANIFEST_FILE_FIELD_IDS, MANIFEST_FILE_SCHEMA,
  avroCompatibleName, decimalBytesForPrecision, manifestEntrySchema, partitionFieldTypes,
} from './manifest-schemas';
import { toIcebergValue } from './transforms';
import {
  EntryStatus, ManifestContent, type DataFile, type FieldSummary, type LiveEntry, type ManifestEntry,
  type ManifestFile, type PartitionSpec, type PrimitiveType, type Schema, type Snapshot,
} from './types';

/** Where a table keeps its metadata files. */
export const metadataDir = (tableLocation: string) => `${tableLocation}/metadata`;

/** Partition value (canonical JS representation) → the value avsc encodes for its Avro type. */
function toAvroPartitionValue(type: PrimitiveType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) {
    const size = decimalBytesForPrecision(Number(decimal[1]));
    const minimal = toBinary(type, value as IcebergValue);
    const fill = minimal[0] & 0x80 ? 0xff : 0x00;
    return Buffer.concat([Buffer.alloc(size - minimal.length, fill), minimal]);
  }
  if (type === 'uuid') return toBinary(type, value as IcebergValue);
  return value;
}

function fromAvroPartitionValue(type: PrimitiveType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type.startsWith('decimal')) {
    const buf = value as Buffer;
    return buf.length === 0 ? 0n : BigInt.asIntN(buf.length * 8, BigInt(`0x${buf.toString('hex')}`));
  }
  return toIcebergValue(type, value);
}

/** Manifest-list partition summaries over the partition tuples of a manifest's live files. */
export function partitionSummaries(schema: Schema, spec: PartitionSpec, files: readonly DataFile[]): FieldSummary[] {
  return partitionFieldTypes(schema, spec).map(({ name, type }) => {
    let containsNull = false;
    let containsNan = false;
    let lower: IcebergValue | undefined;
    let upper: IcebergValue | undefined;
    for (const file of files) {
      const v = file.partition[name] as IcebergValue | null | undefined;
      if (v === null || v === undefined) { containsNull = true; continue; }
      if (typeof v === 'number' && Number.isNaN(v)) { containsNan = true; continue; }
      if (lower === undefined || compareValues(type, v, lower) < 0) lower = v;
      if (upper === undefined || compareValues(type, v, upper) > 0) upper = v;
    }
    return {
      contains_null: containsNull,
      contains_nan: type === 'float' || type === 'double' ? containsNan : false,
      lower_bound: lower === undefined ? null : toBinary(type, lower),
      upper_bound: upper === undefined ? null : toBinary(type, upper),
    };
  });
}

export interface WriteManifestOptions {
  io: FileIO;
  tableLocation: string;
  schema: Schema;
  spec: PartitionSpec;
  content: ManifestContent;
  entries: readonly ManifestEntry[];
  /** Snapshot that writes the manifest (its added_snapshot_id in the list). */
  snapshotId: bigint;
  /** Sequence number of that snapshot; null while it is not yet known (manifests are reusable on retry). */
  sequenceNumber: number | null;
  /** Name stem shared by one commit's files (`<commitId>-m<N>.avro`). */
  commitId: string;
  index: number;
}

/**
 * Write one manifest and describe it as a manifest-list entry. `sequence_number` and
 * `min_sequence_number` are filled in by `writeManifestList`, because a retried commit gets a
 * new sequence number while its manifests stay valid (ADDED entries inherit theirs).
 */
export async function writeManifest(opts: WriteManifestOptions): Promise<ManifestFile> {
  if (opts.entries.length === 0) throw new Error('refusing to write an empty manifest');
  const fieldTypes = partitionFieldTypes(opts.schema, opts.spec);
  const records = opts.entries.map((e) => {
    if (e.status !== EntryStatus.ADDED && (e.sequence_number === null || e.file_sequence_number === null)) {
      throw new Error(`manifest entry for ${e.data_file.file_path} has status ${e.status} but no sequence numbers`);
    }
    const partition: Record<string, unknown> = {};
    for (const f of fieldTypes) partition[avroCompatibleName(f.name)] = toAvroPartitionValue(f.type, e.data_file.partition[f.name]);
    return {
      status: e.status,
      snapshot_id: e.snapshot_id,
      sequence_number: e.sequence_number,
      file_sequence_number: e.file_sequence_number,
      data_file: {
        key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null, referenced_data_file: null,
        column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null,
        lower_bounds: null, upper_bounds: null,
        ...e.data_file,
        partition,
      },
    };
  });
  const buf = writeAvroContainer(manifestEntrySchema(opts.schema, opts.spec), records, {
    schema: JSON.stringify(opts.schema),
    'schema-id': String(opts.schema['schema-id']),
    'partition-spec': JSON.stringify(opts.spec.fields),
    'partition-spec-id': String(opts.spec['spec-id']),
    'format-version': '2',
    content: opts.content === ManifestContent.DATA ? 'data' : 'deletes',
  });
  const path = `${metadataDir(opts.tableLocation)}/${opts.commitId}-m${opts.index}.avro`;
  await opts.io.write(path, buf);
  const count = (s: EntryStatus) => opts.entries.filter((e) => e.status === s);
  const rows = (es: ManifestEntry[]) => es.reduce((n, e) => n + e.data_file.record_count, 0);
  const live = opts.entries.filter((e) => e.status !== EntryStatus.DELETED);
  // Explicit data sequence numbers of live entries; ADDED entries (null) inherit the commit's.
  const explicitMin = live.reduce<number | null>(
    (min, e) => (e.sequence_number === null ? min : min === null ? e.sequence_number : Math.min(min, e.sequence_number)),
    null,
  );
  return {
    manifest_path: path,
    manifest_length: buf.length,
    partition_spec_id: opts.spec['spec-id'],
    content: opts.content,
    // Placeholders resolved at list time: -1 means "the committing snapshot's sequence number".
    sequence_number: opts.sequenceNumber ?? -1,
    min_sequence_number: explicitMin ?? opts.sequenceNumber ?? -1,
    added_snapshot_id: opts.snapshotId,
    added_data_files_count: count(EntryStatus.ADDED).length,
    existing_data_files_count: count(EntryStatus.EXISTING).length,
    deleted_data_files_count: count(EntryStatus.DELETED).length,
    added_rows_count: rows(count(EntryStatus.ADDED)),
    existing_rows_count: rows(count(EntryStatus.EXISTING)),
    deleted_rows_count: rows(count(EntryStatus.DELETED)),
    partitions: partitionSummaries(opts.schema, opts.spec, live.map((e) => e.data_file)),
    key_metadata: null,
  };
}

/** A fresh id that names all files of one commit attempt. */
export const newCommitId = () => randomUUID();

export interface WriteManifestListOptions {
  io: FileIO;
  tableLocation: string;
  snapshotId: bigint;
  parentSnapshotId: bigint | undefined;
  sequenceNumber: number;
  manifests: readonly ManifestFile[];
  commitId: string;
  attempt: number;
}

/** Write the manifest list of a snapshot; unresolved manifest sequence numbers get this snapshot's. */
export async function writeManifestList(opts: WriteManifestListOptions): Promise<string> {
  const records = opts.manifests.map((m) => {
    const seq = m.sequence_number < 0 ? opts.sequenceNumber : m.sequence_number;
    const minSeq = m.min_sequence_number < 0 ? seq : m.min_sequence_number;
    return { ...m, sequence_number: seq, min_sequence_number: minSeq, key_metadata: m.key_metadata ?? null };
  });
  const buf = writeAvroContainer(MANIFEST_FILE_SCHEMA, records, {
    'snapshot-id': String(opts.snapshotId),
    'parent-snapshot-id': opts.parentSnapshotId === undefined ? 'null' : String(opts.parentSnapshotId),
    'sequence-number': String(opts.sequenceNumber),
    'format-version': '2',
  });
  const path = `${metadataDir(opts.tableLocation)}/snap-${opts.snapshotId}-${opts.attempt}-${opts.commitId}.avro`;
  await opts.io.write(path, buf);
  return path;
}

/** Index a record schema's fields by field-id, so files from any writer read the same. */
function fieldsById(schema: AvroRecordSchema): Map<number, AvroField> {
  return new Map(schema.fields.filter((f) => f['field-id'] !== undefined).map((f) => [Number(f['field-id']), f]));
}

function recordSchemaOf(type: unknown): AvroRecordSchema {
  const t = Array.isArray(type) ? type.find((x) => x !== 'null') : type;
  return t as AvroRecordSchema;
}

function pickById(record: Record<string, unknown>, byId: Map<number, AvroField>, ids: Record<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, id] of Object.entries(ids)) {
    const field = byId.get(id);
    out[name] = field ? record[field.name] ?? null : null;
  }
  return out;
}

const asBigInt = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as number | bigint));

/** Read a manifest list (any v2 writer; fields matched by id). */
export async function readManifestList(io: FileIO, uri: string): Promise<ManifestFile[]> {
  const container = await readAvroContainer(await io.read(uri), uri);
  const byId = fieldsById(container.schema);
  return container.records.map((r) => {
    const m = pickById(r, byId, MANIFEST_FILE_FIELD_IDS) as unknown as ManifestFile;
    m.added_snapshot_id = asBigInt(m.added_snapshot_id) as bigint;
    m.content = (m.content ?? ManifestContent.DATA) as ManifestContent;
    return m;
  });
}

export interface ReadManifestContext {
  io: FileIO;
  schema: Schema;
  specsById: Map<number, PartitionSpec>;
}

/** Read a manifest's entries with snapshot id and sequence numbers inherited from the list. */
export async function readManifest(ctx: ReadManifestContext, manifest: ManifestFile): Promise<LiveEntry[]> {
  const container = await readAvroContainer(await ctx.io.read(manifest.manifest_path), manifest.manifest_path);
  const entryById = fieldsById(container.schema);
  const dataFileField = entryById.get(2);
  if (!dataFileField) throw new Error(`${manifest.manifest_path}: manifest entries have no data_file (field-id 2)`);
  const dataFileSchema = recordSchemaOf(dataFileField.type);
  const dataFileById = fieldsById(dataFileSchema);
  const partitionSchema = recordSchemaOf(dataFileById.get(102)?.type);
  const partitionById = fieldsById(partitionSchema ?? { type: 'record', name: 'r102', fields: [] });
  const spec = ctx.specsById.get(manifest.partition_spec_id);
  if (!spec) throw new Error(`${manifest.manifest_path}: unknown partition spec id ${manifest.partition_spec_id}`);
  const partTypes = partitionFieldTypes(ctx.schema, spec);

  return container.records.map((r) => {
    const e = pickById(r, entryById, MANIFEST_ENTRY_FIELD_IDS);
    const df = pickById(e.data_file as Record<string, unknown>, dataFileById, DATA_FILE_FIELD_IDS) as unknown as DataFile;
    const rawPartition = (df.partition ?? {}) as Record<string, unknown>;
    const partition: Record<string, unknown> = {};
    for (const p of partTypes) {
      const field = partitionById.get(p.fieldId);
      partition[p.name] = fromAvroPartitionValue(p.type, field ? rawPartition[field.name] : null);
    }
    df.partition = partition;
    df.content = (df.content ?? 0) as DataFile['content'];
    const status = e.status as EntryStatus;
    // SPEC "Sequence Number Inheritance": null values are inherited only by ADDED entries.
    const inherit = status === EntryStatus.ADDED || manifest.sequence_number === 0;
    const seq = e.sequence_number ?? (inherit ? manifest.sequence_number : null);
    const fileSeq = e.file_sequence_number ?? (inherit ? manifest.sequence_number : null);
    if (seq === null || fileSeq === null) {
      throw new Error(`${manifest.manifest_path}: entry for ${df.file_path} (status ${status}) lacks sequence numbers`);
    }
    return {
      status,
      snapshot_id: asBigInt(e.snapshot_id) ?? manifest.added_snapshot_id,
      sequence_number: Number(seq),
      file_sequence_number: Number(fileSeq),
      data_file: df,
      partition_spec_id: manifest.partition_spec_id,
    };
  });
}

/** The distinct manifests the given snapshots list, by path (snapshots share most of their manifests). */
export async function distinctManifests(io: FileIO, snapshots: readonly Snapshot[]): Promise<Map<string, ManifestFile>> {
  const manifests = new Map<string, ManifestFile>();
  for (const s of snapshots) for (const mf of await readManifestList(io, s['manifest-list'])) manifests.set(mf.manifest_path, mf);
  return manifests;
}

/** A `readManifest` that reads each manifest at most once, for passes that meet the same manifest via several snapshots. */
export function cachedManifestReader(ctx: ReadManifestContext): (manifest: ManifestFile) => Promise<LiveEntry[]> {
  const entriesByPath = new Map<string, Promise<LiveEntry[]>>();
  return (manifest) => {
    let entries = entriesByPath.get(manifest.manifest_path);
    if (!entries) entriesByPath.set(manifest.manifest_path, (entries = readManifest(ctx, manifest)));
    return entries;
  };
}
