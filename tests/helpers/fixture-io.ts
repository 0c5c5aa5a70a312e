import { withFetchFrom } from './icebird';
/**
 * Read-only access to the golden Iceberg tables in `tests/fixtures/iceberg` (written by
 * Athena, Spark and the Java library). Their metadata names `s3://hyperparam-iceberg/<path>` or
 * `s3a://hyperparam-iceberg/<path>`; both map to `<fixtures>/<path>`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, type FileIO } from '../../src/iceberg/file-io';

/** The fixture folder, carried in the repository with its licence notice. */
export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/iceberg');

const PREFIXES = ['s3://hyperparam-iceberg/', 's3a://hyperparam-iceberg/'];
/** The host icebird turns `s3://hyperparam-iceberg/<key>` into (it fetches over HTTPS). */
const ICEBIRD_HTTPS_PREFIX = 'https://hyperparam-iceberg.s3.amazonaws.com/';

/** A URI that names no fixture (another bucket or scheme). */
export class NotAFixtureUriError extends Error {
  override readonly name = 'NotAFixtureUriError';
  constructor(readonly uri: string) {
    super(`${uri} is not a fixture URI: expected ${PREFIXES.join(' or ')}<path>`);
  }
}

/** Local path of a fixture URI (`s3://hyperparam-iceberg/athena/example/…` → `<fixtures>/athena/example/…`). */
export function fixtureLocalPath(uri: string): string {
  const prefix = PREFIXES.find((p) => uri.startsWith(p));
  if (!prefix) throw new NotAFixtureUriError(uri);
  const local = path.resolve(FIXTURES_DIR, uri.slice(prefix.length));
  if (!local.startsWith(`${FIXTURES_DIR}${path.sep}`)) throw new NotAFixtureUriError(uri);
  return local;
}

/** The read-only writes of the fixture FileIO. */
export class ReadOnlyFixtureError extends Error {
  override readonly name = 'ReadOnlyFixtureError';
  constructor(readonly uri: string) {
    super(`fixtures are read-only: cannot modify ${uri}`);
  }
}

async function statOrUndefined(local: string) {
  try {
    return await fs.stat(local);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A read-only FileIO over the fixture tables. */
export function fixtureIO(): FileIO {
  return {
    read: async (uri) => {
      const local = fixtureLocalPath(uri);
      try {
        return await fs.readFile(local);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(uri, { cause: err });
        throw err;
      }
    },
    write: async (uri) => {
      throw new ReadOnlyFixtureError(uri);
    },
    writeIfAbsent: async (uri) => {
      throw new ReadOnlyFixtureError(uri);
    },
    delete: async (uri) => {
      throw new ReadOnlyFixtureError(uri);
    },
    size: async (uri) => (await statOrUndefined(fixtureLocalPath(uri)))?.size,
    list: async function* (prefixUri) {
      const scheme = PREFIXES.find((p) => prefixUri.startsWith(p)) ?? PREFIXES[0];
      const dir = fixtureLocalPath(prefixUri.endsWith('/') ? prefixUri : `${prefixUri}/`);
      const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const local = path.join(entry.parentPath, entry.name);
        const stat = await fs.stat(local);
        const key = path.relative(FIXTURES_DIR, local).split(path.sep).join('/');
        yield { uri: `${scheme}${key}`, size: stat.size, lastModifiedMs: stat.mtimeMs };
      }
    },
  };
}

/** Every metadata file of a fixture table (`athena/example`), oldest version first. */
export async function fixtureMetadataFiles(table: string): Promise<string[]> {
  const names = await fs.readdir(path.join(FIXTURES_DIR, table, 'metadata'));
  const version = (n: string) => Number(/^v?(\d+)/.exec(n)?.[1] ?? NaN);
  return names.filter((n) => n.endsWith('.metadata.json')).sort((a, b) => version(a) - version(b));
}

/**
 * Run `fn` while global fetch answers icebird's requests for `https://hyperparam-iceberg.s3.amazonaws.com/<key>`
 * (GET, HEAD and byte ranges) from the fixture folder. icebird turns every s3:// path into that
 * URL and has no hook for another transport; any other URL goes to the real fetch.
 */
export async function withFixtureFetch<T>(fn: () => Promise<T>): Promise<T> {
  const bytesOf = (url: string) => {
    if (!url.startsWith(ICEBIRD_HTTPS_PREFIX)) return undefined;
    return fs.readFile(fixtureLocalPath(`s3://hyperparam-iceberg/${decodeURIComponent(url.slice(ICEBIRD_HTTPS_PREFIX.length))}`)).catch(() => undefined);
  };
  return withFetchFrom(bytesOf, fn);
}
