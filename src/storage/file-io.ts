import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileIO } from '../iceberg/file-io';
import { LocalStore } from './local-store';
import type { ObjectStore } from './object-store';
import { S3Store, type S3StoreOptions } from './s3-store';

/** A URI the store cannot serve: it does not lie under the store's root. */
export class UriOutsideStoreError extends Error {
  override readonly name = 'UriOutsideStoreError';
  constructor(readonly uri: string, readonly storeUrl: string) {
    super(`${uri} is outside the object store at ${storeUrl}: expected a URI starting with ${storeUrl}/`);
  }
}

/** A store URL with a scheme this project has no store for. */
export class UnsupportedStoreUrlError extends Error {
  override readonly name = 'UnsupportedStoreUrlError';
  constructor(readonly storeUrl: string) {
    super(`unsupported object store URL ${storeUrl}: expected s3://bucket[/prefix], file:///abs/dir or a local path`);
  }
}

/** Adapts an ObjectStore to the Iceberg FileIO port: absolute URIs under `store.url` map to keys. */
export function fileIOFor(store: ObjectStore): FileIO {
  const keyFor = (uri: string): string => keyUnder(store, uri, false);
  // async throughout, so a URI outside the store is a rejected promise, never a synchronous throw.
  return {
    read: async (uri) => store.get(keyFor(uri)),
    write: async (uri, data) => {
      await store.put(keyFor(uri), data);
    },
    writeIfAbsent: async (uri, data) => store.putIfAbsent(keyFor(uri), data),
    size: async (uri) => (await store.head(keyFor(uri)))?.size,
    delete: async (uri) => store.delete(keyFor(uri)),
    list: async function* (prefixUri) {
      for await (const info of store.list(keyUnder(store, prefixUri, true))) {
        yield { uri: `${store.url}/${info.key}`, size: info.size, lastModifiedMs: info.lastModified.getTime() };
      }
    },
    ...(store.listFolders ? { listFolders: async (prefixUri: string) => store.listFolders!(keyUnder(store, prefixUri, true)) } : {}),
  };
}

/**
 * The store for a root URL: `s3://bucket[/prefix]` → S3Store (connection settings from
 * `s3Options`); `file:///abs/dir` or a local path (relative paths resolve against the cwd) → LocalStore.
 */
export function storeFromUrl(url: string, s3Options?: Omit<S3StoreOptions, 'bucket' | 'prefix'>): ObjectStore {
  if (url.startsWith('s3://')) {
    const [bucket, ...prefix] = url.slice('s3://'.length).split('/');
    if (!bucket) throw new UnsupportedStoreUrlError(url);
    return new S3Store({ ...s3Options, bucket, prefix: prefix.join('/') });
  }
  if (url.startsWith('file:')) return new LocalStore(fileURLToPath(url));
  // A scheme other than a Windows drive letter ("C:\...") is not ours.
  if (/^[a-z][a-z0-9+.-]+:/i.test(url)) throw new UnsupportedStoreUrlError(url);
  return new LocalStore(path.resolve(url));
}

/**
 * The key that `uri` names in `store`. A prefix may name the root itself (`store.url`). For a
 * folder store a plain absolute path below the root is accepted too (tools such as DuckDB report paths).
 */
function keyUnder(store: ObjectStore, uri: string, isPrefix: boolean): string {
  for (const root of rootSpellings(store)) {
    if (uri.startsWith(`${root}/`)) return uri.slice(root.length + 1);
    if (isPrefix && uri === root) return '';
  }
  throw new UriOutsideStoreError(uri, store.url);
}

function rootSpellings(store: ObjectStore): string[] {
  return store instanceof LocalStore ? [store.url, store.rootDir] : [store.url];
}
