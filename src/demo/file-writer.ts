import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

const FLUSH_CHARS = 1 << 20;

/** A landing file could not be written. */
export class DemoWriteError extends Error {
  override readonly name = 'DemoWriteError';
  constructor(readonly path: string, cause: unknown) {
    super(`Could not write demo file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Writes files from lazily produced chunks, a few files at a time: memory stays at about one
 * flush buffer per file in flight, and generation overlaps the disk writes.
 */
export class ChunkedFileWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly madeDirs = new Set<string>();
  private failure: DemoWriteError | undefined;

  constructor(private readonly concurrency = 8) {}

  /** Queue a file; resolves once there is room for another. */
  async submit(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
    if (this.failure) throw this.failure;
    const task: Promise<void> = this.write(path, chunks)
      .catch((error: unknown) => {
        this.failure ??= new DemoWriteError(path, error);
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
    if (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Wait for every queued file. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async write(path: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
    const dir = dirname(path);
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const handle = await open(path, 'w');
    try {
      let pending = '';
      for (const chunk of chunks) {
        if (typeof chunk === 'string') {
          pending += chunk;
          if (pending.length < FLUSH_CHARS) continue;
          await handle.write(pending);
          pending = '';
        } else {
          if (pending) await handle.write(pending);
          pending = '';
          await handle.write(chunk);
        }
      }
      if (pending) await handle.write(pending);
    } finally {
      await handle.close();
    }
  }
}
