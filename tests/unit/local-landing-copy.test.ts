import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyWithEtag, fileEtag } from '../../src/local/landing';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meterlake-landing-copy-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// Larger than one read chunk (1 MiB), not a multiple of it.
const content = Buffer.from(Array.from({ length: 90_000 }, (_, i) => `MTR-${i},2024-01-01T00:15:00Z,15,0.${i % 1000},actual\n`).join(''));

test('copyWithEtag writes the same bytes and returns their MD5, as fileEtag does for the source', async () => {
  const source = path.join(dir, 'readings.csv');
  const landed = path.join(dir, 'landed.csv');
  await fs.writeFile(source, content);
  expect(content.length).toBeGreaterThan(2 ** 20);

  const etag = await copyWithEtag(source, landed);

  expect((await fs.readFile(landed)).equals(content)).toBe(true);
  expect(etag).toBe(createHash('md5').update(content).digest('hex'));
  expect(etag).toBe(await fileEtag(source));
});

test('copyWithEtag of a missing file fails naming it, and leaves nothing beside the destination', async () => {
  const missing = path.join(dir, 'missing.csv');
  await expect(copyWithEtag(missing, path.join(dir, 'landed.csv'))).rejects.toThrow(missing);
  expect(await fs.readdir(dir)).toEqual([]);
});
