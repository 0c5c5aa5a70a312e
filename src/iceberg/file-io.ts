/**
 * The only I/O the table format needs: read and write whole files by absolute URI.
 * Object stores implement it (src/storage); the format layer never imports them.
 */
export interface FileIO {
  /** Read a whole file. Throws NotFoundError when it does not exist. */
  read(uri: string): Promise<Buffer>;
  /** Write a whole file atomically (readers never see a partial file). */
  write(uri: string, data: Buffer | string): Promise<void>;
  /** Create the file only if nothing exists at `uri`; false when it already existed. */
  writeIfAbsent(uri: string, data: Buffer | string): Promise<boolean>;
  /** Size in bytes, or undefined when the file does not exist. */
  size(uri: string): Promise<number | undefined>;
  delete(uri: string): Promise<void>;
  /** Absolute URIs of all files under a URI prefix. */
  list(prefixUri: string): AsyncIterable<{ uri: string; size: number; lastModifiedMs: number }>;
  /** Names of the folders directly under a URI prefix ending in '/' (optional: saves walking every file). */
  listFolders?(prefixUri: string): Promise<string[]>;
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly uri: string, options?: { cause?: unknown }) {
    super(`not found: ${uri}`, options);
  }
}
