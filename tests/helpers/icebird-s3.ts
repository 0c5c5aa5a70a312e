import { icebergMetadata, icebergRead } from 'icebird';
import { NotFoundError } from '../../src/iceberg/file-io';
import type { S3Store } from '../../src/storage/s3-store';
import { withFetchFrom } from './icebird';

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
  const bytesOf = (url: string) => (url.startsWith(host) ? object(decodeURIComponent(url.slice(host.length).split('?')[0])) : undefined);
  return withFetchFrom(bytesOf, async () => {
    const tableUrl = `${host}${tablePath}`;
    const metadata = await icebergMetadata({ tableUrl, metadataFileName: fileName });
    if (BigInt((metadata['current-snapshot-id'] as bigint | number | undefined) ?? -1) === -1n) return [];
    return icebergRead({ tableUrl, metadata });
  });
}
