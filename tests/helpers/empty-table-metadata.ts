import { randomUUID } from 'node:crypto';
import type { Schema, TableMetadata } from '../../src/iceberg/types';

const DEFAULT_SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'string' },
    { id: 2, name: 'kwh', required: false, type: 'double' },
  ],
};

/**
 * A minimal valid format-version 2 table with no snapshots, written out by hand — catalog tests
 * use it so they do not depend on the metadata builder they are not testing.
 */
export function emptyTableMetadata(location: string, overrides: Partial<TableMetadata> = {}, schema: Schema = DEFAULT_SCHEMA): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location,
    'last-sequence-number': 0,
    'last-updated-ms': 1_700_000_000_000,
    'last-column-id': 2,
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    'last-partition-id': 999,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    properties: {},
    'current-snapshot-id': -1n,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    refs: {},
    statistics: [],
    ...overrides,
  };
}
