/**
 * The pre-commit self-check of ICEBERG.md §8: everything a real reader (Java/Athena, Trino,
 * PyIceberg, DuckDB) would reject or misread in a table's metadata JSON, manifest lists, manifests
 * and data files. Each check returns plain problem strings naming the file and the offending
 * value, so a test failure says exactly what is wrong.
 */
import { sqlString } from '../engine/sql-quote';
import { readAvroContainer, type AvroContainer, type AvroField } from './avro';
import { NotFoundError, type FileIO } from './file-io';
import { parseJsonLossless, parseTableMetadata } from './metadata-json';
import type { PartitionSpec, Snapshot, TableMetadata } from './types';

export interface ValidateOptions {
  /**
   * true (default) for tables our writer produced: also require what Java/Athena do not always
   * write but we always must (manifest `schema-id` header, snapshot `schema-id`,
   * `current-snapshot-id` present, Parquet field ids on every column, no v1-only keys).
   * Use false for tables written by other engines.
   */
  strictWriter?: boolean;
  /** The URI of the metadata file being checked: it must not appear in its own metadata-log. */
  metadataLocation?: string;
}

/** The one query method the Parquet checks need; DuckDbSession satisfies it. */
export interface SqlQuerySession {
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

export interface ValidateFilesOptions extends ValidateOptions {
  /** When given, Parquet field ids and row counts of live files are checked with DuckDB. */
  duckdb?: SqlQuerySession;
  /** Local path DuckDB can open for a file URI (default: file:// URIs only; others are skipped). */
  localPath?: (uri: string) => string | undefined;
}

/** A table that failed the self-check; `problems` lists every finding. */
export class InvalidTableError extends Error {
  override readonly name = 'InvalidTableError';
  constructor(readonly metadataLocation: string, readonly problems: readonly string[]) {
    super(`${metadataLocation}: ${problems.length} Iceberg problem(s):\n- ${problems.join('\n- ')}`);
  }
}

type Json = unknown;
type JsonObject = Record<string, Json>;

const OPERATIONS = new Set(['append', 'replace', 'overwrite', 'delete']);
const SUMMARY_TOTALS = [
  'total-records', 'total-files-size', 'total-data-files', 'total-delete-files', 'total-position-deletes', 'total-equality-deletes',
];
/** J-TP RESERVED_PROPERTIES. */
const RESERVED_PROPERTIES = new Set([
  'format-version', 'uuid', 'snapshot-count', 'current-snapshot-id', 'current-snapshot-summary',
  'current-snapshot-timestamp-ms', 'current-schema', 'default-partition-spec', 'default-sort-order',
]);
/** Java tolerates this much clock skew between log entries and last-updated-ms (J-TM). */
const ONE_MINUTE_MS = 60_000;
const PARTITION_DATA_ID_START = 1000;
/** Reserved field ids of position delete files (file_path, pos, row). */
const POSITION_DELETE_IDS = new Set([2147483546, 2147483545, 2147483544]);

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: Json): v is number | bigint => typeof v === 'bigint' || Number.isInteger(v);
const show = (v: Json): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
const big = (v: Json): bigint | undefined => (isInt(v) ? BigInt(v) : undefined);

/** Highest field id in an Iceberg type (nested list/map/struct ids included). */
function maxFieldId(type: Json): number {
  if (!isObject(type)) return 0;
  if (type.type === 'struct' && Array.isArray(type.fields)) {
    return Math.max(0, ...type.fields.map((f) => (isObject(f) ? Math.max(Number(f.id ?? 0), maxFieldId(f.type)) : 0)));
  }
  if (type.type === 'list') return Math.max(Number(type['element-id'] ?? 0), maxFieldId(type.element));
  if (type.type === 'map') {
    return Math.max(Number(type['key-id'] ?? 0), Number(type['value-id'] ?? 0), maxFieldId(type.key), maxFieldId(type.value));
  }
  return 0;
}

/** Problems in one table metadata JSON document (ICEBERG.md §1 and §8 "JSON"). */
export function validateMetadataText(jsonText: string, options: ValidateOptions = {}): string[] {
  const strict = options.strictWriter ?? true;
  let raw: Json;
  try {
    raw = parseJsonLossless(jsonText);
  } catch (err) {
    return [`metadata is not valid JSON: ${(err as Error).message}`];
  }
  if (!isObject(raw)) return ['metadata is not a JSON object'];
  const m = raw;
  const problems: string[] = [];
  const add = (p: string) => problems.push(p);

  const requireInt = (where: string, v: Json, required = true) => {
    if (v === undefined) {
      if (required) add(`${where} is missing`);
      return;
    }
    if (!isInt(v)) add(`${where} must be a JSON integer, got ${show(v)}`);
  };

  // Required v2 fields (§1.1).
  if (m['format-version'] !== 2) add(`format-version must be the integer 2, got ${show(m['format-version'])}`);
  if (typeof m['table-uuid'] !== 'string') add(`table-uuid must be a string, got ${show(m['table-uuid'])}`);
  if (typeof m.location !== 'string') add(`location must be a string, got ${show(m.location)}`);
  else if (m.location.endsWith('/')) add(`location must not end with '/': ${m.location}`);
  for (const key of ['last-sequence-number', 'last-updated-ms', 'last-column-id', 'current-schema-id', 'default-spec-id', 'last-partition-id', 'default-sort-order-id']) {
    requireInt(key, m[key]);
  }
  if (strict) {
    for (const key of ['schema', 'partition-spec']) if (key in m) add(`v1-only field '${key}' must be omitted in v2 metadata`);
  }

  // Schemas.
  const schemas = Array.isArray(m.schemas) ? m.schemas.filter(isObject) : [];
  if (!Array.isArray(m.schemas) || schemas.length === 0) add('schemas must be a non-empty list');
  const schemaIds = new Set<number>();
  const allFieldIds = new Set<number>();
  let maxColumnId = 0;
  for (const s of schemas) {
    requireInt(`schema ${show(s['schema-id'])}: schema-id`, s['schema-id']);
    if (s.type !== 'struct') add(`schema ${show(s['schema-id'])}: type must be "struct", got ${show(s.type)}`);
    schemaIds.add(Number(s['schema-id']));
    maxColumnId = Math.max(maxColumnId, maxFieldId({ type: 'struct', fields: s.fields }));
    const seen = new Set<number>();
    for (const f of Array.isArray(s.fields) ? s.fields.filter(isObject) : []) {
      if (!isInt(f.id)) add(`schema ${show(s['schema-id'])}: field ${show(f.name)} id must be a JSON integer, got ${show(f.id)}`);
      if (seen.has(Number(f.id))) add(`schema ${show(s['schema-id'])}: field id ${show(f.id)} is used twice`);
      seen.add(Number(f.id));
      allFieldIds.add(Number(f.id));
    }
  }
  if (isInt(m['current-schema-id']) && !schemaIds.has(Number(m['current-schema-id']))) {
    add(`current-schema-id ${show(m['current-schema-id'])} names no schema (schemas: ${[...schemaIds].join(', ')})`);
  }
  if (isInt(m['last-column-id']) && Number(m['last-column-id']) < maxColumnId) {
    add(`last-column-id ${show(m['last-column-id'])} is below the highest field id ${maxColumnId}`);
  }

  // Partition specs.
  const specs = Array.isArray(m['partition-specs']) ? m['partition-specs'].filter(isObject) : [];
  if (!Array.isArray(m['partition-specs']) || specs.length === 0) add('partition-specs must be a non-empty list');
  const specIds = new Set<number>();
  const partitionFieldById = new Map<number, string>();
  let maxPartitionId = PARTITION_DATA_ID_START - 1;
  for (const spec of specs) {
    const sid = show(spec['spec-id']);
    requireInt(`partition spec ${sid}: spec-id`, spec['spec-id']);
    specIds.add(Number(spec['spec-id']));
    if (!Array.isArray(spec.fields)) {
      add(`partition spec ${sid}: fields must be a list`);
      continue;
    }
    const seen = new Set<number>();
    for (const pf of spec.fields.filter(isObject)) {
      const id = pf['field-id'];
      if (!isInt(id)) {
        add(`partition spec ${sid}: field ${show(pf.name)} field-id must be a JSON integer, got ${show(id)}`);
        continue;
      }
      const n = Number(id);
      if (n < PARTITION_DATA_ID_START) add(`partition spec ${sid}: field ${show(pf.name)} field-id ${n} is below ${PARTITION_DATA_ID_START}`);
      if (seen.has(n)) add(`partition spec ${sid}: partition field id ${n} is used twice`);
      seen.add(n);
      maxPartitionId = Math.max(maxPartitionId, n);
      // The same id in two specs must be the same field (ids are reused only for equivalent fields).
      const identity = `${show(pf['source-id'])}:${show(pf.transform)}`;
      const earlier = partitionFieldById.get(n);
      if (earlier !== undefined && earlier !== identity) {
        add(`partition field id ${n} means ${earlier} in one spec and ${identity} in spec ${sid}`);
      }
      partitionFieldById.set(n, identity);
      if (!allFieldIds.has(Number(pf['source-id']))) {
        add(`partition spec ${sid}: field ${show(pf.name)} source-id ${show(pf['source-id'])} is no schema field`);
      }
    }
  }
  if (isInt(m['default-spec-id']) && !specIds.has(Number(m['default-spec-id']))) {
    add(`default-spec-id ${show(m['default-spec-id'])} names no partition spec`);
  }
  if (isInt(m['last-partition-id']) && Number(m['last-partition-id']) < maxPartitionId) {
    add(`last-partition-id ${show(m['last-partition-id'])} is below ${maxPartitionId} (highest partition field id, 999 when none)`);
  }

  // Sort orders.
  const orders = Array.isArray(m['sort-orders']) ? m['sort-orders'].filter(isObject) : [];
  if (!Array.isArray(m['sort-orders']) || orders.length === 0) add('sort-orders must be a non-empty list');
  if (isInt(m['default-sort-order-id']) && !orders.some((o) => Number(o['order-id']) === Number(m['default-sort-order-id']))) {
    add(`default-sort-order-id ${show(m['default-sort-order-id'])} names no sort order`);
  }

  // Properties: string → string, no reserved keys.
  if (m.properties !== undefined) {
    if (!isObject(m.properties)) add(`properties must be an object, got ${show(m.properties)}`);
    else {
      for (const [k, v] of Object.entries(m.properties)) {
        if (typeof v !== 'string') add(`property '${k}' must be a JSON string, got ${show(v)}`);
        if (RESERVED_PROPERTIES.has(k)) add(`property '${k}' is reserved and must not be stored in properties`);
      }
    }
  }

  // Snapshots.
  const lastSeq = big(m['last-sequence-number']);
  const snapshots = Array.isArray(m.snapshots) ? m.snapshots.filter(isObject) : [];
  if (m.snapshots !== undefined && !Array.isArray(m.snapshots)) add('snapshots must be a list');
  const snapshotById = new Map<bigint, JsonObject>();
  for (const s of snapshots) {
    const sid = show(s['snapshot-id']);
    const where = `snapshot ${sid}`;
    if (!isInt(s['snapshot-id'])) {
      add(`${where}: snapshot-id must be a JSON integer, got ${sid}`);
      continue;
    }
    const id = BigInt(s['snapshot-id']);
    if (snapshotById.has(id)) add(`${where}: snapshot id is used twice`);
    snapshotById.set(id, s);
    if (s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null) {
      requireInt(`${where}: parent-snapshot-id`, s['parent-snapshot-id']);
      if (big(s['parent-snapshot-id']) === -1n) add(`${where}: parent-snapshot-id is -1 (omit it for the first snapshot)`);
    }
    requireInt(`${where}: sequence-number`, s['sequence-number']);
    requireInt(`${where}: timestamp-ms`, s['timestamp-ms']);
    requireInt(`${where}: schema-id`, s['schema-id'], strict);
    if (isInt(s['schema-id']) && !schemaIds.has(Number(s['schema-id']))) add(`${where}: schema-id ${show(s['schema-id'])} names no schema`);
    const seq = big(s['sequence-number']);
    if (seq !== undefined && lastSeq !== undefined && seq > lastSeq) {
      add(`${where}: sequence-number ${seq} is greater than last-sequence-number ${lastSeq}`);
    }
    if (typeof s['manifest-list'] !== 'string') add(`${where}: manifest-list must be a string, got ${show(s['manifest-list'])}`);
    problems.push(...validateSummary(where, s.summary));
  }
  // Sequence numbers strictly increase from parent to child.
  for (const [id, s] of snapshotById) {
    const parentId = big(s['parent-snapshot-id']);
    const parent = parentId === undefined ? undefined : snapshotById.get(parentId);
    if (!parent) continue;
    const seq = big(s['sequence-number']);
    const parentSeq = big(parent['sequence-number']);
    if (seq !== undefined && parentSeq !== undefined && seq <= parentSeq) {
      add(`snapshot ${id}: sequence-number ${seq} is not greater than its parent ${parentId}'s ${parentSeq}`);
    }
  }

  // Current snapshot and refs.
  const refs = isObject(m.refs) ? m.refs : undefined;
  if (m.refs !== undefined && !refs) add(`refs must be an object, got ${show(m.refs)}`);
  const current = m['current-snapshot-id'];
  if (current === undefined || current === null) {
    if (strict) add('current-snapshot-id is missing (write -1 for a table without snapshots)');
  } else if (!isInt(current)) {
    add(`current-snapshot-id must be a JSON integer, got ${show(current)}`);
  }
  const currentId = big(current) ?? -1n;
  const main = refs && isObject(refs.main) ? refs.main : undefined;
  if (currentId !== -1n) {
    if (!snapshotById.has(currentId)) add(`current-snapshot-id ${currentId} is not in snapshots`);
    if (main && big(main['snapshot-id']) !== currentId) {
      add(`current-snapshot-id ${currentId} does not match refs.main.snapshot-id ${show(main['snapshot-id'])}`);
    }
    if (!main && strict) add(`refs.main is missing while current-snapshot-id is ${currentId}`);
  } else if (main) {
    add(`refs.main points at ${show(main['snapshot-id'])} but current-snapshot-id is -1`);
  }
  for (const [name, ref] of Object.entries(refs ?? {})) {
    if (!isObject(ref)) {
      add(`ref '${name}' must be an object`);
      continue;
    }
    if (!isInt(ref['snapshot-id'])) add(`ref '${name}': snapshot-id must be a JSON integer, got ${show(ref['snapshot-id'])}`);
    else if (!snapshotById.has(BigInt(ref['snapshot-id']))) add(`ref '${name}' points at snapshot ${show(ref['snapshot-id'])}, which does not exist`);
    if (ref.type !== 'branch' && ref.type !== 'tag') add(`ref '${name}': type must be "branch" or "tag", got ${show(ref.type)}`);
    if (name === 'main' && ref.type !== 'branch') add(`ref 'main' must be a branch`);
    if (name === 'main' && ref['max-ref-age-ms'] !== undefined) add(`ref 'main' must not have max-ref-age-ms`);
    if (ref.type === 'tag') {
      for (const k of ['min-snapshots-to-keep', 'max-snapshot-age-ms']) if (k in ref) add(`tag '${name}' must not have ${k} (branch-only)`);
    }
    for (const k of ['min-snapshots-to-keep', 'max-snapshot-age-ms', 'max-ref-age-ms']) {
      if (ref[k] !== undefined && !(isInt(ref[k]) && Number(ref[k]) > 0)) add(`ref '${name}': ${k} must be a positive integer, got ${show(ref[k])}`);
    }
  }

  // Logs.
  const snapshotLog = Array.isArray(m['snapshot-log']) ? m['snapshot-log'].filter(isObject) : [];
  snapshotLog.forEach((e, i) => {
    requireInt(`snapshot-log[${i}].snapshot-id`, e['snapshot-id']);
    requireInt(`snapshot-log[${i}].timestamp-ms`, e['timestamp-ms']);
    if (i > 0 && Number(e['timestamp-ms']) < Number(snapshotLog[i - 1]['timestamp-ms'])) {
      add(`snapshot-log is not sorted: entry ${i} (${show(e['timestamp-ms'])}) is before entry ${i - 1} (${show(snapshotLog[i - 1]['timestamp-ms'])})`);
    }
  });
  const lastLog = snapshotLog.at(-1);
  if (currentId !== -1n && lastLog && big(lastLog['snapshot-id']) !== currentId) {
    add(`the last snapshot-log entry is ${show(lastLog['snapshot-id'])}, not the current snapshot ${currentId}`);
  }
  if (currentId !== -1n && !lastLog && strict) add(`snapshot-log is empty while current-snapshot-id is ${currentId}`);
  const metadataLog = Array.isArray(m['metadata-log']) ? m['metadata-log'].filter(isObject) : [];
  metadataLog.forEach((e, i) => {
    requireInt(`metadata-log[${i}].timestamp-ms`, e['timestamp-ms']);
    if (typeof e['metadata-file'] !== 'string') add(`metadata-log[${i}].metadata-file must be a string`);
    if (i > 0 && Number(e['timestamp-ms']) < Number(metadataLog[i - 1]['timestamp-ms'])) {
      add(`metadata-log is not sorted: entry ${i} (${show(e['timestamp-ms'])}) is before entry ${i - 1}`);
    }
    if (options.metadataLocation && e['metadata-file'] === options.metadataLocation) {
      add(`metadata-log lists the current metadata file ${options.metadataLocation}`);
    }
  });
  const lastUpdated = Number(m['last-updated-ms']);
  for (const [log, last] of [['snapshot-log', lastLog], ['metadata-log', metadataLog.at(-1)]] as const) {
    if (last && isInt(m['last-updated-ms']) && lastUpdated < Number(last['timestamp-ms']) - ONE_MINUTE_MS) {
      add(`last-updated-ms ${lastUpdated} is more than a minute before the last ${log} entry (${show(last['timestamp-ms'])})`);
    }
  }
  return problems;
}

/** Problems in one snapshot summary: operation, string values, totals. */
function validateSummary(where: string, summary: Json): string[] {
  if (!isObject(summary)) return [`${where}: summary must be an object, got ${show(summary)}`];
  const problems: string[] = [];
  if (!OPERATIONS.has(summary.operation as string)) {
    problems.push(`${where}: summary operation must be one of ${[...OPERATIONS].join('/')}, got ${show(summary.operation)}`);
  }
  for (const [k, v] of Object.entries(summary)) {
    if (typeof v !== 'string') problems.push(`${where}: summary value '${k}' must be a JSON string, got ${show(v)}`);
  }
  const missing = SUMMARY_TOTALS.filter((k) => !(k in summary));
  if (missing.length) problems.push(`${where}: summary lacks ${missing.join(', ')}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Files: manifest lists, manifests, data files.

/** Field-ids missing in a raw Avro writer schema (every record field, every non-map array, every map). */
export function missingAvroIds(schema: unknown, path = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((branch) => missingAvroIds(branch, path));
  if (!isObject(schema)) return [];
  const problems: string[] = [];
  if (schema.type === 'record' && Array.isArray(schema.fields)) {
    for (const f of schema.fields.filter(isObject)) {
      const p = path ? `${path}.${String(f.name)}` : String(f.name);
      if (!isInt(f['field-id'])) problems.push(`field '${p}' has no field-id`);
      problems.push(...missingAvroIds(f.type, p));
    }
  } else if (schema.type === 'array') {
    // Maps with non-string keys are arrays of k/v records (logicalType map): the ids sit on key/value.
    if (schema.logicalType !== 'map' && !isInt(schema['element-id'])) problems.push(`array '${path}' has no element-id`);
    problems.push(...missingAvroIds(schema.items, `${path}[]`));
  } else if (schema.type === 'map') {
    if (!isInt(schema['key-id']) || !isInt(schema['value-id'])) problems.push(`map '${path}' lacks key-id/value-id`);
    problems.push(...missingAvroIds(schema.values, `${path}{}`));
  }
  return problems;
}

const fieldsOf = (type: unknown): AvroField[] => {
  const t = Array.isArray(type) ? type.find((x) => x !== 'null') : type;
  return isObject(t) && Array.isArray(t.fields) ? (t.fields as AvroField[]) : [];
};

/** Record values by field-id (the names differ between writers, the ids do not). */
function valuesById(record: Record<string, unknown>, fields: AvroField[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const f of fields) if (isInt(f['field-id'] as Json)) out.set(Number(f['field-id']), record[f.name]);
  return out;
}

interface FileCheckContext {
  io: FileIO;
  metadata: TableMetadata;
  options: ValidateFilesOptions;
  problems: string[];
  containers: Map<string, Promise<AvroContainer | undefined>>;
  sizes: Map<string, Promise<number | undefined>>;
  checkedManifests: Set<string>;
  checkedFiles: Set<string>;
  /** Live files to inspect with DuckDB: uri → expected record count and content. */
  parquetFiles: Map<string, { records: number; content: number }>;
}

function readContainer(ctx: FileCheckContext, uri: string, what: string): Promise<AvroContainer | undefined> {
  let p = ctx.containers.get(uri);
  if (!p) {
    p = ctx.io.read(uri).then(
      (buf) => readAvroContainer(buf, uri),
      (err: unknown) => {
        ctx.problems.push(err instanceof NotFoundError ? `${what} ${uri} does not exist` : `${what} ${uri} cannot be read: ${String(err)}`);
        return undefined;
      },
    ).catch((err: unknown) => {
      ctx.problems.push(`${what} ${uri} is not a readable Avro file: ${String(err)}`);
      return undefined;
    });
    ctx.containers.set(uri, p);
  }
  return p;
}

function sizeOf(ctx: FileCheckContext, uri: string): Promise<number | undefined> {
  let p = ctx.sizes.get(uri);
  if (!p) {
    p = ctx.io.size(uri).catch(() => undefined);
    ctx.sizes.set(uri, p);
  }
  return p;
}

/** A manifest-list record with our field names, read by id. */
interface ListEntry {
  path: string; length: number; specId: number; content: number; sequenceNumber: number; minSequenceNumber: number;
  added: number; existing: number; deleted: number; addedRows: number; existingRows: number; deletedRows: number;
}

function listEntry(record: Record<string, unknown>, fields: AvroField[]): ListEntry {
  const v = valuesById(record, fields);
  const n = (id: number) => Number(v.get(id) ?? NaN);
  return {
    path: String(v.get(500)), length: n(501), specId: n(502), content: Number(v.get(517) ?? 0), sequenceNumber: n(515),
    minSequenceNumber: n(516), added: n(504), existing: n(505), deleted: n(506), addedRows: n(512), existingRows: n(513), deletedRows: n(514),
  };
}

async function validateSnapshotFiles(ctx: FileCheckContext, snapshot: Snapshot): Promise<void> {
  const { problems } = ctx;
  const listUri = snapshot['manifest-list'];
  const where = `snapshot ${snapshot['snapshot-id']} manifest list ${listUri}`;
  const list = await readContainer(ctx, listUri, `snapshot ${snapshot['snapshot-id']}: manifest list`);
  if (!list) return;
  const h = list.metadata;
  if (h['snapshot-id'] !== String(snapshot['snapshot-id'])) problems.push(`${where}: header snapshot-id is ${show(h['snapshot-id'])}, expected "${snapshot['snapshot-id']}"`);
  const parent = snapshot['parent-snapshot-id'] === undefined ? 'null' : String(snapshot['parent-snapshot-id']);
  if (h['parent-snapshot-id'] !== parent) problems.push(`${where}: header parent-snapshot-id is ${show(h['parent-snapshot-id'])}, expected "${parent}"`);
  if (h['sequence-number'] !== String(snapshot['sequence-number'])) {
    problems.push(`${where}: header sequence-number is ${show(h['sequence-number'])}, expected "${snapshot['sequence-number']}"`);
  }
  if (h['format-version'] !== '2') problems.push(`${where}: header format-version is ${show(h['format-version'])}, expected "2"`);
  if (!ctx.checkedManifests.has(listUri)) {
    problems.push(...missingAvroIds(list.schema).map((p) => `${where}: ${p}`));
    ctx.checkedManifests.add(listUri);
  }

  const livePaths = new Map<string, string>();
  for (const record of list.records) {
    const mf = listEntry(record, list.schema.fields);
    if (mf.sequenceNumber > snapshot['sequence-number']) {
      problems.push(`${where}: manifest ${mf.path} has sequence_number ${mf.sequenceNumber} above the snapshot's ${snapshot['sequence-number']}`);
    }
    if (mf.minSequenceNumber > mf.sequenceNumber) {
      problems.push(`${where}: manifest ${mf.path} has min_sequence_number ${mf.minSequenceNumber} above its sequence_number ${mf.sequenceNumber}`);
    }
    const entries = await validateManifest(ctx, mf, where);
    for (const e of entries) {
      if (e.status === 2) continue;
      const seen = livePaths.get(e.path);
      if (seen) problems.push(`snapshot ${snapshot['snapshot-id']}: live file ${e.path} is listed twice (in ${seen} and ${mf.path})`);
      livePaths.set(e.path, mf.path);
      await validateLiveFile(ctx, e);
    }
  }
}

interface EntryInfo { status: number; path: string; size: number; records: number; content: number; seq: unknown; fileSeq: unknown }

/** Header, schema, counts and entries of one manifest as its manifest-list record describes it. */
async function validateManifest(ctx: FileCheckContext, mf: ListEntry, listWhere: string): Promise<EntryInfo[]> {
  const { problems, metadata } = ctx;
  const strict = ctx.options.strictWriter ?? true;
  const where = `manifest ${mf.path}`;
  const [container, size] = await Promise.all([readContainer(ctx, mf.path, `${listWhere}: manifest`), sizeOf(ctx, mf.path)]);
  if (!container) return [];
  // Everything below depends only on the list record and the file; check each pairing once.
  const key = `${mf.path}#${mf.length}#${mf.content}#${mf.specId}#${mf.added}/${mf.existing}/${mf.deleted}`;
  const entryFields = container.schema.fields;
  const dataFileFields = fieldsOf(entryFields.find((f) => f['field-id'] === 2)?.type);
  const entries: EntryInfo[] = container.records.map((r) => {
    const e = valuesById(r, entryFields);
    const df = valuesById((e.get(2) ?? {}) as Record<string, unknown>, dataFileFields);
    return {
      status: Number(e.get(0)), path: String(df.get(100)), size: Number(df.get(104)), records: Number(df.get(103)),
      content: Number(df.get(134) ?? 0), seq: e.get(3), fileSeq: e.get(4),
    };
  });
  if (ctx.checkedManifests.has(key)) return entries;
  ctx.checkedManifests.add(key);

  if (size !== undefined && size !== mf.length) problems.push(`${where}: manifest_length ${mf.length} in ${listWhere} but the file has ${size} bytes`);
  if (!ctx.checkedManifests.has(mf.path)) {
    ctx.checkedManifests.add(mf.path);
    problems.push(...missingAvroIds(container.schema).map((p) => `${where}: ${p}`));
  }

  // Header (§2.4).
  const h = container.metadata;
  let headerSchema: Json;
  try {
    headerSchema = h.schema === undefined ? undefined : parseJsonLossless(h.schema);
  } catch {
    headerSchema = h.schema;
  }
  if (h.schema === undefined) problems.push(`${where}: header has no 'schema'`);
  else if (!isObject(headerSchema) || headerSchema.type !== 'struct' || !Array.isArray(headerSchema.fields)) {
    problems.push(`${where}: header 'schema' is not an Iceberg table schema (struct with fields): ${h.schema.slice(0, 120)}`);
  }
  if (h['schema-id'] === undefined) {
    if (strict) problems.push(`${where}: header has no 'schema-id'`);
  } else if (!metadata.schemas.some((s) => String(s['schema-id']) === h['schema-id'])) {
    problems.push(`${where}: header schema-id ${h['schema-id']} names no schema of the table`);
  }
  const spec: PartitionSpec | undefined = metadata['partition-specs'].find((s) => s['spec-id'] === mf.specId);
  if (!spec) problems.push(`${where}: partition_spec_id ${mf.specId} names no partition spec of the table`);
  if (h['partition-spec-id'] !== String(mf.specId)) {
    problems.push(`${where}: header partition-spec-id is ${show(h['partition-spec-id'])}, the manifest list says ${mf.specId}`);
  }
  let headerSpec: Json;
  try {
    headerSpec = h['partition-spec'] === undefined ? undefined : parseJsonLossless(h['partition-spec']);
  } catch {
    headerSpec = h['partition-spec'];
  }
  if (h['partition-spec'] === undefined) problems.push(`${where}: header has no 'partition-spec'`);
  else if (!Array.isArray(headerSpec)) {
    problems.push(`${where}: header 'partition-spec' must be the JSON array of partition fields, got ${h['partition-spec'].slice(0, 120)}`);
  } else if (spec) {
    const ids = headerSpec.map((f) => (isObject(f) ? Number(f['field-id']) : NaN)).join(',');
    const expected = spec.fields.map((f) => f['field-id']).join(',');
    if (ids !== expected) problems.push(`${where}: header 'partition-spec' field ids [${ids}] differ from spec ${spec['spec-id']}'s [${expected}]`);
  }
  if (h['format-version'] !== '2') problems.push(`${where}: header format-version is ${show(h['format-version'])}, expected "2"`);
  const expectedContent = mf.content === 1 ? 'deletes' : 'data';
  if (h.content !== 'data' && h.content !== 'deletes') problems.push(`${where}: header content must be "data" or "deletes", got ${show(h.content)}`);
  else if (h.content !== expectedContent) problems.push(`${where}: header content is "${h.content}" but the manifest list says content ${mf.content}`);

  // Partition struct ids == spec field ids, in order.
  if (spec) {
    const partitionFields = fieldsOf(dataFileFields.find((f) => f['field-id'] === 102)?.type);
    const ids = partitionFields.map((f) => f['field-id']).join(',');
    const expected = spec.fields.map((f) => f['field-id']).join(',');
    if (ids !== expected) problems.push(`${where}: partition struct field ids [${ids}] differ from spec ${spec['spec-id']}'s [${expected}]`);
  }

  // Counts by status, sequence numbers, content per entry.
  const byStatus = (s: number) => entries.filter((e) => e.status === s);
  const rows = (es: EntryInfo[]) => es.reduce((n, e) => n + e.records, 0);
  const counts: [string, number, number][] = [
    ['added_data_files_count', mf.added, byStatus(1).length],
    ['existing_data_files_count', mf.existing, byStatus(0).length],
    ['deleted_data_files_count', mf.deleted, byStatus(2).length],
    ['added_rows_count', mf.addedRows, rows(byStatus(1))],
    ['existing_rows_count', mf.existingRows, rows(byStatus(0))],
    ['deleted_rows_count', mf.deletedRows, rows(byStatus(2))],
  ];
  for (const [name, listed, actual] of counts) {
    if (listed !== actual) problems.push(`${where}: ${name} is ${listed} in ${listWhere} but the manifest has ${actual}`);
  }
  for (const e of entries) {
    if (![0, 1, 2].includes(e.status)) problems.push(`${where}: entry ${e.path} has invalid status ${e.status}`);
    if (e.status !== 1 && (e.seq === null || e.seq === undefined || e.fileSeq === null || e.fileSeq === undefined)) {
      problems.push(`${where}: entry ${e.path} has status ${e.status} but null sequence_number/file_sequence_number (only ADDED entries inherit)`);
    }
    const dataManifest = mf.content === 0;
    if (dataManifest ? e.content !== 0 : e.content !== 1 && e.content !== 2) {
      problems.push(`${where}: entry ${e.path} has content ${e.content} in a ${expectedContent} manifest`);
    }
  }
  return entries;
}

async function validateLiveFile(ctx: FileCheckContext, e: EntryInfo): Promise<void> {
  if (ctx.checkedFiles.has(e.path)) return;
  ctx.checkedFiles.add(e.path);
  const size = await sizeOf(ctx, e.path);
  if (size === undefined) ctx.problems.push(`live file ${e.path} does not exist`);
  else if (size !== e.size) ctx.problems.push(`live file ${e.path}: file_size_in_bytes ${e.size} but the file has ${size} bytes`);
  else ctx.parquetFiles.set(e.path, { records: e.records, content: e.content });
}

const fileUriToPath = (uri: string) => (uri.startsWith('file://') ? decodeURIComponent(new URL(uri).pathname) : undefined);

/** Parquet field ids (top-level and leaves) are table field ids, and record_count == num_rows. */
async function validateParquetFiles(ctx: FileCheckContext, duckdb: SqlQuerySession): Promise<void> {
  const strict = ctx.options.strictWriter ?? true;
  const resolve = ctx.options.localPath ?? fileUriToPath;
  const localToUri = new Map<string, string>();
  for (const uri of ctx.parquetFiles.keys()) {
    const local = resolve(uri);
    if (local !== undefined) localToUri.set(local, uri);
  }
  if (localToUri.size === 0) return;
  const list = `[${[...localToUri.keys()].map(sqlString).join(', ')}]`;
  const tableIds = new Set<number>();
  const collect = (type: unknown): void => {
    if (!isObject(type)) return;
    if (type.type === 'struct') for (const f of type.fields as JsonObject[]) { tableIds.add(Number(f.id)); collect(f.type); }
    if (type.type === 'list') { tableIds.add(Number(type['element-id'])); collect(type.element); }
    if (type.type === 'map') { tableIds.add(Number(type['key-id'])); tableIds.add(Number(type['value-id'])); collect(type.key); collect(type.value); }
  };
  for (const s of ctx.metadata.schemas) collect(s as unknown as JsonObject);

  const counts = await duckdb.all<{ file_name: string; num_rows: bigint | number }>(
    `SELECT file_name, num_rows FROM parquet_file_metadata(${list})`,
  );
  for (const row of counts) {
    const uri = localToUri.get(row.file_name) ?? row.file_name;
    const expected = ctx.parquetFiles.get(uri)?.records;
    if (expected !== undefined && Number(row.num_rows) !== expected) {
      ctx.problems.push(`live file ${uri}: record_count ${expected} but the Parquet file has ${row.num_rows} rows`);
    }
  }
  const elements = await duckdb.all<{ file_name: string; name: string; field_id: number | bigint | null; num_children: bigint | number | null; repetition_type: string | null }>(
    `SELECT file_name, name, field_id, num_children, repetition_type FROM parquet_schema(${list})`,
  );
  // Rows come depth-first per file; the first row of a file is its root.
  let currentFile = '';
  for (const el of elements) {
    if (el.file_name !== currentFile) { currentFile = el.file_name; continue; }
    const uri = localToUri.get(el.file_name) ?? el.file_name;
    const isLeaf = !el.num_children || Number(el.num_children) === 0;
    // Repeated groups inside LIST/MAP (`list`, `key_value`) carry no id by design.
    if (!isLeaf && el.repetition_type === 'REPEATED') continue;
    const content = ctx.parquetFiles.get(uri)?.content ?? 0;
    if (el.field_id === null || el.field_id === undefined) {
      if (strict) ctx.problems.push(`live file ${uri}: Parquet column '${el.name}' has no field id`);
      continue;
    }
    const id = Number(el.field_id);
    const known = content === 1 ? POSITION_DELETE_IDS.has(id) || tableIds.has(id) : tableIds.has(id);
    if (!known) ctx.problems.push(`live file ${uri}: Parquet column '${el.name}' has field id ${el.field_id}, which no table schema has`);
  }
}

/** Problems in the manifest lists, manifests and live files of every snapshot (ICEBERG.md §8 "Avro", "Files"). */
export async function validateTableFiles(
  io: FileIO, metadata: TableMetadata, metadataLocation?: string, options: ValidateFilesOptions = {},
): Promise<string[]> {
  const ctx: FileCheckContext = {
    io, metadata, options: { ...options, metadataLocation: options.metadataLocation ?? metadataLocation }, problems: [],
    containers: new Map(), sizes: new Map(), checkedManifests: new Set(), checkedFiles: new Set(), parquetFiles: new Map(),
  };
  for (const snapshot of metadata.snapshots) await validateSnapshotFiles(ctx, snapshot);
  if (options.duckdb) await validateParquetFiles(ctx, options.duckdb);
  return ctx.problems;
}

/** Read the metadata at `metadataLocation`, run every check and throw InvalidTableError listing all problems. */
export async function assertValidTable(io: FileIO, metadataLocation: string, options: ValidateFilesOptions = {}): Promise<void> {
  const text = (await io.read(metadataLocation)).toString('utf8');
  const problems = validateMetadataText(text, { ...options, metadataLocation });
  let metadata: TableMetadata | undefined;
  try {
    metadata = parseTableMetadata(text);
  } catch (err) {
    problems.push(`metadata cannot be parsed: ${(err as Error).message}`);
  }
  if (metadata) problems.push(...(await validateTableFiles(io, metadata, metadataLocation, options)));
  if (problems.length) throw new InvalidTableError(metadataLocation, problems);
}

