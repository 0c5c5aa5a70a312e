import { parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json';
import { newTableMetadata, withNewSnapshot } from '../../src/iceberg/table-metadata';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types';
import { validateMetadataText } from '../../src/iceberg/validator';

const BIG_ID = 2n ** 62n + 12345n;
const PARENT_ID = 2n ** 53n + 1n;

function snapshot(id: bigint, parent: bigint | undefined, sequence: number): Snapshot {
  return {
    'snapshot-id': id,
    ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }),
    'sequence-number': sequence,
    'timestamp-ms': 1_700_000_000_000 + sequence,
    'manifest-list': `file:///t/metadata/snap-${id}.avro`,
    summary: {
      operation: 'append', 'total-records': '9007199254740993', 'total-files-size': '0', 'total-data-files': '0',
      'total-delete-files': '0', 'total-position-deletes': '0', 'total-equality-deletes': '0', 'snapshot-id': '42',
    } as Snapshot['summary'],
    'schema-id': 0,
  };
}

/** A table with two snapshots whose ids exceed 2^53, plus numbers in properties and summaries. */
function metadataWithBigIds(): TableMetadata {
  const empty = newTableMetadata({
    location: 'file:///t',
    fields: [{ id: 1, name: 'x', required: false, type: 'long' }],
    nowMs: 1_700_000_000_000,
    properties: { 'commit.retry.num-retries': '12345678901234567890', note: '"snapshot-id": 7' },
  });
  return withNewSnapshot(withNewSnapshot(empty, snapshot(PARENT_ID, undefined, 1)), snapshot(BIG_ID, PARENT_ID, 2));
}

describe('parseTableMetadata / serializeTableMetadata', () => {
  it('round-trips a 2^62 snapshot id exactly as bigint', () => {
    // Prepare
    const metadata = metadataWithBigIds();
    // Act
    const parsed = parseTableMetadata(serializeTableMetadata(metadata));
    // Assert
    expect(parsed['current-snapshot-id']).toBe(BIG_ID);
    expect(parsed.snapshots.map((s) => s['snapshot-id'])).toEqual([PARENT_ID, BIG_ID]);
    expect(parsed.snapshots[1]['parent-snapshot-id']).toBe(PARENT_ID);
    expect(parsed.refs.main['snapshot-id']).toBe(BIG_ID);
    expect(parsed['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([PARENT_ID, BIG_ID]);
  });

  it('writes ids as bare JSON integers', () => {
    // Prepare
    const metadata = metadataWithBigIds();
    // Act
    const text = serializeTableMetadata(metadata);
    // Assert
    expect(text).toContain(`"current-snapshot-id": ${BIG_ID}`);
    expect(text).toContain(`"parent-snapshot-id": ${PARENT_ID}`);
    expect(validateMetadataText(text)).toEqual([]);
  });

  it('keeps the -1 sentinel of a table without snapshots', () => {
    // Prepare
    const metadata = newTableMetadata({ location: 'file:///t', fields: [{ id: 1, name: 'x', required: false, type: 'long' }], nowMs: 1 });
    // Act
    const text = serializeTableMetadata(metadata);
    const parsed = parseTableMetadata(text);
    // Assert
    expect(text).toContain('"current-snapshot-id": -1');
    expect(parsed['current-snapshot-id']).toBe(-1n);
  });

  it('leaves numbers and id-like text in properties and summaries untouched', () => {
    // Prepare
    const metadata = metadataWithBigIds();
    // Act
    const parsed = parseTableMetadata(serializeTableMetadata(metadata));
    // Assert
    expect(parsed.properties['commit.retry.num-retries']).toBe('12345678901234567890');
    expect(parsed.properties.note).toBe('"snapshot-id": 7');
    expect(parsed.snapshots[1].summary['total-records']).toBe('9007199254740993');
    expect((parsed.snapshots[1].summary as Record<string, string>)['snapshot-id']).toBe('42');
  });

  it('parses ids written with arbitrary whitespace by other writers', () => {
    // Prepare
    const text = serializeTableMetadata(metadataWithBigIds()).replace(`"current-snapshot-id": ${BIG_ID}`, `"current-snapshot-id" :\n  ${BIG_ID}`);
    // Act
    const parsed = parseTableMetadata(text);
    // Assert
    expect(parsed['current-snapshot-id']).toBe(BIG_ID);
  });

  it('turns statistics snapshot ids into exact bigints', () => {
    // Prepare
    const text = serializeTableMetadata({ ...metadataWithBigIds(), statistics: [{ 'snapshot-id': BIG_ID, 'statistics-path': 'file:///t/s.puffin' }] });
    // Act
    const parsed = parseTableMetadata(text);
    // Assert
    expect(parsed.statistics).toEqual([{ 'snapshot-id': BIG_ID, 'statistics-path': 'file:///t/s.puffin' }]);
  });
});
