import { stat } from 'node:fs/promises';
import { FileRejectedError } from './canonical';
import { splitCsvLine } from './csv-line';
import { isUtf8, readHead, stripBom } from './read-head';
import { expectedColumns, headerProblems, type SourceProfile } from './source-profiles';

/**
 * A utility CSV as a whole, before either path reads its records: the checked header and what
 * the read plan needs of the file's head, and the rejection of a file DuckDB's reader gives up on.
 */

/** The checked header of a CSV and what the fast path needs from the file's head. */
export interface CsvHead {
  names: string[];
  /** The header line as bytes, newline included (a part of the file read alone starts with it). */
  headerBytes: Buffer;
  /** The first data line when it is within the head. */
  firstDataLine: string | undefined;
  size: number;
}

/** The header of the file, checked against the profile; throws FileRejectedError when wrong. */
export async function readCsvHeader(localPath: string, profile: SourceProfile, file: string): Promise<CsvHead> {
  const size = (await stat(localPath)).size;
  const raw = await readHead(localPath);
  const head = stripBom(raw);
  if (size === 0 || (size === head.length && head.toString('utf8').trim() === '')) {
    throw new FileRejectedError(file, 'empty_file', 'the file is empty');
  }
  const end = head.indexOf(0x0a);
  if (end < 0 && size > head.length + 3) {
    throw new FileRejectedError(file, 'wrong_header', `no header line in the first ${head.length} bytes`);
  }
  const lineBytes = head.subarray(0, end < 0 ? head.length : end);
  if (!isUtf8(lineBytes, true)) throw new FileRejectedError(file, 'not_utf8', 'the header line is not UTF-8');
  const names = splitCsvLine(lineBytes.toString('utf8').replace(/\r$/, ''), profile.delimiter, profile.quote);
  const expected = expectedColumns(profile);
  const problems = headerProblems(names, profile);
  if (problems.length > 0) {
    throw new FileRejectedError(
      file,
      'wrong_header',
      `${problems.join('; ')} (profile ${profile.name} expects ${expected.join(profile.delimiter)} separated by ${JSON.stringify(profile.delimiter)})`,
    );
  }
  const headerEnd = raw.indexOf(0x0a) + 1;
  const nextEnd = headerEnd > 0 ? raw.indexOf(0x0a, headerEnd) : -1;
  return {
    names,
    headerBytes: Buffer.from(raw.subarray(0, headerEnd > 0 ? headerEnd : raw.length)),
    firstDataLine: nextEnd > 0 ? raw.subarray(headerEnd, nextEnd).toString('utf8') : undefined,
    size,
  };
}

/** A catch handler for work that reads the CSV: DuckDB's CSV errors (the reader gave up on the file) reject the file. */
export function rejectUnreadableCsv(file: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof FileRejectedError || !/\bCSV\b/i.test((error as Error).message)) throw error;
    throw new FileRejectedError(file, 'unparseable_file', `DuckDB cannot read the CSV: ${(error as Error).message}`, { cause: error });
  };
}
