import { FileRejectedError } from './canonical';
import type { ReadingFormat, SourceProfile } from './source-profiles';

export const LANDING_KINDS = ['readings', 'reference'] as const;
export type LandingKind = (typeof LANDING_KINDS)[number];

/** What a landing object is and how to read it. */
export interface DetectedFormat {
  source: string;
  kind: LandingKind;
  format: ReadingFormat | 'sqlite';
  profile: SourceProfile;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Source and format of a landing object from its key (`landing/<source>/<kind>/...`) and profile,
 * sanity-checked against the first bytes of its content. Throws FileRejectedError otherwise.
 */
export function detectFormat(key: string, head: Buffer, profiles: Map<string, SourceProfile>): DetectedFormat {
  const parts = key.split('/');
  if (parts.length < 4 || parts[0] !== 'landing' || parts.slice(3).join('/') === '') {
    throw new FileRejectedError(key, 'unknown_format', 'expected a key landing/<source>/<kind>/<file>');
  }
  const [, source, kind] = parts;
  const profile = profiles.get(source);
  if (!profile) {
    const known = [...profiles.keys()].join(', ');
    throw new FileRejectedError(key, 'unknown_source', `no source profile "${source}" (configured: ${known})`);
  }
  if (!LANDING_KINDS.includes(kind as LandingKind)) {
    throw new FileRejectedError(key, 'unknown_format', `unknown kind "${kind}" (expected ${LANDING_KINDS.join(' or ')})`);
  }
  if (head.length === 0) throw new FileRejectedError(key, 'empty_file', 'the file is empty');
  if (kind === 'reference') {
    if (profile.referenceFormat !== 'sqlite') {
      throw new FileRejectedError(key, 'unknown_format', `source "${source}" declares no reference format`);
    }
    if (!head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
      throw new FileRejectedError(key, 'unknown_format', 'expected a SQLite database (it does not start with "SQLite format 3")');
    }
    return { source, kind, format: 'sqlite', profile };
  }
  const problem = contentMismatch(profile.format, head);
  if (problem) throw new FileRejectedError(key, 'unknown_format', `${problem} for format ${profile.format} (profile ${source})`);
  return { source, kind: 'readings', format: profile.format, profile };
}

/** Why the first bytes cannot be this format, or undefined when they fit. */
function contentMismatch(format: ReadingFormat, head: Buffer): string | undefined {
  const start = head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? head.subarray(UTF8_BOM.length) : head;
  const text = start.toString('latin1').replace(/^[\s]+/, '');
  if (text === '') return undefined; // whitespace only: the parser reports empty_file
  const first = text[0];
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return 'a SQLite database is not readings';
  if (format === 'green-button-xml' && first !== '<') return `expected XML starting with "<", found ${JSON.stringify(first)}`;
  if (format === 'octopus-json' && first !== '{') return `expected a JSON object starting with "{", found ${JSON.stringify(first)}`;
  if (format === 'csv') {
    if (first === '<' || first === '{' || first === '[') return `expected CSV text, found ${JSON.stringify(first)} (XML or JSON?)`;
    if (start.includes(0)) return 'expected CSV text, found NUL bytes (a binary file?)';
  }
  return undefined;
}
