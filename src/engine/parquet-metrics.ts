/**
 * The Iceberg `data_file` record of a Parquet file, computed from its footer alone
 * (`parquet_file_metadata`, `parquet_schema`, `parquet_metadata`) — ICEBERG.md §4.3.
 */
import { stat } from 'node:fs/promises';
import {
  compareValues,
  isPrimitiveType,
  toBinary,
  truncateLowerBound,
  truncateUpperBound,
  type IcebergValue,
} from '../iceberg/conversions';
import { FileContent, type DataFile, type IcebergType, type KeyValue, type Schema } from '../iceberg/types';
import { DuckDbSession, sqlString } from './duckdb-session';
import { DuckDbTextError, parseDuckDbText } from './duckdb-value-text';
import { writeDataFiles, type WriteDataFilesOptions, type WrittenFile } from './parquet-writer';

/** Java's default metrics mode `truncate(16)`: string/binary bounds keep at most 16 code points/bytes. */
const BOUND_TRUNCATE_WIDTH = 16;

export interface DataFileMetricsOptions {
  /** The URI recorded as `file_path`. @default - the local path */
  readonly filePath?: string;
  /** Partition tuple, keyed by partition field name. @default - {} (unpartitioned) */
  readonly partition?: Record<string, unknown>;
}

interface SchemaNodeRow { column_id: bigint; field_id: bigint | null; num_children: bigint | null }
interface ColumnChunkRow {
  row_group_id: bigint;
  column_id: bigint;
  num_values: bigint;
  stats_null_count: bigint | null;
  stats_min_value: string | null;
  stats_max_value: string | null;
  total_compressed_size: bigint;
  data_page_offset: bigint | null;
  dictionary_page_offset: bigint | null;
}

/** Running totals of one leaf column across row groups; a missing statistic poisons its total. */
interface LeafMetrics {
  columnSize: number;
  valueCount: number;
  nullCount: number | null;
  lower: IcebergValue | null;
  upper: IcebergValue | null;
  boundsKnown: boolean;
}

/** Types of the fields that get bounds: primitives reachable through structs only (none inside lists/maps). */
function boundTypes(schema: Schema): Map<number, string> {
  const types = new Map<number, string>();
  const visit = (id: number, type: IcebergType): void => {
    if (typeof type === 'string') {
      // DuckDB's text form of BLOB statistics does not escape backslashes: no binary bounds rather than wrong ones.
      if (isPrimitiveType(type) && type !== 'binary' && !type.startsWith('fixed')) types.set(id, type);
    } else if (type.type === 'struct') {
      for (const field of type.fields) visit(field.id, field.type);
    }
  };
  for (const field of schema.fields) visit(field.id, field.type);
  return types;
}

/** Parses a statistics string, or undefined when it cannot be read (the bound is then omitted). */
function parseStat(type: string, text: string): IcebergValue | undefined {
  try {
    const value = parseDuckDbText(type, text);
    return typeof value === 'number' && Number.isNaN(value) ? undefined : value;
  } catch (error) {
    if (error instanceof DuckDbTextError) return undefined;
    throw error;
  }
}

function foldBounds(metrics: LeafMetrics, type: string, chunk: ColumnChunkRow): void {
  if (!metrics.boundsKnown) return;
  const nonNull = chunk.stats_null_count === null ? null : Number(chunk.num_values) - Number(chunk.stats_null_count);
  if (chunk.stats_min_value === null || chunk.stats_max_value === null) {
    // No statistics: fine only if the chunk provably holds no non-null value.
    if (nonNull !== 0) metrics.boundsKnown = false;
    return;
  }
  const min = parseStat(type, chunk.stats_min_value);
  const max = parseStat(type, chunk.stats_max_value);
  if (min === undefined || max === undefined) {
    metrics.boundsKnown = false;
    return;
  }
  if (metrics.lower === null || compareValues(type, min, metrics.lower) < 0) metrics.lower = min;
  if (metrics.upper === null || compareValues(type, max, metrics.upper) > 0) metrics.upper = max;
}

function sortedEntries<V>(map: Map<number, V>): KeyValue<V>[] {
  return [...map.entries()].sort(([a], [b]) => a - b).map(([key, value]) => ({ key, value }));
}

/** The `data_file` of a local Parquet file, from its footer: counts, sizes, bounds, split offsets. */
export async function dataFileMetrics(
  session: DuckDbSession,
  localPath: string,
  schema: Schema,
  options: DataFileMetricsOptions = {},
): Promise<DataFile> {
  const file = sqlString(localPath);
  const fileSize = (await stat(localPath)).size;
  const recordCount = Number(await session.scalar<bigint>(`SELECT num_rows FROM parquet_file_metadata(${file})`));
  const nodes = await session.all<SchemaNodeRow>(
    `SELECT column_id, field_id, num_children FROM parquet_schema(${file}) ORDER BY column_id`,
  );
  // Leaf i of the schema tree (depth-first) is column chunk i of every row group.
  const leafFieldIds = nodes.filter((node) => !node.num_children).map((node) => (node.field_id === null ? null : Number(node.field_id)));
  const chunks = await session.all<ColumnChunkRow>(
    `SELECT row_group_id, column_id, num_values, stats_null_count, stats_min_value, stats_max_value,
            total_compressed_size, data_page_offset, dictionary_page_offset
       FROM parquet_metadata(${file}) ORDER BY row_group_id, column_id`,
  );

  const typesById = boundTypes(schema);
  const leaves = new Map<number, LeafMetrics>();
  const rowGroupStarts = new Map<number, number>();
  for (const chunk of chunks) {
    const start = Math.min(Number(chunk.data_page_offset ?? Infinity), Number(chunk.dictionary_page_offset ?? Infinity));
    const rowGroup = Number(chunk.row_group_id);
    if (Number.isFinite(start)) rowGroupStarts.set(rowGroup, Math.min(rowGroupStarts.get(rowGroup) ?? Infinity, start));

    const fieldId = leafFieldIds[Number(chunk.column_id)];
    if (fieldId === null || fieldId === undefined) continue;
    let metrics = leaves.get(fieldId);
    if (!metrics) {
      metrics = { columnSize: 0, valueCount: 0, nullCount: 0, lower: null, upper: null, boundsKnown: true };
      leaves.set(fieldId, metrics);
    }
    metrics.columnSize += Number(chunk.total_compressed_size);
    metrics.valueCount += Number(chunk.num_values);
    metrics.nullCount = metrics.nullCount === null || chunk.stats_null_count === null ? null : metrics.nullCount + Number(chunk.stats_null_count);
    const type = typesById.get(fieldId);
    if (type) foldBounds(metrics, type, chunk);
    else metrics.boundsKnown = false;
  }

  const columnSizes = new Map<number, number>();
  const valueCounts = new Map<number, number>();
  const nullCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Buffer>();
  const upperBounds = new Map<number, Buffer>();
  for (const [fieldId, metrics] of leaves) {
    columnSizes.set(fieldId, metrics.columnSize);
    valueCounts.set(fieldId, metrics.valueCount);
    if (metrics.nullCount !== null) nullCounts.set(fieldId, metrics.nullCount);
    const type = typesById.get(fieldId);
    if (!type || !metrics.boundsKnown || metrics.lower === null || metrics.upper === null) continue;
    lowerBounds.set(fieldId, toBinary(type, truncateLowerBound(type, metrics.lower, BOUND_TRUNCATE_WIDTH)));
    const upper = truncateUpperBound(type, metrics.upper, BOUND_TRUNCATE_WIDTH);
    if (upper !== undefined) upperBounds.set(fieldId, toBinary(type, upper));
  }

  const splitOffsets = [...rowGroupStarts.values()].filter((offset) => offset < fileSize).sort((a, b) => a - b);
  return {
    content: FileContent.DATA,
    file_path: options.filePath ?? localPath,
    file_format: 'PARQUET',
    partition: options.partition ?? {},
    record_count: recordCount,
    file_size_in_bytes: fileSize,
    column_sizes: sortedEntries(columnSizes),
    value_counts: sortedEntries(valueCounts),
    null_value_counts: sortedEntries(nullCounts),
    // NaN counts are not in the Parquet footer; an absent map is honest, a 0 would be a lie.
    lower_bounds: sortedEntries(lowerBounds),
    upper_bounds: sortedEntries(upperBounds),
    split_offsets: splitOffsets.length > 0 ? splitOffsets : null,
    sort_order_id: null,
  };
}

export interface WrittenDataFile extends WrittenFile {
  readonly dataFile: DataFile;
}

/**
 * `writeDataFiles` followed by `dataFileMetrics` of each file; `filePathOf` maps a local path to
 * the URI the file will have in the table (its `file_path`).
 */
export async function writeDataFilesWithMetrics(
  session: DuckDbSession,
  options: WriteDataFilesOptions,
  filePathOf: (localPath: string) => string = (localPath) => localPath,
): Promise<WrittenDataFile[]> {
  const files = await writeDataFiles(session, options);
  const result: WrittenDataFile[] = [];
  for (const file of files) {
    const dataFile = await dataFileMetrics(session, file.localPath, options.schema, {
      filePath: filePathOf(file.localPath),
      partition: file.partition,
    });
    result.push({ ...file, dataFile });
  }
  return result;
}
