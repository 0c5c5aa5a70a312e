import { dailyTags, dailyTagsLine, readableRows, tableSummaryRow, totalsLine } from '../../src/local/commands/summary';
import { emptyTotals } from '../../src/local/landing';
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

test('the totals line counts readings and reference rows apart, each named by the table it matches', () => {
  // Prepare
  const totals = { ...emptyTotals(), objects: 12, rowsIn: 8_002_500, accepted: 7_959_818, referenceDrops: 2, referenceRows: 42_562, rejected: 120 };

  // Act
  const line = totalsLine(totals);

  // Assert
  expect(line).toContain('readings accepted (→ readings_history): 7,959,818');
  expect(line).toContain('reference rows: 42,562 (2 drops)');
  expect(line).toContain('rejected (→ rejected_readings): 120');
  expect(line).toContain('rows in: 8,002,500');
});

test('daily tags are the ones the table holds, oldest first, and the line counts them', () => {
  // Prepare
  const ref = { 'snapshot-id': 7n, type: 'tag' as const };
  const metadata = emptyTableMetadata('file:///t', { snapshots: [snapshot], 'current-snapshot-id': 7n, refs: { 'daily-2021-01-03': ref, 'daily-2021-01-02': ref, 'settlement-2021-01': ref } });

  // Act
  const tags = dailyTags(metadata);

  // Assert
  expect(tags).toEqual(['daily-2021-01-02', 'daily-2021-01-03']);
  expect(dailyTagsLine(tags)).toBe('daily tags on meter_readings: 2, daily-2021-01-02 … daily-2021-01-03');
  expect(dailyTagsLine([])).toBe('daily tags on meter_readings: none yet');
});

test('printed numbers: counts grouped by thousands, fractions to three decimals', () => {
  // Act
  const [row] = readableRows([{ name: 'x', rows: 8002380n, meters: 2000, kwh_total: 3114.694000000002, share: 0.1 }]);

  // Assert
  expect(row).toEqual({ name: 'x', rows: '8,002,380', meters: '2,000', kwh_total: '3114.694', share: '0.100' });
});
