import { randomBytes, randomUUID } from 'node:crypto';
import type {
  IcebergType, MetadataLogEntry, NestedField, PartitionSpec, Schema, Snapshot, SnapshotLogEntry, SnapshotRef,
  SortOrder, TableMetadata,
} from './types';

/** A partition field before ids are assigned: a column name and a transform. */
export interface PartitionFieldRequest { column: string; transform: string; name?: string }
export interface SortFieldRequest { column: string; direction?: 'asc' | 'desc' }

export interface NewTableOptions {
  location: string;
  /** Field ids are chosen by the caller and stay fixed forever. */
  fields: NestedField[];
  partitionBy?: PartitionFieldRequest[];
  sortBy?: SortFieldRequest[];
  properties?: Record<string, string>;
  nowMs: number;
}

export const PARTITION_DATA_ID_START = 1000;
const DEFAULT_PREVIOUS_VERSIONS_MAX = 100;

function maxFieldId(type: IcebergType | { type: 'struct'; fields: NestedField[] }): number {
  if (typeof type === 'string') return 0;
  switch (type.type) {
    case 'struct': return Math.max(0, ...type.fields.map((f) => Math.max(f.id, maxFieldId(f.type))));
    case 'list': return Math.max(type['element-id'], maxFieldId(type.element));
    case 'map': return Math.max(type['key-id'], type['value-id'], maxFieldId(type.key), maxFieldId(type.value));
  }
}

/** The default partition field name Java and Spark use (`ts_day`, `id_bucket`, `name_trunc`). */
function defaultPartitionName(column: string, transform: string): string {
  if (transform === 'identity') return column;
  const bucket = /^bucket\[\d+\]$/.test(transform);
  const truncate = /^truncate\[\d+\]$/.test(transform);
  return `${column}_${bucket ? 'bucket' : truncate ? 'trunc' : transform}`;
}

/** Name mapping (SPEC "Name Mapping Serialization") so readers can use files without field ids. */
export function nameMapping(fields: NestedField[]): string {
  const map = (fs: NestedField[]): unknown[] =>
    fs.map((f) => {
      const entry: Record<string, unknown> = { 'field-id': f.id, names: [f.name] };
      if (typeof f.type !== 'string' && f.type.type === 'struct') entry.fields = map(f.type.fields);
      return entry;
    });
  return JSON.stringify(map(fields));
}

/** Metadata of a new, empty table (no snapshot: current-snapshot-id -1, as Java and Athena write). */
export function newTableMetadata(opts: NewTableOptions): TableMetadata {
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields: opts.fields };
  const columnId = (name: string) => {
    const f = opts.fields.find((x) => x.name === name);
    if (!f) throw new Error(`unknown column '${name}' (columns: ${opts.fields.map((x) => x.name).join(', ')})`);
    return f.id;
  };
  const spec: PartitionSpec = {
    'spec-id': 0,
    fields: (opts.partitionBy ?? []).map((p, i) => ({
      'source-id': columnId(p.column),
      'field-id': PARTITION_DATA_ID_START + i,
      name: p.name ?? defaultPartitionName(p.column, p.transform),
      transform: p.transform,
    })),
  };
  const sortOrder: SortOrder = opts.sortBy?.length
    ? {
        'order-id': 1,
        fields: opts.sortBy.map((s) => ({
          transform: 'identity', 'source-id': columnId(s.column), direction: s.direction ?? 'asc',
          'null-order': (s.direction ?? 'asc') === 'asc' ? 'nulls-first' : 'nulls-last',
        })),
      }
    : { 'order-id': 0, fields: [] };
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location: opts.location.replace(/\/+$/, ''),
    'last-sequence-number': 0,
    'last-updated-ms': opts.nowMs,
    'last-column-id': maxFieldId({ type: 'struct', fields: opts.fields }),
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [spec],
    'default-spec-id': 0,
    'last-partition-id': spec.fields.length ? PARTITION_DATA_ID_START + spec.fields.length - 1 : PARTITION_DATA_ID_START - 1,
    'sort-orders': sortOrder['order-id'] === 0 ? [sortOrder] : [{ 'order-id': 0, fields: [] }, sortOrder],
    'default-sort-order-id': sortOrder['order-id'],
    properties: {
      'write.format.default': 'PARQUET',
      'write.parquet.compression-codec': 'zstd',
      'schema.name-mapping.default': nameMapping(opts.fields),
      ...opts.properties,
    },
    'current-snapshot-id': -1n,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    refs: {},
    statistics: [],
  };
}

/** A random positive 63-bit snapshot id, as Java makes them (never timestamp-derived). */
export function newSnapshotId(existing: readonly Snapshot[]): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
    if (id !== 0n && !existing.some((s) => s['snapshot-id'] === id)) return id;
  }
}

export function currentSchema(m: TableMetadata): Schema {
  const s = m.schemas.find((x) => x['schema-id'] === m['current-schema-id']);
  if (!s) throw new Error(`table ${m.location}: no schema with current-schema-id ${m['current-schema-id']}`);
  return s;
}

export function defaultSpec(m: TableMetadata): PartitionSpec {
  const s = m['partition-specs'].find((x) => x['spec-id'] === m['default-spec-id']);
  if (!s) throw new Error(`table ${m.location}: no partition spec with id ${m['default-spec-id']}`);
  return s;
}

export function specsById(m: TableMetadata): Map<number, PartitionSpec> {
  return new Map(m['partition-specs'].map((s) => [s['spec-id'], s]));
}

export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  return m['current-snapshot-id'] === -1n ? undefined : snapshotById(m, m['current-snapshot-id']);
}

export function snapshotById(m: TableMetadata, id: bigint): Snapshot | undefined {
  return m.snapshots.find((s) => s['snapshot-id'] === id);
}

/**
 * Start the next metadata version: records the base file in metadata-log (trimmed to
 * write.metadata.previous-versions-max) and stamps last-updated-ms, keeping it monotonic.
 */
export function nextVersion(base: TableMetadata, baseLocation: string, nowMs: number): TableMetadata {
  const max = Number(base.properties['write.metadata.previous-versions-max'] ?? DEFAULT_PREVIOUS_VERSIONS_MAX);
  const log: MetadataLogEntry[] = [...base['metadata-log'], { 'timestamp-ms': base['last-updated-ms'], 'metadata-file': baseLocation }];
  return {
    ...base,
    'last-updated-ms': Math.max(nowMs, base['last-updated-ms']),
    'metadata-log': log.slice(Math.max(0, log.length - max)),
    snapshots: [...base.snapshots],
    'snapshot-log': [...base['snapshot-log']],
    refs: { ...base.refs },
  };
}

/** Add a snapshot and make it current on `main`. */
export function withNewSnapshot(m: TableMetadata, snapshot: Snapshot): TableMetadata {
  if (snapshot['sequence-number'] <= m['last-sequence-number']) {
    throw new Error(`snapshot sequence number ${snapshot['sequence-number']} must exceed ${m['last-sequence-number']}`);
  }
  const log: SnapshotLogEntry = { 'timestamp-ms': snapshot['timestamp-ms'], 'snapshot-id': snapshot['snapshot-id'] };
  return {
    ...m,
    snapshots: [...m.snapshots, snapshot],
    'last-sequence-number': snapshot['sequence-number'],
    'current-snapshot-id': snapshot['snapshot-id'],
    refs: { ...m.refs, main: { 'snapshot-id': snapshot['snapshot-id'], type: 'branch' } },
    'snapshot-log': [...m['snapshot-log'], log],
    'last-updated-ms': Math.max(m['last-updated-ms'], snapshot['timestamp-ms']),
  };
}

export interface RefOptions { type: 'tag' | 'branch'; maxRefAgeMs?: number }

/** Create or move a tag or branch. Moving `main` also moves the current snapshot (a rollback). */
export function withRef(m: TableMetadata, name: string, snapshotId: bigint, opts: RefOptions, nowMs: number): TableMetadata {
  if (!snapshotById(m, snapshotId)) throw new Error(`cannot point ref '${name}' at unknown snapshot ${snapshotId}`);
  if (name === 'main' && opts.type !== 'branch') throw new Error(`'main' is always a branch`);
  const ref: SnapshotRef = { 'snapshot-id': snapshotId, type: opts.type };
  if (opts.maxRefAgeMs !== undefined && name !== 'main') {
    if (!(opts.maxRefAgeMs > 0)) throw new Error(`max-ref-age-ms must be positive (got ${opts.maxRefAgeMs})`);
    ref['max-ref-age-ms'] = opts.maxRefAgeMs;
  }
  const out: TableMetadata = { ...m, refs: { ...m.refs, [name]: ref } };
  if (name === 'main' && m['current-snapshot-id'] !== snapshotId) {
    out['current-snapshot-id'] = snapshotId;
    out['snapshot-log'] = [...m['snapshot-log'], { 'timestamp-ms': nowMs, 'snapshot-id': snapshotId }];
  }
  return out;
}

/**
 * Add optional columns (schema evolution): a new current schema with the current fields and
 * `fields`, whose ids must be new (above last-column-id). Files written before read them as null.
 */
export function withAddedColumns(m: TableMetadata, fields: NestedField[]): TableMetadata {
  const current = currentSchema(m);
  for (const f of fields) {
    if (f.required) throw new Error(`table ${m.location}: cannot add required column '${f.name}' (earlier rows have no value)`);
    if (f.id <= m['last-column-id']) throw new Error(`table ${m.location}: new column '${f.name}' needs an id above last-column-id ${m['last-column-id']}, got ${f.id}`);
    if (current.fields.some((c) => c.name === f.name)) throw new Error(`table ${m.location}: column '${f.name}' exists already`);
  }
  const schema: Schema = { ...current, 'schema-id': Math.max(...m.schemas.map((x) => x['schema-id'])) + 1, fields: [...current.fields, ...fields] };
  return {
    ...m,
    schemas: [...m.schemas, schema],
    'current-schema-id': schema['schema-id'],
    'last-column-id': Math.max(m['last-column-id'], maxFieldId(schema)),
    properties: { ...m.properties, 'schema.name-mapping.default': nameMapping(schema.fields) },
  };
}

export function withoutRef(m: TableMetadata, name: string): TableMetadata {
  if (name === 'main') throw new Error(`the 'main' branch cannot be removed`);
  if (!m.refs[name]) throw new Error(`no ref named '${name}'`);
  const refs = { ...m.refs };
  delete refs[name];
  return { ...m, refs };
}
