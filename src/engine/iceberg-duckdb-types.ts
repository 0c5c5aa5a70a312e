/**
 * How Iceberg types become DuckDB types, and the SQL fragments that make a DuckDB COPY write
 * Parquet an Iceberg reader accepts: exact physical types (ICEBERG.md §4.2) and the table's field
 * ids (§4.1).
 */
import { parsePrimitiveType } from '../iceberg/conversions';
import type { IcebergType, NestedField, PrimitiveType, Schema } from '../iceberg/types';
import { sqlIdent, sqlString } from './duckdb-session';

/** An Iceberg type DuckDB cannot write as Iceberg requires. */
export class UnsupportedIcebergTypeError extends Error {
  override name = 'UnsupportedIcebergTypeError';
}

/** The DuckDB SQL type of an Iceberg primitive type (`decimal(10,2)` → `DECIMAL(10,2)`). */
export function duckDbPrimitiveType(type: PrimitiveType | string): string {
  const parsed = parsePrimitiveType(type);
  switch (parsed.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int': return 'INTEGER';
    case 'long': return 'BIGINT';
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'date': return 'DATE';
    case 'time': return 'TIME';
    case 'timestamp': return 'TIMESTAMP';
    case 'timestamptz': return 'TIMESTAMPTZ';
    case 'string': return 'VARCHAR';
    case 'uuid': return 'UUID';
    case 'binary': return 'BLOB';
    case 'decimal':
      if (parsed.precision > 38) {
        throw new UnsupportedIcebergTypeError(`Iceberg type '${type}': DuckDB decimals hold at most 38 digits`);
      }
      return `DECIMAL(${parsed.precision},${parsed.scale})`;
    case 'fixed':
      // DuckDB writes BLOB as variable-length BINARY; Iceberg fixed[L] needs FIXED_LEN_BYTE_ARRAY(L).
      throw new UnsupportedIcebergTypeError(`Iceberg type '${type}' cannot be written by DuckDB (no fixed-length binary)`);
  }
}

/** The DuckDB SQL type of any Iceberg type, nested types included. */
export function duckDbType(type: IcebergType): string {
  if (typeof type === 'string') return duckDbPrimitiveType(type);
  switch (type.type) {
    case 'list': return `${duckDbType(type.element)}[]`;
    case 'map': return `MAP(${duckDbType(type.key)}, ${duckDbType(type.value)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${sqlIdent(field.name)} ${duckDbType(field.type)}`).join(', ')})`;
  }
}

/** The field-id value of one column in COPY's FIELD_IDS struct (nested types get `__duckdb_field_id`). */
function fieldIdValue(id: number, type: IcebergType): string {
  if (typeof type === 'string') return String(id);
  const children: string[] = [`__duckdb_field_id: ${id}`];
  switch (type.type) {
    case 'list':
      children.push(`element: ${fieldIdValue(type['element-id'], type.element)}`);
      break;
    case 'map':
      children.push(`key: ${fieldIdValue(type['key-id'], type.key)}`, `value: ${fieldIdValue(type['value-id'], type.value)}`);
      break;
    case 'struct':
      for (const field of type.fields) children.push(`${sqlString(field.name)}: ${fieldIdValue(field.id, field.type)}`);
      break;
  }
  return `{${children.join(', ')}}`;
}

/** The `FIELD_IDS {...}` COPY option that stamps the schema's field ids on every Parquet column. */
export function fieldIdsClause(schema: Schema): string {
  const entries = schema.fields.map((field) => `${sqlString(field.name)}: ${fieldIdValue(field.id, field.type)}`);
  return `FIELD_IDS {${entries.join(', ')}}`;
}

/** `CAST("col" AS <exact type>) AS "col"` for one field. */
export function castColumn(field: NestedField): string {
  return `CAST(${sqlIdent(field.name)} AS ${duckDbType(field.type)}) AS ${sqlIdent(field.name)}`;
}

/**
 * A SELECT list casting every schema column to its exact DuckDB type, so that types Iceberg
 * cannot read (TINYINT, TIMESTAMP_NS, UBIGINT, HUGEINT…) never reach a data file. Columns in
 * `asIs` are selected uncast (their type is written the same way, e.g. a one-value ENUM for a string).
 */
export function castSelectList(schema: Schema, asIs: ReadonlySet<string> = new Set()): string {
  return schema.fields.map((field) => (asIs.has(field.name) ? sqlIdent(field.name) : castColumn(field))).join(', ');
}

/** Every field of the schema, nested ones included, by field id. */
export function fieldsById(schema: Schema): Map<number, NestedField> {
  const byId = new Map<number, NestedField>();
  const visit = (field: NestedField): void => {
    byId.set(field.id, field);
    visitType(field.type, field.name);
  };
  const visitType = (type: IcebergType, parentName: string): void => {
    if (typeof type === 'string') return;
    if (type.type === 'struct') {
      type.fields.forEach(visit);
    } else if (type.type === 'list') {
      visit({ id: type['element-id'], name: `${parentName}.element`, required: type['element-required'], type: type.element });
    } else {
      visit({ id: type['key-id'], name: `${parentName}.key`, required: true, type: type.key });
      visit({ id: type['value-id'], name: `${parentName}.value`, required: type['value-required'], type: type.value });
    }
  };
  schema.fields.forEach(visit);
  return byId;
}
