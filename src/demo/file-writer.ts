import { createWriteStream, mkdirSync, writeFile, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';

/** Files up to this size are written in one call; larger ones stream. */
const WHOLE_FILE_CHARS = 1 << 20;

/** A landing file could not be written. */
export class DemoWriteError extends Error {
  override readonly name = 'DemoWriteError';
  constructor(readonly path: string, cause: unknown) {
    super(`Could not write demo file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Writes files from lazily produced chunks. Small files (most of the ~90,000 demo files) go out
 * in one `writeFile` with many in flight, so the disk's latency overlaps generation; large files
 * stream through an fs write stream with backpressure, so no file is ever held whole in memory.
 */
export class ChunkedFileWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly madeDirs = new Set<string>();
  private failure: DemoWriteError | undefined;

  constructor(private readonly concurrency = 32) {}

  /** Write a file; resolves once there is room for another (call drain() at the end). */
  async submit(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
    if (this.failure) throw this.failure;
    this.ensureDir(path);
    const iterator = chunks[Symbol.iterator]();
    const head: (string | Uint8Array)[] = [];
    let size = 0;
    let step = iterator.next();
    while (!step.done && size < WHOLE_FILE_CHARS) {
      head.push(step.value);
      size += step.value.length;
      step = iterator.next();
    }
    if (step.done) {
      const body = head.every((chunk) => typeof chunk === 'string') ? head.join('') : Buffer.concat(head.map(toBuffer));
      this.track(path, new Promise<void>((resolve, reject) => writeFile(path, body, (error) => (error ? reject(error) : resolve()))));
    } else {
      await this.stream(path, head, step.value, iterator);
    }
    if (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Wait for every file in flight. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private ensureDir(path: string): void {
    const dir = dirname(path);
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  private track(path: string, write: Promise<void>): void {
    const task: Promise<void> = write
      .catch((error: unknown) => {
        this.failure ??= new DemoWriteError(path, error);
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private async stream(
    path: string,
    head: (string | Uint8Array)[],
    next: string | Uint8Array,
    rest: Iterator<string | Uint8Array>,
  ): Promise<void> {
    const out: WriteStream = createWriteStream(path);
    const failed = once(out, 'error').then(([error]) => Promise.reject(new DemoWriteError(path, error)));
    failed.catch(() => undefined);
    const put = async (chunk: string | Uint8Array): Promise<void> => {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    };
    for (const chunk of head) await put(chunk);
    await put(next);
    for (let step = rest.next(); !step.done; step = rest.next()) await put(step.value);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  }
}

function toBuffer(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}
