import { snapshotById } from './table-metadata';
import type { TableMetadata } from './types';

/** A tag (any ref but `main`) and the commit time of the snapshot it points at. */
export interface TagAtTime {
  readonly name: string;
  readonly committedMs: number;
}

const SUGGESTIONS = 3;

/** The refs of a table other than `main`, with their snapshots' commit times. */
export function tagsOf(m: TableMetadata): TagAtTime[] {
  return Object.entries(m.refs).flatMap(([name, ref]) => {
    const snapshot = name === 'main' ? undefined : snapshotById(m, ref['snapshot-id']);
    return snapshot ? [{ name, committedMs: snapshot['timestamp-ms'] }] : [];
  });
}

/** Levenshtein distance: single-character insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** Distinct names, in order of `rank` (smaller first; ties by name). */
function nearest(tags: readonly TagAtTime[], rank: (t: TagAtTime) => number, count: number): string[] {
  const best = new Map<string, number>();
  for (const t of tags) best.set(t.name, Math.min(rank(t), best.get(t.name) ?? Infinity));
  return [...best].sort(([a, ra], [b, rb]) => ra - rb || a.localeCompare(b)).slice(0, count).map(([name]) => name);
}

/** The tags spelled most like `name` (a mistyped tag), nearest first. */
export const tagsNearestByName = (tags: readonly TagAtTime[], name: string, count = SUGGESTIONS) =>
  nearest(tags, (t) => editDistance(t.name, name), count);

/** The tags committed nearest to `timeMs`, nearest first. */
export const tagsNearestByTime = (tags: readonly TagAtTime[], timeMs: number, count = SUGGESTIONS) =>
  nearest(tags, (t) => Math.abs(t.committedMs - timeMs), count);

/** The most recently committed tags, latest first. */
export const latestTags = (tags: readonly TagAtTime[], count = SUGGESTIONS) => nearest(tags, (t) => -t.committedMs, count);

/** `; nearest tags: a, b` for an error message (or a note that there are none). */
export function tagHint(names: readonly string[], label = 'nearest tags'): string {
  return names.length ? `; ${label}: ${names.join(', ')}` : '; there are no tags';
}
