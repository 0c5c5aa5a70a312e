import { icebergMetadata, icebergRead } from 'icebird';
import { NotFoundError } from '../../src/iceberg/file-io';
import type { S3Store } from '../../src/storage/s3-store';

/**
 * Rows of the Iceberg table whose current metadata file is `metadataLocation`
 * (`s3://<bucket>/<table>/metadata/<file>`), read with icebird, the independent reader, from an
 * S3-compatible server: icebird fetches `https://<bucket>.s3.amazonaws.com/<key>`, which global
 * fetch answers here from `store` (GET, HEAD and byte ranges) while the read runs.
 */
export async function icebirdRowsOnS3(store: S3Store, metadataLocation: string): Promise<Record<string, unknown>[]> {
  const prefix = `s3://${store.bucket}/`;
  if (!metadataLocation.startsWith(prefix)) throw new Error(`${metadataLocation} is not in bucket ${store.bucket}`);
  const [, tablePath, fileName] = /^(.*)\/metadata\/([^/]+)$/.exec(metadataLocation.slice(prefix.length)) ?? [];
  if (!tablePath) throw new Error(`${metadataLocation} is not a metadata file`);
  const host = `https://${store.bucket}.s3.amazonaws.com/`;
  const original = globalThis.fetch;
  const objects = new Map<string, Promise<Buffer | undefined>>();
  const object = (key: string) => {
    let found = objects.get(key);
    if (!found) {
      found = store.get(key).catch((error: unknown) => {
        if (error instanceof NotFoundError || (error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      });
      objects.set(key, found);
    }
    return found;
  };
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(host)) return original(input, init);
    const data = await object(decodeURIComponent(url.slice(host.length).split('?')[0]));
    if (!data) return new Response('not found', { status: 404, statusText: 'Not Found' });
    if (init?.method === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(data.length) } });
    const range = /bytes=(\d+)-(\d*)/.exec(new Headers(init?.headers).get('range') ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) + 1 : data.length;
      return new Response(new Uint8Array(data.subarray(start, end)), { status: 206 });
    }
    return new Response(new Uint8Array(data), { status: 200 });
  }) as typeof fetch;
  try {
    const tableUrl = `${host}${tablePath}`;
    const metadata = await icebergMetadata({ tableUrl, metadataFileName: fileName });
    if (BigInt((metadata['current-snapshot-id'] as bigint | number | undefined) ?? -1) === -1n) return [];
    return await icebergRead({ tableUrl, metadata });
  } finally {
    globalThis.fetch = original;
  }
}
