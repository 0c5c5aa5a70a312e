import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ByteFacts, ByteScanner, mergeByteFacts, NO_BYTE_FACTS } from './byte-scan';
import { removeStaleTempFiles } from '../storage/stale-temp-files';
import type { SourceProfile } from './source-profiles';

/**
 * Cutting a large CSV into parts that DuckDB reads on separate connections: where to cut
 * (planCut), the one pass over the bytes (byte-scan.wat) that copies the later parts into CSVs of
 * their own and finds what each part holds (cutFile), whether the cut's assumptions held once the
 * parts were read (cutHeld), and the part files in the temp folder (withPartFiles).
 */

/** One part of the file, ready for DuckDB. */
export interface PartRead extends ByteFacts {
  /** CSV file the part reads (the original when the file is not cut, or for the first part). */
  file: string;
  /** Records of the file before this part. */
  offset: number;
  /**
   * The first part of a cut file: its first `limit` records, read in place. Its reader keeps no
   * rejects (under a LIMIT it may stop before recording them): a record it refuses is an error,
   * after which the full path decides. Its byte facts are those its first 64 KiB show: the
   * rest is scanned while it is read.
   */
  limit?: number;
}

/** How a file is cut: the first part by records (read in place), the others at byte offsets. */
export interface CutPlan {
  /** Records in the first part. */
  firstRecords: number;
  /** The first part's byte facts as its first 64 KiB show them: what its read assumes. */
  firstAssumed: ByteFacts;
  /** Byte offsets (just after a newline) where parts 3..K start; part 2 starts after the first part's last record. */
  laterCuts: number[];
}

/** The first part's bytes as the cut found them once its read had started. */
export interface FirstPartScan {
  facts: ByteFacts;
  /** False when the file ended before `firstRecords` lines: the LIMIT may not be what was meant. */
  complete: boolean;
}

/** The stretch of a file's start that a cut plan looks at. */
const PROBE_BYTES = 1 << 16;

/**
 * Where to cut a file into `parts`; undefined = read it in one statement (its header or start
 * shows a quote hazard or blank lines, so lines may not be records, or it has no line end). The
 * first part is a little larger, as its read starts at once while the others are still being
 * copied; its record count comes from the mean line length of the file's first 64 KiB.
 */
export async function planCut(localPath: string, input: { headerBytes: Buffer; size: number }, profile: SourceProfile, parts: number): Promise<CutPlan | undefined> {
  const { size } = input;
  const headerLength = input.headerBytes.length;
  const handle = await open(localPath, 'r');
  try {
    const probe = new ChunkReader(handle, profile, PROBE_BYTES);
    const header = probe.scanner.reset(input.headerBytes);
    let lastNewline = -1;
    const { facts, newlines } = await probe.scan(headerLength, Math.min(size, headerLength + PROBE_BYTES), async (bytes) => {
      lastNewline = bytes.lastIndexOf(0x0a);
    });
    if (newlines === 0 || header.hasQuoteHazard || facts.hasQuoteHazard || facts.hasBlankLine) return undefined;
    const weights = Array.from({ length: parts }, (_, k) => (k === 0 ? 1.1 : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const at = (share: number) => headerLength + Math.floor(((size - headerLength) * share) / total);
    const firstRecords = Math.max(1, Math.round((at(weights[0]) - headerLength) / ((lastNewline + 1) / newlines)));
    const laterCuts: number[] = [];
    const bytes = Buffer.allocUnsafe(PROBE_BYTES);
    let share = weights[0];
    for (let k = 1; k < parts - 1; k++) {
      share += weights[k];
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, at(share));
      const newline = bytes.subarray(0, bytesRead).indexOf(0x0a);
      const cut = at(share) + newline + 1;
      if (newline >= 0 && cut < size) laterCuts.push(cut);
    }
    return { firstRecords, firstAssumed: facts, laterCuts };
  } finally {
    await handle.close();
  }
}

/** Reads a stretch of the file chunk by chunk through the byte scanner. */
class ChunkReader {
  readonly scanner: ByteScanner;

  constructor(private readonly handle: FileHandle, profile: SourceProfile, chunkBytes?: number) {
    this.scanner = new ByteScanner(Buffer.from(profile.quote)[0], Buffer.from(profile.delimiter)[0], chunkBytes);
  }

  /** The file's [start, end) read into the scanner's chunk, one chunk at a time. */
  private async *chunks(start: number, end: number): AsyncGenerator<{ position: number; length: number }> {
    const { chunk } = this.scanner;
    for (let position = start; position < end;) {
      const { bytesRead } = await this.handle.read(chunk, 0, Math.min(chunk.length, end - position), position);
      if (bytesRead <= 0) return;
      yield { position, length: bytesRead };
      position += bytesRead;
    }
  }

  /** Scan [start, end), handing each chunk to `visit`; the stretch's facts and newline count. */
  async scan(start: number, end: number, visit?: (bytes: Buffer) => Promise<unknown>): Promise<{ facts: ByteFacts; newlines: number }> {
    let facts = NO_BYTE_FACTS;
    let newlines = 0;
    for await (const { length } of this.chunks(start, end)) {
      const scanned = this.scanner.scan(length);
      facts = mergeByteFacts(facts, scanned.facts);
      newlines += scanned.newlines;
      await visit?.(this.scanner.chunk.subarray(0, length));
    }
    return { facts, newlines };
  }

  /** From `start`, find where the `lines`-th line ends (undefined: the file ends first) and the facts up to there. */
  async findLineEnd(start: number, size: number, lines: number): Promise<{ end: number | undefined; facts: ByteFacts }> {
    let facts = NO_BYTE_FACTS;
    let seen = 0;
    for await (const { position, length } of this.chunks(start, size)) {
      const seam = this.scanner.seam();
      const scanned = this.scanner.scan(length);
      if (seen + scanned.newlines >= lines) {
        let at = -1;
        for (let need = lines - seen; need > 0; need--) at = this.scanner.chunk.indexOf(0x0a, at + 1);
        // Only the bytes up to the line end belong to the first part.
        this.scanner.restore(seam);
        return { end: position + at + 1, facts: mergeByteFacts(facts, this.scanner.scan(at + 1).facts) };
      }
      facts = mergeByteFacts(facts, scanned.facts);
      seen += scanned.newlines;
    }
    return { end: undefined, facts };
  }
}

/**
 * Hand the file to DuckDB, in one pass over its bytes that also finds each part's byte facts
 * and line count (byte-scan.wat). Uncut (no `plan`), the file is read in place once the pass
 * is done. Cut, the first part's read starts at once, in place with a LIMIT; the pass then finds
 * where its records end, and copies each later stretch into a CSV of its own (header first),
 * handed to `onPart` as soon as it is written. Returns what the pass found of the first part.
 */
export async function cutFile(
  localPath: string,
  input: { headerBytes: Buffer; size: number },
  plan: CutPlan | undefined,
  profile: SourceProfile,
  partFiles: string[],
  onPart: (index: number, part: PartRead) => void,
): Promise<FirstPartScan | undefined> {
  const handle = await open(localPath, 'r');
  try {
    const reader = new ChunkReader(handle, profile);
    // The header's quotes set the state the data starts in; a blank line may span the header's
    // end, a chunk seam or a part seam: the scan carries the bytes before.
    const header = reader.scanner.reset(input.headerBytes);
    const start = input.headerBytes.length;
    if (!plan) {
      const { facts } = await reader.scan(start, input.size);
      onPart(0, { ...facts, hasQuoteHazard: facts.hasQuoteHazard || header.hasQuoteHazard, file: localPath, offset: 0 });
      return undefined;
    }
    onPart(0, { ...plan.firstAssumed, file: localPath, offset: 0, limit: plan.firstRecords });
    const first = await reader.findLineEnd(start, input.size, plan.firstRecords);
    const secondStart = first.end ?? input.size;
    // Later parts may turn out empty (a header alone) when the first part reached past their cut.
    const bounds = [secondStart, ...plan.laterCuts.map((cut) => Math.max(cut, secondStart)), input.size];
    let linesBefore = plan.firstRecords;
    for (let k = 1; k < bounds.length; k++) {
      const out = await open(partFiles[k - 1], 'w');
      let scanned: { facts: ByteFacts; newlines: number };
      try {
        await out.write(input.headerBytes);
        scanned = await reader.scan(bounds[k - 1], bounds[k], (bytes) => out.write(bytes));
      } finally {
        await out.close();
      }
      onPart(k, { ...scanned.facts, file: partFiles[k - 1], offset: linesBefore });
      linesBefore += scanned.newlines;
    }
    return { facts: first.facts, complete: first.end !== undefined };
  } finally {
    await handle.close();
  }
}

const PART_FILE_PREFIX = 'meterlake-part-';
/** Far longer than any read of a part: a part file this old belongs to no running parse. */
const STALE_PART_FILE_MS = 60 * 60 * 1000;

/**
 * Remove part files that a process killed mid-read left behind (e.g. a Lambda that timed out:
 * its /tmp lives on in the warm container and would fill up).
 */
export async function removeStalePartFiles(dir: string, now: number): Promise<void> {
  await removeStaleTempFiles(dir, PART_FILE_PREFIX, STALE_PART_FILE_MS, now);
}


/**
 * Run `work` with the names of the files a cut copies its later parts into (none when the file is
 * not cut) and remove them afterwards; a cut first sweeps part files a killed parse left behind.
 * Every part after the first is a file of its own: only the first part's reader can be stopped
 * by a LIMIT where the part ends.
 */
export async function withPartFiles<R>(plan: CutPlan | undefined, work: (partFiles: string[]) => Promise<R>): Promise<R> {
  if (plan) await removeStalePartFiles(tmpdir(), Date.now());
  const count = plan ? plan.laterCuts.length + 1 : 0;
  const partFiles = Array.from({ length: count }, () => path.join(tmpdir(), `${PART_FILE_PREFIX}${randomUUID()}.csv`));
  try {
    return await work(partFiles);
  } finally {
    for (const file of partFiles) await rm(file, { force: true });
  }
}

/**
 * Whether the parts of a cut read were what the cut assumed (an uncut read always was). Lines are
 * records only without a quote hazard or blank lines; the first part's read assumed the facts of
 * its first 64 KiB (control bytes and underscores decide its checks) and that the file had as
 * many lines as it asked for.
 */
export function cutHeld(plan: CutPlan | undefined, read: { parts: PartRead[]; firstPart: FirstPartScan | undefined }): boolean {
  const first = read.firstPart;
  const assumed = plan?.firstAssumed ?? NO_BYTE_FACTS;
  const firstMisjudged = first && (!first.complete || (first.facts.hasControl && !assumed.hasControl) || (first.facts.hasUnderscore && !assumed.hasUnderscore));
  return !(plan && (firstMisjudged || read.parts.some((part) => part.hasQuoteHazard || part.hasBlankLine) || first?.facts.hasQuoteHazard || first?.facts.hasBlankLine));
}
