import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotFoundError, type FileIO } from '../../src/iceberg/file-io';
import { fileIOFor, storeFromUrl, UnsupportedStoreUrlError, UriOutsideStoreError } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import { S3Store } from '../../src/storage/s3-store';

let root: string;
let store: LocalStore;
let io: FileIO;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-file-io-'));
  store = await LocalStore.create(root);
  io = fileIOFor(store);
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('fileIOFor', () => {
  test('writes and reads a URI under the store as the matching key', async () => {
    await io.write(`${store.url}/t/metadata/v1.json`, '{}');

    expect((await store.get('t/metadata/v1.json')).toString()).toBe('{}');
    expect((await io.read(`${store.url}/t/metadata/v1.json`)).toString()).toBe('{}');
  });

  test('writeIfAbsent reports false for an existing file', async () => {
    await io.writeIfAbsent(`${store.url}/t/v1.json`, 'first');

    expect(await io.writeIfAbsent(`${store.url}/t/v1.json`, 'second')).toBe(false);
  });

  test('size is undefined for a missing file', async () => {
    expect(await io.size(`${store.url}/t/none.json`)).toBeUndefined();
  });

  test('read of a missing file throws NotFoundError', async () => {
    await expect(io.read(`${store.url}/t/none.json`)).rejects.toThrow(NotFoundError);
  });

  test('list yields absolute URIs under a prefix URI', async () => {
    await store.put('t/metadata/v1.json', '{}');
    await store.put('t/data/a.parquet', 'abc');

    const listed = [];
    for await (const file of io.list(`${store.url}/t/metadata/`)) listed.push(file);

    expect(listed).toEqual([{ uri: `${store.url}/t/metadata/v1.json`, size: 2, lastModifiedMs: expect.any(Number) }]);
  });

  test('list of the store URL itself yields everything', async () => {
    await store.put('a', '1');

    const uris = [];
    for await (const file of io.list(store.url)) uris.push(file.uri);

    expect(uris).toEqual([`${store.url}/a`]);
  });

  test('a plain absolute path below a folder store is accepted', async () => {
    await io.write(path.join(root, 't', 'x.json'), 'x');

    expect((await store.get('t/x.json')).toString()).toBe('x');
  });

  test('a URI outside the store is refused with a clear error', async () => {
    await expect(io.read('s3://other-bucket/t/v1.json')).rejects.toThrow(UriOutsideStoreError);
    await expect(io.read('s3://other-bucket/t/v1.json')).rejects.toThrow(`outside the object store at ${store.url}`);
  });
});

describe('storeFromUrl', () => {
  test('s3:// builds an S3Store for the bucket and prefix', () => {
    const s3 = storeFromUrl('s3://lake-bucket/warehouse/meters', { region: 'eu-west-1' });

    expect(s3).toBeInstanceOf(S3Store);
    expect(s3.url).toBe('s3://lake-bucket/warehouse/meters');
  });

  test('file:// builds a LocalStore for that folder', () => {
    const local = storeFromUrl(`file://${root}/lake`);

    expect(local).toBeInstanceOf(LocalStore);
    expect(local.localPath('k')).toBe(path.join(root, 'lake', 'k'));
  });

  test('a relative path builds a LocalStore below the working directory', () => {
    const local = storeFromUrl('.meterlake/lake');

    expect(local.url).toBe(`file://${path.resolve('.meterlake/lake')}`);
  });

  test('an unknown scheme is refused', () => {
    expect(() => storeFromUrl('gs://bucket/lake')).toThrow(UnsupportedStoreUrlError);
  });
});
