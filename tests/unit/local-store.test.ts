import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { InvalidKeyError, LocalStore } from '../../src/storage/local-store';

let root: string;
let store: LocalStore;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-local-store-unit-'));
  store = await LocalStore.create(path.join(root, 'lake'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

test('url is the file:// URL of the absolute root, without a trailing slash', () => {
  expect(store.url).toBe(`file://${root}/lake`);
});

test('localPath maps a key to the file below the root', () => {
  expect(store.localPath('t/data/a.parquet')).toBe(path.join(root, 'lake', 't', 'data', 'a.parquet'));
});

test.each([
  ['..', '../escape'],
  ['.. in the middle', 'a/../../b'],
  ['.', 'a/./b'],
  ['leading /', '/etc/passwd'],
  ['empty segment', 'a//b'],
  ['trailing /', 'a/'],
  ['empty key', ''],
])('rejects a key with %s', async (_reason, key) => {
  await expect(store.put(key, 'x')).rejects.toThrow(InvalidKeyError);
});

test('a failed stream leaves neither the object nor a temp file', async () => {
  const failing = new Readable({
    read() {
      this.destroy(new Error('source broke'));
    },
  });

  await expect(store.put('t/broken.bin', failing)).rejects.toThrow('source broke');

  expect(await filesUnder(store.rootDir)).toEqual([]);
});

test('putIfAbsent leaves no temp file behind, whether it wins or loses', async () => {
  await store.putIfAbsent('t/v1.json', 'first');
  await store.putIfAbsent('t/v1.json', 'second');

  expect(await filesUnder(store.rootDir)).toEqual(['v1.json']);
});

test('list skips temp files of writes in progress', async () => {
  await store.put('t/a.json', 'a');
  await fs.writeFile(path.join(store.rootDir, 't', 'b.json.meterlake-tmp-123'), 'partial');

  const keys: string[] = [];
  for await (const info of store.list('t/')) keys.push(info.key);

  expect(keys).toEqual(['t/a.json']);
});

test('a folder is not an object', async () => {
  await store.put('t/data/a.parquet', 'a');

  expect(await store.head('t/data')).toBeUndefined();
});

test('list of a root that does not exist yet is empty', async () => {
  const fresh = new LocalStore(path.join(root, 'not-created'));

  const keys: string[] = [];
  for await (const info of fresh.list('')) keys.push(info.key);

  expect(keys).toEqual([]);
});

test('listFolders names the folders directly under a prefix, not their files or deeper folders', async () => {
  await store.put('w/b/metadata/x.json', '{}');
  await store.put('w/a/data/y.parquet', 'y');
  await store.put('w/file.txt', 'z');
  expect([await store.listFolders('w/'), await store.listFolders('missing/')]).toEqual([['a', 'b'], []]);
});
