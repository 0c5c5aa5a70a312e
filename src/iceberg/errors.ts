/** Another writer committed first; the change may be re-applied on the new base. */
export class CommitConflictError extends Error {
  override readonly name = 'CommitConflictError';
}

/** The commit call failed in a way that leaves its outcome unknown (e.g. a timeout). */
export class CommitStateUnknownError extends Error {
  override readonly name = 'CommitStateUnknownError';
}

/** A snapshot, ref or timestamp that names no version of the table. */
export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
}
