import fc from 'fast-check';
import { attachDeletes } from '../../src/iceberg/scan';
import { EntryStatus, FileContent, type LiveEntry } from '../../src/iceberg/types';

interface EntrySpec {
  path: string;
  content?: FileContent;
  partition?: Record<string, unknown>;
  seq: number;
  specId?: number;
  references?: string;
}

function entry(e: EntrySpec): LiveEntry {
  return {
    status: EntryStatus.EXISTING,
    snapshot_id: 1n,
    sequence_number: e.seq,
    file_sequence_number: e.seq,
    partition_spec_id: e.specId ?? 0,
    data_file: {
      content: e.content ?? FileContent.DATA,
      file_path: e.path,
      file_format: 'PARQUET',
      partition: e.partition ?? {},
      record_count: 1,
      file_size_in_bytes: 10,
      ...(e.references ? { referenced_data_file: e.references } : {}),
    },
  };
}

/** Paths of the delete files attached to each data file, by data file path. */
function deletesByDataFile(entries: LiveEntry[]): Record<string, string[]> {
  return Object.fromEntries(attachDeletes(entries).map((t) => [t.dataFile.file_path, t.deletes.map((d) => d.file.file_path)]));
}

const POS = FileContent.POSITION_DELETES;
const EQ = FileContent.EQUALITY_DELETES;

describe('attachDeletes', () => {
  it('attaches a position delete to data of its own partition and commit, not to another partition', () => {
    // Prepare
    const entries = [
      entry({ path: 'a', partition: { day: 1 }, seq: 2 }),
      entry({ path: 'b', partition: { day: 2 }, seq: 2 }),
      entry({ path: 'pos', content: POS, partition: { day: 1 }, seq: 2 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ a: ['pos'], b: [] });
  });

  it('attaches an equality delete only to strictly older data files', () => {
    // Prepare
    const entries = [
      entry({ path: 'older', partition: { day: 1 }, seq: 1 }),
      entry({ path: 'same-commit', partition: { day: 1 }, seq: 2 }),
      entry({ path: 'eq', content: EQ, partition: { day: 1 }, seq: 2 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ older: ['eq'], 'same-commit': [] });
  });

  it('never attaches a delete file to data committed after it', () => {
    // Prepare
    const entries = [
      entry({ path: 'newer', partition: { day: 1 }, seq: 3 }),
      entry({ path: 'pos', content: POS, partition: { day: 1 }, seq: 2 }),
      entry({ path: 'eq', content: EQ, partition: { day: 1 }, seq: 2 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ newer: [] });
  });

  it('attaches a position delete that names its data file only to that file', () => {
    // Prepare
    const entries = [
      entry({ path: 'a', partition: { day: 1 }, seq: 1 }),
      entry({ path: 'b', partition: { day: 1 }, seq: 1 }),
      entry({ path: 'pos-b', content: POS, partition: { day: 1 }, seq: 2, references: 'b' }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ a: [], b: ['pos-b'] });
  });

  it('does not attach a delete file of another spec with the same partition values', () => {
    // Prepare
    const entries = [
      entry({ path: 'a', partition: { day: 1 }, seq: 1, specId: 0 }),
      entry({ path: 'pos', content: POS, partition: { day: 1 }, seq: 2, specId: 1 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ a: [] });
  });

  it('attaches a delete file of an unpartitioned spec to data of every partition, in listing order', () => {
    // Prepare
    const entries = [
      entry({ path: 'a', partition: { day: 1 }, seq: 1 }),
      entry({ path: 'b', partition: { day: 2 }, seq: 1 }),
      entry({ path: 'global-1', content: EQ, seq: 2, specId: 1 }),
      entry({ path: 'local-a', content: POS, partition: { day: 1 }, seq: 3 }),
      entry({ path: 'global-2', content: POS, seq: 4, specId: 1 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ a: ['global-1', 'local-a', 'global-2'], b: ['global-1', 'global-2'] });
  });

  it('keys partitions with bigint values by value', () => {
    // Prepare
    const entries = [
      entry({ path: 'a', partition: { id_bucket: 5n }, seq: 1 }),
      entry({ path: 'b', partition: { id_bucket: 6n }, seq: 1 }),
      entry({ path: 'pos', content: POS, partition: { id_bucket: 5n }, seq: 2 }),
    ];

    // Act
    const attached = deletesByDataFile(entries);

    // Assert
    expect(attached).toEqual({ a: ['pos'], b: [] });
  });

  it('attaches exactly the delete files the spec rule selects, in listing order, for any mix of files', () => {
    // Prepare: the SPEC "Scan Planning" rule written out pair by pair, as the oracle.
    const specRule = (d: LiveEntry, del: LiveEntry) => {
      const samePartition = d.partition_spec_id === del.partition_spec_id && d.data_file.partition.day === del.data_file.partition.day;
      const global = Object.keys(del.data_file.partition).length === 0;
      if (!samePartition && !global) return false;
      if (del.data_file.content === EQ) return d.sequence_number < del.sequence_number;
      const ref = del.data_file.referenced_data_file;
      return (!ref || ref === d.data_file.file_path) && d.sequence_number <= del.sequence_number;
    };
    const fileArb = fc.record({
      content: fc.constantFrom(FileContent.DATA, FileContent.DATA, POS, EQ),
      day: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      seq: fc.integer({ min: 1, max: 4 }),
      specId: fc.integer({ min: 0, max: 1 }),
      referencesIndex: fc.option(fc.nat(9), { nil: undefined }),
    });

    fc.assert(fc.property(fc.array(fileArb, { maxLength: 10 }), (files) => {
      const entries = files.map((f, i) => entry({
        path: `f${i}`, content: f.content, seq: f.seq, specId: f.specId,
        partition: f.day === undefined ? {} : { day: f.day },
        references: f.content === POS && f.referencesIndex !== undefined ? `f${f.referencesIndex}` : undefined,
      }));
      const expected = Object.fromEntries(entries
        .filter((d) => d.data_file.content === FileContent.DATA)
        .map((d) => [d.data_file.file_path, entries
          .filter((del) => del.data_file.content !== FileContent.DATA && specRule(d, del))
          .map((del) => del.data_file.file_path)]));

      // Act
      const attached = deletesByDataFile(entries);

      // Assert
      expect(attached).toEqual(expected);
    }));
  });
});
