import type { IcebergType, PartitionSpec, PrimitiveType, Schema } from './types';
import { parseTransform } from './transforms';

/**
 * Avro schemas of manifests and manifest lists, field for field as Iceberg 1.4 (Athena's
 * version) writes them: standard record names, every field with its field-id (ICEBERG.md §2).
 */

const opt = (name: string, fieldId: number, type: unknown) => ({ name, type: ['null', type], default: null, 'field-id': fieldId });
const kvMap = (keyId: number, valueId: number, valueType: string) => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name: `k${keyId}_v${valueId}`,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: valueType, 'field-id': valueId },
    ],
  },
});

export const MANIFEST_FILE_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
    { name: 'content', type: 'int', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'added_data_files_count', type: 'int', 'field-id': 504 },
    { name: 'existing_data_files_count', type: 'int', 'field-id': 505 },
    { name: 'deleted_data_files_count', type: 'int', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', 'field-id': 514 },
    opt('partitions', 507, {
      type: 'array',
      'element-id': 508,
      items: {
        type: 'record',
        name: 'r508',
        fields: [
          { name: 'contains_null', type: 'boolean', 'field-id': 509 },
          opt('contains_nan', 518, 'boolean'),
          opt('lower_bound', 510, 'bytes'),
          opt('upper_bound', 511, 'bytes'),
        ],
      },
    }),
    opt('key_metadata', 519, 'bytes'),
  ],
};

/** Field ids of manifest_file, by our (Iceberg 1.4) field name; readers match files by these ids. */
export const MANIFEST_FILE_FIELD_IDS: Record<string, number> = Object.fromEntries(
  MANIFEST_FILE_SCHEMA.fields.map((f) => [f.name, f['field-id']]),
);

/** Avro type of an Iceberg primitive (SPEC Appendix A). */
export function avroTypeFor(type: PrimitiveType): unknown {
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    return { type: 'fixed', name: `decimal_${precision}_${scale}`, size: decimalBytesForPrecision(precision), logicalType: 'decimal', precision, scale };
  }
  const fixed = /^fixed\[(\d+)\]$/.exec(type);
  if (fixed) return { type: 'fixed', name: `fixed_${fixed[1]}`, size: Number(fixed[1]) };
  switch (type) {
    case 'boolean': case 'int': case 'long': case 'float': case 'double': case 'string':
      return type;
    case 'binary': return 'bytes';
    case 'date': return { type: 'int', logicalType: 'date' };
    case 'time': return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp': return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz': return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'uuid': return { type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' };
  }
  throw new Error(`no Avro type for Iceberg type ${String(type)}`);
}

/** Minimum bytes that hold any unscaled value of a decimal of this precision. */
export function decimalBytesForPrecision(precision: number): number {
  let bytes = 1;
  while (2n ** BigInt(8 * bytes - 1) - 1n < 10n ** BigInt(precision) - 1n) bytes++;
  return bytes;
}

/** Java's AvroSchemaUtil.makeCompatibleName: Avro names allow only [A-Za-z_][A-Za-z0-9_]*. */
export function avroCompatibleName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    const ok = /[A-Za-z_]/.test(ch) || (i > 0 && /[0-9]/.test(ch));
    if (ok) out += ch;
    else if (i === 0 && /[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  }
  return out;
}

export function findField(schema: Schema, id: number): { name: string; type: IcebergType } {
  const field = schema.fields.find((f) => f.id === id);
  if (!field) throw new Error(`schema ${schema['schema-id']} has no field with id ${id}`);
  return field;
}

/** The partition tuple's Iceberg types, in spec order. */
export function partitionFieldTypes(schema: Schema, spec: PartitionSpec): { name: string; fieldId: number; type: PrimitiveType }[] {
  return spec.fields.map((pf) => {
    const source = findField(schema, pf['source-id']);
    return { name: pf.name, fieldId: pf['field-id'], type: parseTransform(pf.transform).resultType(source.type as PrimitiveType) };
  });
}

/** The manifest_entry schema for one partition spec. */
export function manifestEntrySchema(schema: Schema, spec: PartitionSpec): object {
  const partitionFields = partitionFieldTypes(schema, spec).map((p) => ({
    name: avroCompatibleName(p.name),
    type: ['null', avroTypeFor(p.type)],
    default: null,
    'field-id': p.fieldId,
  }));
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      opt('snapshot_id', 1, 'long'),
      opt('sequence_number', 3, 'long'),
      opt('file_sequence_number', 4, 'long'),
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', 'field-id': 134 },
            { name: 'file_path', type: 'string', 'field-id': 100 },
            { name: 'file_format', type: 'string', 'field-id': 101 },
            { name: 'partition', 'field-id': 102, type: { type: 'record', name: 'r102', fields: partitionFields } },
            { name: 'record_count', type: 'long', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
            opt('column_sizes', 108, kvMap(117, 118, 'long')),
            opt('value_counts', 109, kvMap(119, 120, 'long')),
            opt('null_value_counts', 110, kvMap(121, 122, 'long')),
            opt('nan_value_counts', 137, kvMap(138, 139, 'long')),
            opt('lower_bounds', 125, kvMap(126, 127, 'bytes')),
            opt('upper_bounds', 128, kvMap(129, 130, 'bytes')),
            opt('key_metadata', 131, 'bytes'),
            opt('split_offsets', 132, { type: 'array', items: 'long', 'element-id': 133 }),
            opt('equality_ids', 135, { type: 'array', items: 'int', 'element-id': 136 }),
            opt('sort_order_id', 140, 'int'),
            opt('referenced_data_file', 143, 'string'),
          ],
        },
      },
    ],
  };
}

/** Field ids of data_file, by name (used to read files whose writers named fields differently). */
export const DATA_FILE_FIELD_IDS: Record<string, number> = {
  content: 134, file_path: 100, file_format: 101, partition: 102, record_count: 103, file_size_in_bytes: 104,
  column_sizes: 108, value_counts: 109, null_value_counts: 110, nan_value_counts: 137, lower_bounds: 125,
  upper_bounds: 128, key_metadata: 131, split_offsets: 132, equality_ids: 135, sort_order_id: 140,
  referenced_data_file: 143,
};
export const MANIFEST_ENTRY_FIELD_IDS: Record<string, number> = {
  status: 0, snapshot_id: 1, sequence_number: 3, file_sequence_number: 4, data_file: 2,
};
