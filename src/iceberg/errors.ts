/** Another writer committed first; the change may be re-applied on the new base. */
export class CommitConflictError extends Error {
  override readonly name = 'CommitConflictError';
}

/** The commit call failed in a way that leaves its outcome unknown (e.g. a timeout). */
export class CommitStateUnknownError extends Error {
  override readonly name = 'CommitStateUnknownError';
}

/** What a failed version lookup asked for, and the tags nearest to it (for the message and for callers). */
export interface SnapshotNotFoundDetails {
  /** The selector as asked: a tag name, a snapshot id, or an ISO time. */
  readonly asked: string;
  /** Valid tags nearest to what was asked (by spelling for a name, by commit time for a time), nearest first. */
  readonly nearestTags: readonly string[];
}

/** A snapshot, ref or timestamp that names no version of the table. */
export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
  constructor(message: string, readonly details?: SnapshotNotFoundDetails) {
    super(message);
  }
}
