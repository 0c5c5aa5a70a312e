import { pathToFileURL, fileURLToPath } from 'node:url';
import type { FileIO } from './file-io';
import { cachedManifestReader, distinctManifests, readManifestList } from './manifest';
import { currentSchema, currentSnapshot, specsById } from './table-metadata';
import { EntryStatus, type TableMetadata } from './types';

/** A file under a table's location with its listing facts. */
export interface ListedFile { uri: string; size: number; lastModifiedMs: number }

export interface FindOrphansOptions {
  /** Only files last modified before this instant are orphans; younger ones may belong to a commit in flight. */
  olderThanMs: number;
}

export interface OrphanScan {
  /** Files no retained snapshot or retained metadata references, older than the cut-off. */
  orphans: ListedFile[];
  /** Unreferenced files kept because they are younger than the cut-off. */
  tooYoung: ListedFile[];
  /** Files listed under data/ and metadata/. */
  scanned: number;
}

/** The listing and the metadata disagree about where files live: deleting anything would be unsafe. */
export class OrphanScanMismatchError extends Error {
  override readonly name = 'OrphanScanMismatchError';
}

/** One spelling per file: `file:` URIs are re-encoded so `%20` and ' ' compare equal. */
function canonicalUri(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return pathToFileURL(fileURLToPath(uri)).href;
  } catch {
    return uri;
  }
}

const manifestReaderFor = (io: FileIO, m: TableMetadata) =>
  cachedManifestReader({ io, schema: currentSchema(m), specsById: specsById(m) });

/**
 * Files the catalog itself needs though no metadata names them: the FileCatalog's per-version
 * commit markers (marker 00000 is how it knows the table exists) and the version hint.
 */
export function isCatalogFile(uri: string): boolean {
  return /\/metadata\/commits\/[^/]+$/.test(uri) || /\/metadata\/version-hint\.text$/.test(uri);
}

/**
 * Every file a table version can still reach: the current metadata file and those in its
 * metadata-log, statistics files, and for every retained snapshot its manifest list, manifests
 * and the data and delete files of their entries (DELETED entries too, to err on keeping).
 */
export async function reachableFiles(
  io: FileIO, m: TableMetadata, metadataLocation: string, entriesOf = manifestReaderFor(io, m),
): Promise<Set<string>> {
  const out = new Set<string>([metadataLocation, ...m['metadata-log'].map((e) => e['metadata-file'])]);
  for (const stats of [...m.statistics, ...(m['partition-statistics'] ?? [])]) {
    const p = (stats as Record<string, unknown>)['statistics-path'];
    if (typeof p === 'string') out.add(p);
  }
  for (const s of m.snapshots) out.add(s['manifest-list']);
  for (const mf of (await distinctManifests(io, m.snapshots)).values()) {
    out.add(mf.manifest_path);
    for (const e of await entriesOf(mf)) out.add(e.data_file.file_path);
  }
  return new Set([...out].map(canonicalUri));
}

/** Files the current version reads: if the listing lacks one, paths are spelled differently from the listing. */
async function currentFiles(
  io: FileIO, m: TableMetadata, metadataLocation: string, entriesOf: ReturnType<typeof cachedManifestReader>,
): Promise<string[]> {
  const snap = currentSnapshot(m);
  if (!snap) return [metadataLocation];
  const files = [metadataLocation, snap['manifest-list']];
  for (const mf of await readManifestList(io, snap['manifest-list'])) {
    files.push(mf.manifest_path);
    for (const e of await entriesOf(mf)) if (e.status !== EntryStatus.DELETED) files.push(e.data_file.file_path);
  }
  return files.filter((f) => f.startsWith(`${m.location}/`));
}

/**
 * Files under a table's data/ and metadata/ folders that nothing retained references and that
 * are older than the cut-off. Refuses (OrphanScanMismatchError) when a file the current version
 * reads is missing from the listing, because then references and listing are not comparable.
 */
export async function findOrphanFiles(io: FileIO, m: TableMetadata, metadataLocation: string, opts: FindOrphansOptions): Promise<OrphanScan> {
  const listed: ListedFile[] = [];
  for (const folder of ['data', 'metadata']) {
    for await (const f of io.list(`${m.location}/${folder}/`)) listed.push(f);
  }
  const listedUris = new Set(listed.map((f) => canonicalUri(f.uri)));
  // Both passes meet the current snapshot's manifests: read each once.
  const entriesOf = manifestReaderFor(io, m);
  const unlisted = (await currentFiles(io, m, metadataLocation, entriesOf)).filter((f) => !listedUris.has(canonicalUri(f)));
  if (unlisted.length) {
    throw new OrphanScanMismatchError(
      `table at ${m.location}: ${unlisted.length} file(s) of the current version are not in the listing (first: ${unlisted[0]}); refusing to delete orphans`,
    );
  }
  const reachable = await reachableFiles(io, m, metadataLocation, entriesOf);
  const unreferenced = listed.filter((f) => !reachable.has(canonicalUri(f.uri)) && !isCatalogFile(f.uri));
  return {
    orphans: unreferenced.filter((f) => f.lastModifiedMs < opts.olderThanMs),
    tooYoung: unreferenced.filter((f) => f.lastModifiedMs >= opts.olderThanMs),
    scanned: listed.length,
  };
}
