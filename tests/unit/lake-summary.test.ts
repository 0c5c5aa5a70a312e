import { tableSummaryRow } from '../../src/local/commands/summary';
import type { Snapshot } from '../../src/iceberg/types';
import { emptyTableMetadata } from '../helpers/empty-table-metadata';

const snapshot: Snapshot = {
  'snapshot-id': 7n, 'sequence-number': 3, 'timestamp-ms': 1_700_000_000_000, 'manifest-list': 'file:///t/metadata/snap-7.avro',
  summary: { operation: 'overwrite', 'total-records': '10', 'total-position-deletes': '3', 'total-data-files': '2', 'total-delete-files': '1' },
};

test('a table line counts live rows: data-file records less position deletes', () => {
  // Prepare
  const metadata = emptyTableMetadata('file:///t', { snapshots: [snapshot], 'current-snapshot-id': 7n });

  // Act
  const row = tableSummaryRow('meter_readings', metadata);

  // Assert
  expect(row).toEqual({ table: 'meter_readings', snapshots: 1, rows: 7, data_files: '2', delete_files: '1' });
});

test('a table without snapshots has no rows', () => {
  // Act
  const row = tableSummaryRow('empty', emptyTableMetadata('file:///e'));

  // Assert
  expect(row).toEqual({ table: 'empty', snapshots: 0, rows: 0, data_files: '0', delete_files: '0' });
});
