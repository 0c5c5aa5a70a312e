import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { icebergMetadata, icebergRead } from 'icebird';
import { parseTableMetadata } from '../../src/iceberg/metadata-json';

/**
 * Run `fn` while global fetch answers the URLs `bytesOf` takes (GET, HEAD and byte ranges) with
 * the bytes it gives (undefined bytes: 404); any URL it does not take (undefined) goes to the real
 * fetch. icebird reads tables only by URL and has no hook for another transport, and Node's fetch
 * has no file:// support.
 */
export async function withFetchFrom<T>(bytesOf: (url: string) => Promise<Buffer | undefined> | undefined, fn: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const bytes = bytesOf(url);
    if (bytes === undefined) return original(input, init);
    const data = await bytes;
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
    return await fn();
  } finally {
    globalThis.fetch = original;
  }
}

/** Read with icebird, the independent reader, serving file:// URLs from disk. */
const withFileFetch = <T>(fn: () => Promise<T>) =>
  withFetchFrom((url) => (url.startsWith('file://') ? fs.readFile(fileURLToPath(url)).catch(() => undefined) : undefined), fn);

/** Rows of the table at `metadataFileName` (a file in <table>/metadata), at its current or a given snapshot. */
export async function icebirdRows(
  tableUrl: string,
  metadataFileName: string,
  snapshotId?: bigint,
): Promise<Record<string, unknown>[]> {
  return withFileFetch(async () => {
    const metadata = await icebergMetadata({ tableUrl, metadataFileName });
    if (snapshotId !== undefined) {
      // icebird parses ids as doubles (lossy beyond 2^53): find the snapshot by its manifest list.
      const ours = parseTableMetadata(await fs.readFile(fileURLToPath(`${tableUrl}/metadata/${metadataFileName}`), 'utf8'));
      const list = ours.snapshots.find((s) => s['snapshot-id'] === snapshotId)?.['manifest-list'];
      const snap = metadata.snapshots?.find((s: { 'manifest-list': string }) => s['manifest-list'] === list);
      if (!list || !snap) throw new Error(`icebird: snapshot ${snapshotId} not in ${metadataFileName}`);
      metadata['current-snapshot-id'] = snap['snapshot-id'];
    }
    if (BigInt((metadata['current-snapshot-id'] as bigint | number | undefined) ?? -1) === -1n) return [];
    return icebergRead({ tableUrl, metadata });
  });
}
