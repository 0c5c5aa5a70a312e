import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ByteFacts, ByteScanner, mergeByteFacts, NO_BYTE_FACTS } from '../../src/formats/byte-scan';

/**
 * The same answers one byte at a time: what the WebAssembly scan must equal. `header` is scanned
 * first (its facts not counted), after a virtual line break: the file's start is a line start.
 */
function referenceScan(bytes: Uint8Array, quote: number | undefined, delimiter: number, header: number[]): { facts: ByteFacts; newlines: number } {
  const all = [0x0a, ...header, ...bytes];
  const from = 1 + header.length;
  let newlines = 0;
  let inQuotes = false; // RFC 4180: a doubled quote closes and reopens, so parity decides
  const facts = { ...NO_BYTE_FACTS };
  for (let i = 1; i < all.length; i++) {
    const byte = all[i];
    const counted = i >= from;
    if (byte === quote) {
      inQuotes = !inQuotes;
      // An opening quote must follow a delimiter, a line break or a quote, as DuckDB reads fields.
      if (inQuotes && counted && ![delimiter, 0x0a, quote].includes(all[i - 1])) facts.hasQuoteHazard = true;
    }
    if (!counted) continue;
    if (byte === 0x0a) newlines++;
    if (inQuotes && (byte < 0x20 || byte === 0x7f)) facts.hasQuoteHazard = true;
    if (byte === 0x5f) facts.hasUnderscore = true;
    if ((byte < 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== delimiter) || byte === 0x7f) facts.hasControl = true;
    if (byte === 0x0a && (all[i - 1] === 0x0a || (all[i - 1] === 0x0d && all[i - 2] === 0x0a))) facts.hasBlankLine = true;
  }
  return { facts, newlines };
}

/** Bytes that matter to the scan, plus plain text. */
const interestingByte = fc.constantFrom(0x0a, 0x0d, 0x22, 0x27, 0x5f, 0x2c, 0x09, 0x00, 0x1f, 0x7f, 0x20, 0x41, 0x31, 0xff);
const text = fc.array(fc.oneof({ weight: 1, arbitrary: interestingByte }, { weight: 3, arbitrary: fc.constantFrom(0x61, 0x32, 0x2d) }), { maxLength: 300 });

test('the embedded module is the compile of byte-scan.wat', () => {
  expect(() => execFileSync(process.execPath, [join(__dirname, '../../scripts/build-wasm.mjs'), '--check'], { stdio: 'pipe' })).not.toThrow();
});

test('scanning a file in chunks gives the byte-by-byte answer, seams included', () => {
  fc.assert(fc.property(
    text, fc.array(fc.nat(300), { maxLength: 6 }), fc.option(fc.constantFrom(0x22, 0x27), { nil: undefined }), fc.constantFrom(0x2c, 0x09),
    fc.array(interestingByte, { maxLength: 100 }),
    (bytes, cutAt, quote, delimiter, header) => {
      const scanner = new ByteScanner(quote, delimiter, 64);
      scanner.reset(Uint8Array.from(header));
      const cuts = [...new Set(cutAt.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      let facts = NO_BYTE_FACTS;
      let newlines = 0;
      for (const [start, end] of [0, ...cuts].map((c, i, all) => [c, all[i + 1] ?? bytes.length])) {
        for (let at = start; at < end; at += scanner.chunk.length) {
          const piece = bytes.slice(at, Math.min(end, at + scanner.chunk.length));
          scanner.chunk.fill(0x0a); // stale bytes past the piece must not count
          scanner.chunk.set(piece);
          const result = scanner.scan(piece.length);
          facts = mergeByteFacts(facts, result.facts);
          newlines += result.newlines;
        }
      }
      expect({ facts, newlines }).toEqual(referenceScan(Uint8Array.from(bytes), quote, delimiter, header));
    },
  ), { numRuns: 2000 });
});

/** A scanner after a header line, and a function scanning each text as the next chunk of the file. */
function chunksAfterHeader(): (text: string) => ByteFacts {
  const scanner = new ByteScanner(0x22, 0x2c, 64);
  scanner.reset(Buffer.from('h\n'));
  return (text) => {
    const bytes = Buffer.from(text);
    scanner.chunk.set(bytes);
    return scanner.scan(bytes.length).facts;
  };
}

test('a line break inside quotes is seen when the quote opened in an earlier chunk, and a closed one is not', () => {
  const next = chunksAfterHeader();

  const facts = ['"a""b', '\n",1\n"c",2\n', '"d",3\n'].map(next);

  expect(facts.map((f) => f.hasQuoteHazard)).toEqual([false, true, false]);
});

test('a quote DuckDB reads as a plain character (inside an unquoted field) is a hazard, a doubled quote is not', () => {
  const next = chunksAfterHeader();

  const facts = ['"a""b",1\n', 'ab"c,1\n'].map(next);

  expect(facts.map((f) => f.hasQuoteHazard)).toEqual([false, true]);
});

test('a header that leaves a quote open is a hazard, and the data starts inside quotes', () => {
  const scanner = new ByteScanner(0x22, 0x2c, 64);

  const header = scanner.reset(Buffer.from('a,"b\n'));
  scanner.chunk.set(Buffer.from('1,2\n'));

  expect([header.hasQuoteHazard, scanner.scan(4).facts.hasQuoteHazard]).toEqual([true, true]);
});

test('a blank line split across two chunks is seen', () => {
  const next = chunksAfterHeader();

  const facts = ['a,1\r', '\n\r\nb,2\n'].map(next);

  expect(facts.map((f) => f.hasBlankLine)).toEqual([false, true]);
});

test('a chunk scanned again from a saved seam answers for its prefix alone, and its bytes are left as they were', () => {
  const scanner = new ByteScanner(0x22, 0x2c, 64);
  scanner.reset(Buffer.from('h\n'));
  const bytes = Buffer.from('a,1\nb,2\n\n"c",_3\n');
  scanner.chunk.set(bytes);
  const seam = scanner.seam();
  expect(scanner.scan(bytes.length).facts).toEqual({ hasQuoteHazard: false, hasUnderscore: true, hasBlankLine: true, hasControl: false });

  scanner.restore(seam);
  expect(scanner.scan(8)).toEqual({ newlines: 2, facts: NO_BYTE_FACTS });
  expect(scanner.chunk.subarray(0, bytes.length)).toEqual(bytes);
});
