import type { Readable } from 'node:stream';

/** What a store knows about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag?: string;
  versionId?: string;
}

export type Body = Buffer | string | Readable;

/**
 * The object storage port. Keys are relative to the store's root (`url`); the Iceberg layer
 * sees absolute URIs through `toFileIO` (src/storage/file-io.ts).
 */
export interface ObjectStore {
  /** Absolute URI of the store's root, without a trailing slash: `file:///abs/dir` or `s3://bucket/prefix`. */
  readonly url: string;
  get(key: string): Promise<Buffer>;
  /** `version`: read exactly that version of a versioned object (S3 VersionId); local objects never change. */
  getStream(key: string, version?: string): Promise<Readable>;
  /** Download into a local file (streamed; large objects never sit in memory). */
  getToFile(key: string, path: string, version?: string): Promise<void>;
  /** Write an object; streams and large files go up in parts. */
  put(key: string, body: Body): Promise<ObjectInfo>;
  putFile(key: string, path: string): Promise<ObjectInfo>;
  /** Create only if the key does not exist. Resolves false when it already existed. */
  putIfAbsent(key: string, body: Buffer | string): Promise<boolean>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** All objects whose key starts with `prefix`, in key order, fetched page by page. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * Names of the folders directly under `prefix` (which ends with '/'), without walking their
   * files. Optional: a store without it is listed file by file.
   */
  listFolders?(prefix: string): Promise<string[]>;
  /** Delete; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A local filesystem path for the key when the store is a folder (lets DuckDB read in place). */
  localPath(key: string): string | undefined;
}
