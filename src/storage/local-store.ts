import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { NotFoundError } from '../iceberg/file-io';
import type { Body, ObjectInfo, ObjectStore } from './object-store';

/** Marks in-progress writes; list() hides them and keys may not contain it. */
const TEMP_MARKER = '.meterlake-tmp-';
/** How many files list() stats at once. */
const STAT_BATCH = 64;

/** A key that cannot name an object in a store (absolute, empty segment, `.`/`..`, ...). */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
  constructor(readonly key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
  }
}

/**
 * An ObjectStore over a local folder. Keys are '/'-separated paths below the root. Every write
 * lands in a temp file in the target's own directory and is renamed (or linked) into place, so
 * readers see either the old object or the whole new one.
 */
export class LocalStore implements ObjectStore {
  readonly url: string;
  /** Absolute path of the root folder. */
  readonly rootDir: string;

  /** The folder need not exist yet: writes create the directories they need. */
  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
    this.url = pathToFileURL(this.rootDir).href.replace(/\/+$/, '');
  }

  /** A store over `rootDir`, creating the folder when missing. */
  static async create(rootDir: string): Promise<LocalStore> {
    const store = new LocalStore(rootDir);
    await fs.mkdir(store.rootDir, { recursive: true });
    return store;
  }

  localPath(key: string): string {
    assertValidKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.localPath(key));
    } catch (err) {
      throw this.translateReadError(err, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    // Open first so a missing key fails here, not later on the stream.
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.localPath(key), 'r');
    } catch (err) {
      throw this.translateReadError(err, key);
    }
    return handle.createReadStream();
  }

  async getToFile(key: string, destination: string): Promise<void> {
    const source = this.localPath(key);
    await writeAtomically(destination, async (temp) => {
      try {
        await fs.copyFile(source, temp);
      } catch (err) {
        throw this.translateReadError(err, key);
      }
    });
  }

  async put(key: string, body: Body): Promise<ObjectInfo> {
    const target = this.localPath(key);
    await writeAtomically(target, (temp) => writeBody(temp, body));
    return this.infoFor(key, target);
  }

  async putFile(key: string, source: string): Promise<ObjectInfo> {
    const target = this.localPath(key);
    await writeAtomically(target, (temp) => fs.copyFile(source, temp));
    return this.infoFor(key, target);
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const target = this.localPath(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathBeside(target);
    try {
      // Durable before it becomes visible: this is the commit point of the Iceberg file catalog.
      await fs.writeFile(temp, body, { flush: true });
      return await this.linkIfAbsent(key, temp);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /**
   * Make a complete file on the store's filesystem visible as `key` unless the key exists:
   * link() fails with EEXIST instead of replacing, so exactly one concurrent creator wins, and
   * the object appears whole or not at all. The file itself stays where it is (the caller removes it).
   */
  async linkIfAbsent(key: string, filePath: string): Promise<boolean> {
    const target = this.localPath(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      await fs.link(filePath, target);
      return true;
    } catch (err) {
      if (errorCode(err) === 'EEXIST') return false;
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      return await this.infoFor(key, this.localPath(key));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the deepest folder the prefix names; filter the rest by string prefix.
    const prefixDir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (prefixDir !== '') assertValidKey(prefixDir);
    const keys: string[] = [];
    for await (const key of walkKeys(this.rootDir, prefixDir)) {
      if (key.startsWith(prefix)) keys.push(key);
    }
    // S3 order is by key; a directory walk is not ('a-b' < 'a/b'), so sort the whole list.
    keys.sort(compareKeys);
    for (let start = 0; start < keys.length; start += STAT_BATCH) {
      const infos = await Promise.all(keys.slice(start, start + STAT_BATCH).map((key) => this.head(key)));
      for (const info of infos) {
        if (info) yield info; // deleted while listing: skip it, as S3 would.
      }
    }
  }

  async listFolders(prefix: string): Promise<string[]> {
    const dirKey = prefix.replace(/\/$/, '');
    const dirPath = dirKey === '' ? this.rootDir : this.localPath(dirKey);
    const entries = await fs.readdir(dirPath, { withFileTypes: true }).catch((err: unknown) => {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.localPath(key), { force: true });
  }

  private uriFor(key: string): string {
    return `${this.url}/${key}`;
  }

  private async infoFor(key: string, filePath: string): Promise<ObjectInfo> {
    let stat;
    try {
      stat = await fs.stat(filePath);
    } catch (err) {
      throw this.translateReadError(err, key);
    }
    if (!stat.isFile()) throw new NotFoundError(this.uriFor(key));
    return { key, size: stat.size, lastModified: new Date(stat.mtimeMs) };
  }

  private translateReadError(err: unknown, key: string): unknown {
    const code = errorCode(err);
    // A folder is not an object: S3 has no key there either.
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      return new NotFoundError(this.uriFor(key), { cause: err });
    }
    return err;
  }
}

/** Throws InvalidKeyError unless `key` is a relative '/'-separated path without `.`/`..`. */
export function assertValidKey(key: string): void {
  if (key === '') throw new InvalidKeyError(key, 'a key may not be empty');
  if (key.startsWith('/')) throw new InvalidKeyError(key, "a key may not start with '/'");
  if (key.includes('\0')) throw new InvalidKeyError(key, 'a key may not contain NUL');
  if (key.includes(TEMP_MARKER)) throw new InvalidKeyError(key, `'${TEMP_MARKER}' is reserved for temp files`);
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, "a key may not contain an empty segment ('//' or a trailing '/')");
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `a key may not contain a '${segment}' segment`);
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** A temp path in the target's directory (same filesystem, so rename/link are atomic). */
function tempPathBeside(target: string): string {
  return `${target}${TEMP_MARKER}${randomUUID()}`;
}

/** Let `fill` write a temp file beside `target`, then rename it over `target`. */
async function writeAtomically(target: string, fill: (temp: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathBeside(target);
  try {
    await fill(temp);
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

async function writeBody(filePath: string, body: Body): Promise<void> {
  if (body instanceof Readable) {
    // Open before piping: a stream opens its file lazily, so a source that fails at once could
    // otherwise create the temp file after the caller has removed it.
    const handle = await fs.open(filePath, 'w');
    await pipeline(body, handle.createWriteStream());
  } else {
    await fs.writeFile(filePath, body);
  }
}

/** Keys of all files below `dirKey` ('' = root), skipping temp files; unordered. */
async function* walkKeys(rootDir: string, dirKey: string): AsyncGenerator<string> {
  const dirPath = dirKey === '' ? rootDir : path.join(rootDir, ...dirKey.split('/'));
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dirPath, { withFileTypes: true });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
    if (entry.isDirectory()) {
      yield* walkKeys(rootDir, key);
    } else if (entry.isFile() && !entry.name.includes(TEMP_MARKER)) {
      yield key;
    }
  }
}
