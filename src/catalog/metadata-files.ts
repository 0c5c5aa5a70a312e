import { randomUUID } from 'node:crypto';
import { metadataDir } from '../iceberg/manifest';

export { metadataDir };

/**
 * Metadata file naming shared by the catalogs: `<location>/metadata/<NNNNN>-<uuid>.metadata.json`
 * (Java `newTableMetadataFilePath`, PyIceberg `new_table_metadata_file_location`). The version is
 * derived from the *current pointer's* name, never from a listing, and the UUID keeps an orphan
 * file from ever blocking the next writer (ICEBERG.md §7 item 12).
 */

/** The name pattern Trino/Athena accept (TRINO-U `METADATA_FILE_NAME_PATTERN`); anything else is "Invalid metadata file name". */
const METADATA_FILE_NAME = /^(\d+)-([-a-fA-F0-9]*)(\.[a-z0-9]+)?\.metadata\.json(\.[a-z0-9]+)?$/;

/** The metadata file name does not follow `<version>-<uuid>.metadata.json`. */
export class InvalidMetadataFileNameError extends Error {
  override readonly name = 'InvalidMetadataFileNameError';
  constructor(readonly uri: string) {
    super(`invalid metadata file name: ${uri} (expected <NNNNN>-<uuid>.metadata.json)`);
  }
}

/** `%05d` of a metadata version, as Java and PyIceberg format it. */
export function formatMetadataVersion(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`invalid metadata version: ${version}`);
  return String(version).padStart(5, '0');
}

/** A new, unique metadata file URI for `version`: `<location>/metadata/<NNNNN>-<uuid>.metadata.json`. */
export function newMetadataFileUri(tableLocation: string, version: number): string {
  return `${metadataDir(tableLocation)}/${formatMetadataVersion(version)}-${randomUUID()}.metadata.json`;
}

/** The last path segment of a URI. */
export function fileNameOf(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1);
}

/** Version of a metadata file (digits before the first '-'); throws InvalidMetadataFileNameError on other names. */
export function parseMetadataVersion(uri: string): number {
  const match = METADATA_FILE_NAME.exec(fileNameOf(uri));
  if (!match) throw new InvalidMetadataFileNameError(uri);
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version)) throw new InvalidMetadataFileNameError(uri);
  return version;
}
