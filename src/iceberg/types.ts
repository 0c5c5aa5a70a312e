/**
 * Iceberg format-version 2 structures, shaped exactly as they appear on disk: table metadata
 * keys are the spec's kebab-case JSON names, manifest records use the Avro field names. Keeping
 * the on-disk shape in memory means there is no mapping layer in which a field can be lost.
 * Snapshot ids are bigint everywhere (they are 64-bit and routinely exceed 2^53).
 */

export type PrimitiveType =
  | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time' | 'timestamp' | 'timestamptz'
  | 'string' | 'uuid' | 'binary'
  | `decimal(${number},${number})` | `decimal(${number}, ${number})` | `fixed[${number}]`;

export interface ListType { type: 'list'; 'element-id': number; 'element-required': boolean; element: IcebergType }
export interface MapType {
  type: 'map'; 'key-id': number; key: IcebergType; 'value-id': number; 'value-required': boolean; value: IcebergType;
}
export interface StructType { type: 'struct'; fields: NestedField[] }
export type IcebergType = PrimitiveType | ListType | MapType | StructType;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
}

export interface Schema {
  type: 'struct';
  'schema-id': number;
  'identifier-field-ids'?: number[];
  fields: NestedField[];
}

/** identity | year | month | day | hour | bucket[N] | truncate[W] | void */
export type TransformName = string;

export interface PartitionField {
  'source-id': number;
  'field-id': number;
  name: string;
  transform: TransformName;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export interface SortField {
  transform: TransformName;
  'source-id': number;
  direction: 'asc' | 'desc';
  'null-order': 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  'order-id': number;
  fields: SortField[];
}

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
  'max-ref-age-ms'?: number;
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
}

export type Operation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotSummary {
  operation: Operation;
  [key: string]: string;
}

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
}

export interface SnapshotLogEntry { 'timestamp-ms': number; 'snapshot-id': bigint }
export interface MetadataLogEntry { 'timestamp-ms': number; 'metadata-file': string }

export interface TableMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  properties: Record<string, string>;
  /** -1n (as Java and Athena write it) when the table has no snapshot yet. */
  'current-snapshot-id': bigint;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  refs: Record<string, SnapshotRef>;
  statistics: unknown[];
  'partition-statistics'?: unknown[];
}

/** Manifest entry status. */
export const enum EntryStatus { EXISTING = 0, ADDED = 1, DELETED = 2 }
/** data_file.content */
export const enum FileContent { DATA = 0, POSITION_DELETES = 1, EQUALITY_DELETES = 2 }
/** manifest_file.content */
export const enum ManifestContent { DATA = 0, DELETES = 1 }

export interface KeyValue<V> { key: number; value: V }

/** The v2 `data_file` struct (Avro record r2). Partition values are keyed by partition field name. */
export interface DataFile {
  content: FileContent;
  file_path: string;
  file_format: string;
  partition: Record<string, unknown>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes?: KeyValue<number>[] | null;
  value_counts?: KeyValue<number>[] | null;
  null_value_counts?: KeyValue<number>[] | null;
  nan_value_counts?: KeyValue<number>[] | null;
  lower_bounds?: KeyValue<Buffer>[] | null;
  upper_bounds?: KeyValue<Buffer>[] | null;
  key_metadata?: Buffer | null;
  split_offsets?: number[] | null;
  equality_ids?: number[] | null;
  sort_order_id?: number | null;
  referenced_data_file?: string | null;
}

/** The v2 `manifest_entry` record. Sequence numbers are null on ADDED entries (inherited). */
export interface ManifestEntry {
  status: EntryStatus;
  snapshot_id: bigint | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

export interface FieldSummary {
  contains_null: boolean;
  contains_nan: boolean | null;
  lower_bound: Buffer | null;
  upper_bound: Buffer | null;
}

/** The v2 `manifest_file` record of a manifest list (names as Iceberg 1.4, which Athena runs). */
export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: ManifestContent;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: bigint;
  added_data_files_count: number;
  existing_data_files_count: number;
  deleted_data_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: FieldSummary[] | null;
  key_metadata?: Buffer | null;
}

/** A manifest entry after sequence-number and snapshot-id inheritance has been applied. */
export interface LiveEntry extends ManifestEntry {
  snapshot_id: bigint;
  sequence_number: number;
  file_sequence_number: number;
  /** The manifest it was read from (its partition spec id decides how to read `partition`). */
  partition_spec_id: number;
}
