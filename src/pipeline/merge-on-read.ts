/**
 * Merge-on-read for a lightly touched day of meter_readings: instead of rewriting the whole day,
 * write the winners of the touched keys as a new data file plus ONE Iceberg v2 position-delete
 * file naming the live rows they replace (ICEBERG.md §5.8; SPEC "Position Delete Files").
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { type DuckDbSession, scratchName, sqlIdent, sqlString } from '../engine/duckdb-session';
import { duckDbType } from '../engine/iceberg-duckdb-types';
import { dataFileMetrics } from '../engine/parquet-metrics';
import type { ResolveLocalPath } from '../engine/snapshot-view';
import type { FileScanTask } from '../iceberg/scan';
import { currentSchema } from '../iceberg/table-metadata';
import { FileContent, type DataFile, type Schema, type TableMetadata } from '../iceberg/types';
import type { ObjectStore } from '../storage/object-store';
import { touchedWinnersSql } from './latest-version-sql';
import { writeIntoDataFolder, writeRowsAsDataFiles } from './table-files';

/** When a touched day is merged on read rather than rewritten. */
export interface MergeOnReadThresholds {
  /** Distinct new keys at most this share of the day's live rows. @default 0.2 */
  maxNewKeyFraction: number;
  /** The day has fewer live delete files than this (0 disables merge-on-read). @default 8 */
  maxDeleteFiles: number;
  /**
   * The day has fewer live data files than this: each merge-on-read adds one, even when it adds
   * only new keys and no delete file, so this bounds small files per day. @default 16
   */
  maxDataFiles: number;
}

export const DEFAULT_MERGE_ON_READ: MergeOnReadThresholds = { maxNewKeyFraction: 0.2, maxDeleteFiles: 8, maxDataFiles: 16 };

export type DayMode = 'merge-on-read' | 'copy-on-write';

/** The live files of one day partition: its data files (with the deletes that apply) and every live delete file. */
export interface DayFiles {
  data: FileScanTask[];
  deletes: DataFile[];
}

/** Reserved field ids of position delete files (spec "Position Delete Files"). */
const DELETE_FILE_PATH_ID = 2147483546;
const DELETE_POS_ID = 2147483545;

/** The schema of a position delete file (without the optional `row` column). */
const POSITION_DELETE_SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: 'string' },
    { id: DELETE_POS_ID, name: 'pos', required: true, type: 'long' },
  ],
};

/**
 * Live rows of the day from metadata alone: data rows minus rows named by position deletes (each
 * live row is named at most once, and copy-on-write drops a day's deletes with its files).
 */
export function estimatedLiveRows(files: DayFiles): number {
  const rows = files.data.reduce((n, t) => n + t.dataFile.record_count, 0);
  const deleted = files.deletes.filter((f) => f.content === FileContent.POSITION_DELETES).reduce((n, f) => n + f.record_count, 0);
  return rows - deleted;
}

/**
 * Merge-on-read when the day has live rows, few new keys relative to them, few delete and data
 * files so far and no equality deletes (whose matches this writer does not locate); else copy-on-write.
 */
export function chooseDayMode(files: DayFiles, newKeys: number, thresholds: MergeOnReadThresholds): DayMode {
  const live = estimatedLiveRows(files);
  if (live <= 0 || files.deletes.some((f) => f.content === FileContent.EQUALITY_DELETES)) return 'copy-on-write';
  if (files.deletes.length >= thresholds.maxDeleteFiles || files.data.length >= thresholds.maxDataFiles) return 'copy-on-write';
  return newKeys <= thresholds.maxNewKeyFraction * live ? 'merge-on-read' : 'copy-on-write';
}

/** Distinct (meter_id, interval_start) among the rows of a relation. */
export async function countDistinctKeys(session: DuckDbSession, relation: string): Promise<number> {
  return Number(await session.scalar<bigint>(`SELECT count(*) FROM (SELECT DISTINCT meter_id, interval_start FROM ${relation})`));
}

function readSchemaParameter(schema: Schema): string {
  const entries = schema.fields.map(
    (f) => `${f.id}: {name: ${sqlString(f.name)}, type: ${sqlString(duckDbType(f.type))}, default_value: NULL}`,
  );
  return `schema = MAP {${entries.join(', ')}}`;
}

const values = (rows: string[][]) => rows.map((r) => `(${r.map(sqlString).join(', ')})`).join(', ');

/**
 * CREATE a temp table of the day's LIVE rows whose key has a new version, with their physical
 * position (`__ml_file_path` = the data file's Iceberg path, `__ml_pos` = its row number).
 * Rows an earlier position delete already removed are not live and so never listed again.
 */
async function stageTouchedLiveRows(
  session: DuckDbSession, table: string, schema: Schema, data: FileScanTask[], newVersions: string, resolveLocalPath: ResolveLocalPath,
): Promise<void> {
  const localOf = new Map<string, string>();
  for (const uri of data.flatMap((t) => [t.dataFile.file_path, ...t.deletes.map((d) => d.file.file_path)])) {
    if (!localOf.has(uri)) localOf.set(uri, await resolveLocalPath(uri));
  }
  const dataList = `[${data.map((t) => sqlString(localOf.get(t.dataFile.file_path)!)).join(', ')}]`;
  const files = data.map((t) => [localOf.get(t.dataFile.file_path)!, t.dataFile.file_path]);
  const pairs = data.flatMap((t) => t.deletes
    .filter((d) => d.file.content === FileContent.POSITION_DELETES)
    .map((d) => [localOf.get(d.file.file_path)!, t.dataFile.file_path]));
  const columns = schema.fields.map((f) => `c.${sqlIdent(f.name)}`).join(', ');
  const ctes = [
    `__ml_data AS (SELECT * FROM read_parquet(${dataList}, ${readSchemaParameter(schema)}, filename = '__ml_filename', file_row_number = true, hive_partitioning = false))`,
    `__ml_files(local_path, file_uri) AS (VALUES ${values(files)})`,
    `__ml_keys AS (SELECT DISTINCT meter_id, interval_start FROM ${newVersions})`,
  ];
  let notDeleted = '';
  if (pairs.length) {
    const deleteList = `[${[...new Set(pairs.map(([p]) => p))].map(sqlString).join(', ')}]`;
    ctes.push(`__ml_applies(delete_path, file_uri) AS (VALUES ${values(pairs)})`);
    // A delete row counts only for the data files the planner paired its file with.
    ctes.push(
      `__ml_old_deletes AS (SELECT d.file_path, d.pos FROM read_parquet(${deleteList}, ${readSchemaParameter(POSITION_DELETE_SCHEMA)}, ` +
        `filename = '__ml_filename', hive_partitioning = false) d JOIN __ml_applies a ON d.__ml_filename = a.delete_path AND d.file_path = a.file_uri)`,
    );
    notDeleted = ' WHERE NOT EXISTS (SELECT 1 FROM __ml_old_deletes p WHERE p.file_path = f.file_uri AND p.pos = c.file_row_number)';
  }
  await session.run(
    `CREATE TEMP TABLE ${table} AS WITH ${ctes.join(', ')} ` +
      `SELECT ${columns}, f.file_uri AS __ml_file_path, c.file_row_number AS __ml_pos FROM __ml_data c ` +
      `JOIN __ml_files f ON c.__ml_filename = f.local_path ` +
      `SEMI JOIN __ml_keys k ON c.meter_id = k.meter_id AND c.interval_start = k.interval_start${notDeleted}`,
  );
}

/** Full (untruncated) bounds of `file_path` (UTF-8 bytes order), as Java's position-delete metrics keep them. */
function withFullPathBounds(file: DataFile, paths: string[]): DataFile {
  const sorted = paths.map((p) => Buffer.from(p, 'utf8')).sort(Buffer.compare);
  const replace = (bounds: DataFile['lower_bounds'], value: Buffer) =>
    [...(bounds ?? []).filter((b) => b.key !== DELETE_FILE_PATH_ID), { key: DELETE_FILE_PATH_ID, value }].sort((a, b) => a.key - b.key);
  return {
    ...file,
    lower_bounds: replace(file.lower_bounds, sorted[0]),
    upper_bounds: replace(file.upper_bounds, sorted.at(-1)!),
  };
}

/**
 * Write the rows of `sourceSql` (file_path, pos) sorted by file_path then pos as ONE position
 * delete file of `partition`, under the table's data/<partition folder>/, and describe it.
 */
async function writePositionDeleteFile(
  session: DuckDbSession, store: ObjectStore, table: TableMetadata, sourceSql: string, partition: Record<string, unknown>,
): Promise<DataFile> {
  const folder = Object.entries(partition).map(([k, v]) => `${k}=${String(v)}`);
  const [file] = await writeIntoDataFolder(store, table, async (outputDir, uriOf) => {
    const localPath = path.join(outputDir, ...folder, `${randomUUID()}-deletes.parquet`);
    await mkdir(path.dirname(localPath), { recursive: true });
    const fieldIds = `FIELD_IDS {file_path: ${DELETE_FILE_PATH_ID}, pos: ${DELETE_POS_ID}}`;
    await session.run(
      `COPY (SELECT CAST(file_path AS VARCHAR) AS file_path, CAST(pos AS BIGINT) AS pos FROM (${sourceSql}) ORDER BY file_path, pos) ` +
        `TO ${sqlString(localPath)} (FORMAT parquet, COMPRESSION zstd, ${fieldIds})`,
    );
    const paths = (await session.all<{ file_path: string }>(
      `SELECT DISTINCT file_path FROM read_parquet(${sqlString(localPath)})`,
    )).map((r) => r.file_path);
    const metrics = await dataFileMetrics(session, localPath, POSITION_DELETE_SCHEMA, { filePath: uriOf(localPath), partition });
    const dataFile: DataFile = {
      ...withFullPathBounds(metrics, paths),
      content: FileContent.POSITION_DELETES,
      // One target file: readers may skip pairing it with any other data file.
      referenced_data_file: paths.length === 1 ? paths[0] : null,
    };
    return [{ localPath, dataFile }];
  });
  return file;
}

export interface MergeOnReadResult {
  added: DataFile[];
  /** The day's new position delete file; undefined when no live row had a new version. */
  deleteFile?: DataFile;
  deletedRows: number;
  /** Data files (paths) the delete file names. */
  deletedFrom: string[];
}

/**
 * Merge one day on read: the winners of the touched keys (against the day's CURRENT live rows)
 * become new data file(s), sorted by meter_id, interval_start; the live rows they replace are
 * named in one position delete file. The day's existing files stay as they are.
 */
export async function mergeDayOnRead(
  session: DuckDbSession, store: ObjectStore, table: TableMetadata, files: DayFiles, newVersions: string,
  opts: { resolveLocalPath: ResolveLocalPath; targetFileSizeBytes: number },
): Promise<MergeOnReadResult> {
  const touched = scratchName('touched_live');
  await stageTouchedLiveRows(session, touched, currentSchema(table), files.data, newVersions, opts.resolveLocalPath);
  try {
    const added = await writeRowsAsDataFiles(session, store, table, {
      sourceSql: touchedWinnersSql(touched, newVersions),
      sortBy: ['meter_id', 'interval_start'], targetFileSizeBytes: opts.targetFileSizeBytes, expectSinglePartition: true,
    });
    const counts = await session.all<{ file_path: string; n: bigint }>(
      `SELECT __ml_file_path AS file_path, count(*) AS n FROM ${touched} GROUP BY ALL ORDER BY ALL`,
    );
    const deletedRows = counts.reduce((n, c) => n + Number(c.n), 0);
    const deletedFrom = counts.map((c) => c.file_path);
    if (deletedRows === 0) return { added, deletedRows, deletedFrom };
    // The winners file was written with the default spec: its partition tuple is the day's.
    const partition = (added[0] ?? files.data[0].dataFile).partition;
    const deleteFile = await writePositionDeleteFile(
      session, store, table, `SELECT __ml_file_path AS file_path, __ml_pos AS pos FROM ${touched}`, partition,
    );
    return { added, deleteFile, deletedRows, deletedFrom };
  } finally {
    await session.run(`DROP TABLE IF EXISTS ${touched}`);
  }
}
