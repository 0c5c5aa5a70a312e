import { NotFoundError, type FileIO } from '../iceberg/file-io';
import { parseTableMetadata } from '../iceberg/metadata-json';
import type { TableMetadata } from '../iceberg/types';

/** Freeze an object graph, so a shared cached metadata object cannot be changed by a caller. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** A copy whose top-level object, arrays and maps belong to the caller (nested entries stay shared). */
function ownTopLevel(metadata: TableMetadata): TableMetadata {
  const copy = { ...metadata };
  for (const [key, value] of Object.entries(copy)) {
    if (Array.isArray(value)) (copy as Record<string, unknown>)[key] = [...(value as unknown[])];
    else if (value !== null && typeof value === 'object') (copy as Record<string, unknown>)[key] = { ...value };
  }
  return copy;
}

/**
 * The parsed metadata of each table's latest metadata file. Metadata files are immutable, so a
 * catalog that finds the same location again need not read and parse it again (the commit path
 * loads a table several times per round). The cached object is deep-frozen; callers get a copy
 * whose top-level object and collections are their own (nested snapshots/schemas are shared and
 * frozen: build new ones, as table-metadata.ts does).
 */
export class MetadataCache {
  private readonly parsed = new Map<string, { metadataLocation: string; metadata: TableMetadata }>();

  constructor(private readonly io: FileIO) {}

  /** Keep `metadata` as the table's latest (e.g. after committing it). */
  remember(table: string, metadataLocation: string, metadata: TableMetadata): void {
    this.parsed.set(table, { metadataLocation, metadata: deepFreeze(ownTopLevel(metadata)) });
  }

  /** The table's metadata at `metadataLocation`: cached, else read and parsed (a missing file names the table). */
  async load(table: string, metadataLocation: string): Promise<TableMetadata> {
    const cached = this.parsed.get(table);
    if (cached?.metadataLocation === metadataLocation) return ownTopLevel(cached.metadata);
    let text: string;
    try {
      text = (await this.io.read(metadataLocation)).toString('utf8');
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new Error(`table ${table}: committed metadata file ${metadataLocation} is missing`, { cause: error });
      }
      throw error;
    }
    const metadata = parseTableMetadata(text);
    this.remember(table, metadataLocation, metadata);
    return ownTopLevel(metadata);
  }
}
