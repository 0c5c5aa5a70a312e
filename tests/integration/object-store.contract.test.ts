import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NotFoundError } from '../../src/iceberg/file-io';
import { LocalStore } from '../../src/storage/local-store';
import type { ObjectInfo, ObjectStore } from '../../src/storage/object-store';
import { S3Store } from '../../src/storage/s3-store';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

const MB = 1024 * 1024;

async function collect(iterable: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const items: ObjectInfo[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

let scratchDir: string;
beforeAll(async () => {
  scratchDir = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-store-scratch-'));
});
afterAll(async () => {
  await fs.rm(scratchDir, { recursive: true, force: true });
});

async function writeScratchFile(bytes: number): Promise<{ filePath: string; data: Buffer }> {
  const data = randomBytes(bytes);
  const filePath = path.join(scratchDir, `${randomUUID()}.bin`);
  await fs.writeFile(filePath, data);
  return { filePath, data };
}

/** The behaviour every ObjectStore promises; `makeStore` gives each test a fresh, empty store. */
function describeObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`${name} honours the ObjectStore contract`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    test('put then get returns the same bytes (Buffer)', async () => {
      const data = randomBytes(1000);

      await store.put('a/b/data.bin', data);

      expect((await store.get('a/b/data.bin')).equals(data)).toBe(true);
    });

    test('put then get returns the UTF-8 bytes of a string', async () => {
      await store.put('text.json', '{"meter":"Zähler-1"}');

      expect((await store.get('text.json')).toString('utf8')).toBe('{"meter":"Zähler-1"}');
    });

    test('put reports the size of what it wrote', async () => {
      const info = await store.put('sized.bin', randomBytes(1234));

      expect(info).toMatchObject({ key: 'sized.bin', size: 1234 });
    });

    test('put streams a Readable body', async () => {
      const parts = [randomBytes(70_000), randomBytes(70_000), randomBytes(10)];

      const info = await store.put('streamed.bin', Readable.from(parts));

      expect(info.size).toBe(140_010);
      expect((await store.get('streamed.bin')).equals(Buffer.concat(parts))).toBe(true);
    });

    test('put replaces an existing object', async () => {
      await store.put('replaced.txt', 'old');

      await store.put('replaced.txt', 'new');

      expect((await store.get('replaced.txt')).toString()).toBe('new');
    });

    test('getStream streams the object', async () => {
      const data = randomBytes(200_000);
      await store.put('stream-me.bin', data);

      const stream = await store.getStream('stream-me.bin');

      expect((await readAll(stream)).equals(data)).toBe(true);
    });

    test('putFile then getToFile round-trip a 3 MB file', async () => {
      const { filePath, data } = await writeScratchFile(3 * MB);
      const downloaded = path.join(scratchDir, `${randomUUID()}-down.bin`);

      await store.putFile('files/three.bin', filePath);
      await store.getToFile('files/three.bin', downloaded);

      expect((await fs.readFile(downloaded)).equals(data)).toBe(true);
    });

    test('putFile then getToFile round-trip a 12 MB file (multipart-sized)', async () => {
      const { filePath, data } = await writeScratchFile(12 * MB);
      const downloaded = path.join(scratchDir, 'nested', `${randomUUID()}-down.bin`);

      const info = await store.putFile('files/twelve.bin', filePath);
      await store.getToFile('files/twelve.bin', downloaded);

      expect(info.size).toBe(12 * MB);
      expect((await fs.readFile(downloaded)).equals(data)).toBe(true);
    });

    test('putFile of a missing local file rejects and creates no object', async () => {
      const missing = path.join(scratchDir, `${randomUUID()}-absent.bin`);

      await expect(store.putFile('files/absent.bin', missing)).rejects.toMatchObject({ code: 'ENOENT' });

      expect(await store.head('files/absent.bin')).toBeUndefined();
    });

    test('head reports the size of an object', async () => {
      await store.put('headed.bin', randomBytes(4321));

      const info = await store.head('headed.bin');

      expect(info).toMatchObject({ key: 'headed.bin', size: 4321 });
      expect(info?.lastModified).toBeInstanceOf(Date);
    });

    test('head of a missing key is undefined', async () => {
      expect(await store.head('missing.bin')).toBeUndefined();
    });

    test('list yields the objects under a prefix, in key order, with sizes', async () => {
      await Promise.all([
        store.put('t/m/b.parquet', 'bb'),
        store.put('t/m/a.parquet', 'a'),
        store.put('t/m-other/x', 'x'),
        store.put('t/data/c', 'ccc'),
        store.put('u/d', 'd'),
      ]);

      const listed = await collect(store.list('t/m'));

      expect(listed.map((o) => [o.key, o.size])).toEqual([
        ['t/m-other/x', 1],
        ['t/m/a.parquet', 1],
        ['t/m/b.parquet', 2],
      ]);
    });

    test('list with an empty prefix yields every object', async () => {
      await Promise.all([store.put('one', '1'), store.put('dir/two', '2')]);

      const keys = (await collect(store.list(''))).map((o) => o.key);

      expect(keys).toEqual(['dir/two', 'one']);
    });

    test('list of a prefix with no objects yields nothing', async () => {
      expect(await collect(store.list('nothing/here/'))).toEqual([]);
    });

    test('list returns all objects across pages', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `paged/${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((key) => store.put(key, key)));

      const listed = (await collect(store.list('paged/'))).map((o) => o.key);

      expect(listed).toEqual(keys);
    });

    test('delete removes the object', async () => {
      await store.put('doomed.txt', 'x');

      await store.delete('doomed.txt');

      expect(await store.head('doomed.txt')).toBeUndefined();
    });

    test('delete of a missing key succeeds', async () => {
      await expect(store.delete('never/was.txt')).resolves.toBeUndefined();
    });

    test('putIfAbsent creates a missing object and reports true', async () => {
      const created = await store.putIfAbsent('commit/v1.json', 'first');

      expect(created).toBe(true);
      expect((await store.get('commit/v1.json')).toString()).toBe('first');
    });

    test('putIfAbsent on an existing key reports false and leaves the content unchanged', async () => {
      await store.putIfAbsent('commit/v1.json', 'first');

      const created = await store.putIfAbsent('commit/v1.json', 'second');

      expect(created).toBe(false);
      expect((await store.get('commit/v1.json')).toString()).toBe('first');
    });

    test('concurrent putIfAbsent on one key: exactly one wins and its content stays', async () => {
      const bodies = Array.from({ length: 8 }, (_, i) => `writer-${i}`);

      const results = await Promise.all(bodies.map((body) => store.putIfAbsent('race/v2.json', body)));

      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = bodies[results.indexOf(true)];
      expect((await store.get('race/v2.json')).toString()).toBe(winner);
    });

    test('get of a missing key throws NotFoundError naming the URI', async () => {
      await expect(store.get('missing/file.json')).rejects.toThrow(NotFoundError);
      await expect(store.get('missing/file.json')).rejects.toMatchObject({ uri: `${store.url}/missing/file.json` });
    });

    test('getStream of a missing key throws NotFoundError', async () => {
      await expect(store.getStream('missing.bin')).rejects.toThrow(NotFoundError);
    });

    test('getToFile of a missing key throws NotFoundError and leaves no file', async () => {
      const destination = path.join(scratchDir, `${randomUUID()}-missing.bin`);

      await expect(store.getToFile('missing.bin', destination)).rejects.toThrow(NotFoundError);

      await expect(fs.stat(destination)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('LocalStore', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-local-store-'));
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  describeObjectStoreContract('LocalStore', () => LocalStore.create(path.join(root, randomUUID())));
});

describe('S3Store', () => {
  let server: TestS3Server;
  /** Small pages so pagination is exercised with few objects; minimum part size so 12 MB goes up in 3 parts. */
  const makeStore = (): S3Store =>
    new S3Store({ ...server.storeOptions(`t-${randomUUID()}`), listPageSize: 7, partSize: 5 * MB });

  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server?.close();
  });

  describeObjectStoreContract('S3Store', async () => makeStore());

  /** Names of the S3 commands a store's client sends (observes the real client; nothing is stubbed). */
  function recordCommands(store: S3Store): string[] {
    const sent: string[] = [];
    store.client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    return sent;
  }

  test('url is s3://bucket/prefix', () => {
    const store = new S3Store({ ...server.storeOptions('warehouse/lake/'), listPageSize: 7 });

    expect(store.url).toBe(`s3://${server.bucket}/warehouse/lake`);
  });

  test('putFile sends a large file up in parts', async () => {
    const store = makeStore();
    const sent = recordCommands(store);
    const { filePath } = await writeScratchFile(12 * MB);

    await store.putFile('big.bin', filePath);

    expect(sent.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
  });

  test('list follows continuation tokens page by page', async () => {
    const store = makeStore();
    await Promise.all(Array.from({ length: 15 }, (_, i) => store.put(`p/${i}`, 'x')));
    const sent = recordCommands(store);

    await collect(store.list('p/'));

    expect(sent.filter((name) => name === 'ListObjectsV2Command')).toHaveLength(3);
  });

  test("s3rver lacks If-None-Match; the test server adds AWS's conditional-write semantics", async () => {
    // The Iceberg file catalog commits by put-if-absent; s3rver alone would overwrite silently.
    const client = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      credentials: server.credentials,
      forcePathStyle: true,
    });
    const key = `conditional/${randomUUID()}.json`;
    const put = (body: string) =>
      client.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body, IfNoneMatch: '*' }));
    await put('first');

    const second = put('second');

    await expect(second).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    client.destroy();
  });
});
