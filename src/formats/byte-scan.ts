import { BYTE_SCAN_WASM_BASE64 } from './byte-scan-wasm';

/** What the CSV fast path must know of a stretch of a file before DuckDB reads it. */
export interface ByteFacts {
  /**
   * A control byte inside quotes (CR, LF and the delimiter included), or a quote opening a quoted
   * field where DuckDB would take it as a plain character (not after a delimiter, a line break or
   * another quote), after which quote parity no longer follows DuckDB's reading: lines may not be
   * records, and a quoted meter id may hold a control byte, so meter ids need the per-row check.
   */
  hasQuoteHazard: boolean;
  hasUnderscore: boolean;
  /** "\n\n" or "\n\r\n": lines would not be records. */
  hasBlankLine: boolean;
  /** A control byte other than CR, LF and the delimiter: meter ids then need the per-row check. */
  hasControl: boolean;
}

export const NO_BYTE_FACTS: ByteFacts = { hasQuoteHazard: false, hasUnderscore: false, hasBlankLine: false, hasControl: false };

/** Facts of two stretches together. */
export function mergeByteFacts(a: ByteFacts, b: ByteFacts): ByteFacts {
  return {
    hasQuoteHazard: a.hasQuoteHazard || b.hasQuoteHazard,
    hasUnderscore: a.hasUnderscore || b.hasUnderscore,
    hasBlankLine: a.hasBlankLine || b.hasBlankLine,
    hasControl: a.hasControl || b.hasControl,
  };
}

/** Chunks start 16 bytes in (aligned); 16 bytes after a chunk are padding the SIMD loop may read. */
const CHUNK_OFFSET = 16;
const PADDING = 16;
/** A byte that none of the scanned-for classes contains. */
const NEUTRAL_BYTE = 0x41;
const WASM_PAGE = 64 * 1024;

/** The part of the WebAssembly global used here (the Node 20 type definitions do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/**
 * Scans the chunks of one file read in order: `chunk` is a Buffer inside WebAssembly memory that
 * the caller reads the file into, then `scan(n)` answers for its first n bytes (a blank line
 * across the seam with the previous chunk included). `reset` starts a file with its header;
 * `seam`/`restore` save and put back the state between chunks.
 */
export class ByteScanner {
  readonly chunk: Buffer;
  private readonly scanFn: (ptr: number, len: number, before2: number, before1: number, quote: number, delimiter: number, inQuotes: number) => number;
  private before2 = -1;
  private before1 = -1;
  /** 1 while a quoted field is open at the end of what was scanned. */
  private inQuotes = 0;

  constructor(private readonly quote: number | undefined, private readonly delimiter: number, chunkBytes = 4 << 20) {
    if (chunkBytes >= 1 << 26) throw new Error(`byte scan chunk of ${chunkBytes} bytes is too large`);
    compiled ??= new wasm.Module(Buffer.from(BYTE_SCAN_WASM_BASE64, 'base64'));
    const memory = new wasm.Memory({ initial: Math.ceil((CHUNK_OFFSET + chunkBytes + PADDING) / WASM_PAGE) });
    const instance = new wasm.Instance(compiled, { env: { memory } });
    this.scanFn = instance.exports.scan as ByteScanner['scanFn'];
    this.chunk = Buffer.from(memory.buffer, CHUNK_OFFSET, chunkBytes + PADDING).subarray(0, chunkBytes);
  }

  /**
   * Start a file: scan its header line (its quotes set the state the data starts in) and return
   * the header's facts. Chunk contents are overwritten.
   */
  reset(headerBytes: Uint8Array = new Uint8Array()): ByteFacts {
    // The file's start counts as a line start (a quote may open a field there).
    this.restore([-1, 0x0a, 0]);
    let facts = NO_BYTE_FACTS;
    for (let at = 0; at < headerBytes.length; at += this.chunk.length) {
      const piece = headerBytes.subarray(at, at + this.chunk.length);
      this.chunk.set(piece);
      facts = mergeByteFacts(facts, this.scan(piece.length).facts);
    }
    return facts;
  }

  /** What the next chunk follows, to scan a chunk again from `restore`. */
  seam(): [number, number, number] {
    return [this.before2, this.before1, this.inQuotes];
  }

  restore([before2, before1, inQuotes]: [number, number, number]): void {
    this.before2 = before2;
    this.before1 = before1;
    this.inQuotes = inQuotes;
  }

  /** Facts and newline count of chunk[0, length), which follows the bytes scanned last. */
  scan(length: number): { facts: ByteFacts; newlines: number } {
    if (length <= 0) return { facts: NO_BYTE_FACTS, newlines: 0 };
    // The padding overwrites the bytes after the range: they are put back (the caller may still use them).
    const padding = new Uint8Array(this.chunk.buffer, this.chunk.byteOffset + length, PADDING);
    const saved = Uint8Array.from(padding);
    padding.fill(NEUTRAL_BYTE);
    const result = this.scanFn(this.chunk.byteOffset, length, this.before2, this.before1, this.quote ?? -1, this.delimiter, this.inQuotes);
    padding.set(saved);
    this.before2 = length >= 2 ? this.chunk[length - 2] : this.before1;
    this.before1 = this.chunk[length - 1];
    this.inQuotes = (result >>> 4) & 1;
    return {
      newlines: result >>> 5,
      facts: {
        hasQuoteHazard: (result & 1) !== 0,
        hasUnderscore: (result & 2) !== 0,
        hasBlankLine: (result & 4) !== 0,
        hasControl: (result & 8) !== 0,
      },
    };
  }
}
