import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
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
 * Writes files from lazily produced chunks, flushing about every megabyte, so no file is ever
 * held whole in memory. Synchronous on purpose: the demo writes ~90,000 mostly small files and
 * promise-based handles cost more CPU than the writes themselves; callers yield to the event
 * loop between files (see generateDemo).
 */
export class ChunkedFileWriter {
  private readonly madeDirs = new Set<string>();

  /** Write a file from its chunks. */
  write(path: string, chunks: Iterable<string | Uint8Array>): void {
    const dir = dirname(path);
    try {
      if (!this.madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const fd = openSync(path, 'w');
      try {
        let pending = '';
        for (const chunk of chunks) {
          if (typeof chunk !== 'string') {
            if (pending) writeSync(fd, pending);
            pending = '';
            writeSync(fd, chunk);
          } else if ((pending += chunk).length >= FLUSH_CHARS) {
            writeSync(fd, pending);
            pending = '';
          }
        }
        if (pending) writeSync(fd, pending);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new DemoWriteError(path, error);
    }
  }
}
