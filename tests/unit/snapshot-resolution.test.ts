import { SnapshotNotFoundError } from '../../src/iceberg/errors';
import { resolveSnapshot } from '../../src/iceberg/scan';
import type { Snapshot, TableMetadata } from '../../src/iceberg/types';
import { resolveLakeVersions } from '../../src/pipeline/as-of';
import { emptyTableMetadata } from '../helpers/empty-table-metadata';

const T = Date.UTC(2021, 1, 1);
const HOUR = 3_600_000;

/** A table whose snapshots were committed at the given hours after T (each the parent of the next), with tags. */
function table(name: string, hours: number[], tags: Record<string, number> = {}, opts: { firstHasParent?: boolean } = {}): TableMetadata {
  const ids = hours.map((_, i) => BigInt(1000 * (name.length + 1) + i + 1));
  const snapshots: Snapshot[] = hours.map((h, i) => ({
    'snapshot-id': ids[i],
    ...(i > 0 ? { 'parent-snapshot-id': ids[i - 1] } : opts.firstHasParent ? { 'parent-snapshot-id': 1n } : {}),
    'sequence-number': i + 1,
    'timestamp-ms': T + h * HOUR,
    'manifest-list': `file:///w/${name}/metadata/snap-${i}.avro`,
    summary: { operation: 'append' },
  }));
  const refs: TableMetadata['refs'] = Object.fromEntries(Object.entries(tags).map(([tag, i]) => [tag, { 'snapshot-id': ids[i], type: 'tag' as const }]));
  if (ids.length) refs.main = { 'snapshot-id': ids.at(-1)!, type: 'branch' };
  return emptyTableMetadata(`file:///w/${name}`, {
    snapshots,
    refs,
    'current-snapshot-id': ids.at(-1) ?? -1n,
    'snapshot-log': snapshots.map((s) => ({ 'timestamp-ms': s['timestamp-ms'], 'snapshot-id': s['snapshot-id'] })),
  });
}

const readings = table('meter_readings', [1, 25, 49], { 'daily-2021-02-01': 0, 'daily-2021-02-02': 1, 'daily-2021-02-03': 2 });

function thrown(fn: () => unknown): SnapshotNotFoundError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) return error;
    throw error;
  }
  throw new Error('expected SnapshotNotFoundError');
}

describe('resolveSnapshot (one table)', () => {
  it('a mistyped tag is an error naming it and the nearest tags by spelling', () => {
    const error = thrown(() => resolveSnapshot(readings, { ref: 'daily-2021-02-32' }));
    expect(error.details).toEqual({ asked: 'daily-2021-02-32', nearestTags: ['daily-2021-02-02', 'daily-2021-02-01', 'daily-2021-02-03'] });
    expect(error.message).toContain("table meter_readings has no tag or branch named 'daily-2021-02-32'; nearest tags: daily-2021-02-02");
  });

  it('an unknown snapshot id is an error naming it and the latest tags', () => {
    const error = thrown(() => resolveSnapshot(readings, { snapshotId: 424242n }));
    expect(error.details).toEqual({ asked: '424242', nearestTags: ['daily-2021-02-03', 'daily-2021-02-02', 'daily-2021-02-01'] });
  });

  it('a time before the first snapshot is an error naming the time, the first commit and the nearest tags', () => {
    const error = thrown(() => resolveSnapshot(readings, { asOfMs: T }));
    expect(error.message).toContain('no snapshot committed at or before 2021-02-01T00:00:00.000Z (its first retained snapshot was committed at 2021-02-01T01:00:00.000Z)');
    expect(error.details?.nearestTags[0]).toBe('daily-2021-02-01');
  });

  it('a time reads the latest snapshot committed at or before it', () => {
    expect(resolveSnapshot(readings, { asOfMs: T + 25 * HOUR })?.['snapshot-id']).toBe(readings.refs['daily-2021-02-02']['snapshot-id']);
  });
});

describe('resolveLakeVersions (every table at one point)', () => {
  const history = table('readings_history', [0, 20, 30, 60]);
  const gold = table('gold_daily', [2, 26], { 'daily-2021-02-01': 0, 'daily-2021-02-02': 1 });
  const lake = new Map([['meter_readings', readings], ['readings_history', history], ['gold_daily', gold]]);

  it('a tag no table has is an error, never current data', () => {
    const error = thrown(() => resolveLakeVersions(lake, { ref: 'dialy-2021-02-02' }));
    expect(error.message).toMatch(/^no table has a tag or branch named 'dialy-2021-02-02'; nearest tags: daily-2021-02-02/);
  });

  it('an id no table has is an error', () => {
    expect(() => resolveLakeVersions(lake, { snapshotId: 999_999_999n })).toThrow(SnapshotNotFoundError);
  });

  it('a time before every table\'s first snapshot is an error', () => {
    expect(() => resolveLakeVersions(lake, { asOfMs: T - HOUR })).toThrow(/no table has a snapshot committed at or before 2021-01-31T23:00:00.000Z/);
  });

  it('tables holding a tag read it; the others read as of its latest commit among them', () => {
    const versions = resolveLakeVersions(lake, { ref: 'daily-2021-02-01' });
    const ids = Object.fromEntries([...versions].map(([name, v]) => [name, v.kind === 'snapshot' ? v.snapshot['snapshot-id'] : v.kind]));
    expect(ids).toEqual({
      meter_readings: readings.refs['daily-2021-02-01']['snapshot-id'],
      gold_daily: gold.refs['daily-2021-02-01']['snapshot-id'],
      // committed at hour 0, the last before gold's tagged commit at hour 2
      readings_history: history.snapshots[0]['snapshot-id'],
    });
  });

  it('a table whose first snapshot came after the time is empty then', () => {
    expect(resolveLakeVersions(lake, { asOfMs: T + HOUR }).get('gold_daily')).toEqual({ kind: 'empty' });
  });

  it('a table whose history from then was expired is unavailable, with the reason', () => {
    const expired = table('ingest_log', [40], {}, { firstHasParent: true });
    const at = resolveLakeVersions(new Map([...lake, ['ingest_log', expired]]), { asOfMs: T + 30 * HOUR }).get('ingest_log');
    expect(at?.kind === 'unavailable' && at.error.message).toContain('table ingest_log has no snapshot committed at or before 2021-02-02T06:00:00.000Z');
  });
});
