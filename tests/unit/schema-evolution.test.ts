import { currentSchema, withAddedColumns } from '../../src/iceberg/table-metadata';
import { emptyTableMetadata } from '../helpers/empty-table-metadata';

const metadata = emptyTableMetadata('file:///t');

test('an added column becomes part of a new current schema; the old schema stays', () => {
  // Act
  const evolved = withAddedColumns(metadata, [{ id: 3, name: 'quality', required: false, type: 'string' }]);

  // Assert
  expect(currentSchema(evolved)).toEqual({ ...metadata.schemas[0], 'schema-id': 1, fields: [...metadata.schemas[0].fields, { id: 3, name: 'quality', required: false, type: 'string' }] });
  expect(evolved.schemas[0]).toBe(metadata.schemas[0]);
  expect(evolved['last-column-id']).toBe(3);
  expect(JSON.parse(evolved.properties['schema.name-mapping.default'])).toContainEqual({ 'field-id': 3, names: ['quality'] });
});

test.each([
  ['an id already used', { id: 2, name: 'other', required: false, type: 'string' as const }, /needs an id above last-column-id 2/],
  ['a required column', { id: 3, name: 'q', required: true, type: 'string' as const }, /cannot add required column 'q'/],
  ['a name already used', { id: 3, name: 'kwh', required: false, type: 'double' as const }, /column 'kwh' exists already/],
])('adding %s is refused', (_case, field, message) => {
  expect(() => withAddedColumns(metadata, [field])).toThrow(message);
});
