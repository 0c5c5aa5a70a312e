import type { FileScanTask } from '../../src/iceberg/scan';
import { FileContent, type DataFile } from '../../src/iceberg/types';
import { DEFAULT_MERGE_ON_READ, chooseDayMode, estimatedLiveRows, type DayFiles } from '../../src/pipeline/merge-on-read';

const file = (content: FileContent, records: number, n: number): DataFile => ({
  content, file_path: `file:///t/data/f${n}.parquet`, file_format: 'PARQUET', partition: { interval_start_day: 1 }, record_count: records, file_size_in_bytes: 1,
});
const task = (records: number, n: number): FileScanTask => ({ dataFile: file(FileContent.DATA, records, n), dataSequenceNumber: 1, deletes: [] });
const day = (dataRows: number[], deleteRows: number[] = [], equalityDeletes = 0): DayFiles => ({
  data: dataRows.map(task),
  deletes: [
    ...deleteRows.map((r, i) => file(FileContent.POSITION_DELETES, r, 100 + i)),
    ...Array.from({ length: equalityDeletes }, (_, i) => file(FileContent.EQUALITY_DELETES, 1, 200 + i)),
  ],
});

describe('choosing merge-on-read or copy-on-write for a touched day', () => {
  test('live rows are data rows minus position-deleted rows', () => {
    expect(estimatedLiveRows(day([1000, 50], [30, 20]))).toBe(1000);
  });

  test('a day whose new keys are at most the fraction of its live rows is merged on read', () => {
    expect(chooseDayMode(day([1000]), 200, DEFAULT_MERGE_ON_READ)).toBe('merge-on-read');
  });

  test('a day whose new keys exceed the fraction of its live rows is rewritten', () => {
    expect(chooseDayMode(day([1000]), 201, DEFAULT_MERGE_ON_READ)).toBe('copy-on-write');
  });

  test('a day without live rows is written copy-on-write', () => {
    expect(chooseDayMode(day([]), 1, { ...DEFAULT_MERGE_ON_READ, maxNewKeyFraction: 1000 })).toBe('copy-on-write');
  });

  test('a day with the maximum number of delete files is rewritten', () => {
    expect(chooseDayMode(day([1000], [1, 1]), 1, { ...DEFAULT_MERGE_ON_READ, maxDeleteFiles: 2 })).toBe('copy-on-write');
  });

  test('a day with the maximum number of data files is rewritten', () => {
    expect(chooseDayMode(day([1000, 1]), 1, { ...DEFAULT_MERGE_ON_READ, maxDataFiles: 2 })).toBe('copy-on-write');
  });

  test('a day with an equality delete file is rewritten', () => {
    expect(chooseDayMode(day([1000], [], 1), 1, DEFAULT_MERGE_ON_READ)).toBe('copy-on-write');
  });
});
