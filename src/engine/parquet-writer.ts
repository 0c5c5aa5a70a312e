/**
 * Writes Iceberg data files with DuckDB: zstd Parquet carrying the table's field ids, columns
 * cast to the exact Iceberg types, split by the partition spec and (optionally) by target size.
 *
 * Partition values are computed in SQL as hidden helper columns that COPY's PARTITION_BY
 * consumes (so they never reach the files) and RETURN_STATS reports back per file. Time and
 * identity transforms are plain SQL; bucket/truncate are evaluated once per distinct source value
 * in JS (`transforms.ts`) and joined in through a small mapping table.
 *
 * DuckDB's partitioned writer costs ~25% of throughput, and most writes (every ingested file,
 * whose received_at is one constant) hold a single partition. So a cheap min/max pre-pass over the
 * helper columns comes first; when every helper is one non-null value, the rows are written with a
 * plain COPY into that partition's folder and the partition is parsed from the same text.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IcebergValue } from '../iceberg/conversions';
import { parseTransform, type BoundTransform } from '../iceberg/transforms';
import type { NestedField, PartitionField, PartitionSpec, PrimitiveType, Schema } from '../iceberg/types';
import { DuckDbSession, scratchName, sqlIdent, sqlString } from './duckdb-session';
import { parseDuckDbText } from './duckdb-value-text';
import { castSelectList, duckDbPrimitiveType, fieldIdsClause } from './iceberg-duckdb-types';

export interface WriteDataFilesOptions {
  /** A query (SELECT/WITH/FROM/VALUES) or an already-quoted table name producing the schema's columns by name. */
  readonly sourceSql: string;
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  /** Local folder the files are written into (created if missing; existing files are kept). */
  readonly outputDir: string;
  /** @default - one file per partition, however large. DuckDB splits at row-group granularity. */
  readonly targetFileSizeBytes?: number;
  /** Columns to ORDER BY within each output file. @default - arrival order */
  readonly sortBy?: readonly string[];
  /** Rows per Parquet row group. @default - DuckDB's default (122,880) */
  readonly rowGroupSize?: number;
  /**
   * The caller expects one partition (one landing file has one received_at; a daily merge writes
   * one day): write with a plain COPY at once and check the written columns' min/max afterwards,
   * falling back to a partitioned write only if they span partitions. Saves reading the source
   * twice, which matters when the source is a streamed parse. @default false
   */
  readonly expectSinglePartition?: boolean;
  /**
   * Top-level string columns the source gives as one-value ENUMs (constants such as the source
   * file): Parquet gets the same dictionary-encoded UTF8 column without hashing each row's string.
   */
  readonly enumConstants?: readonly string[];
}

export interface WrittenFile {
  readonly localPath: string;
  /** Partition field name → value of the transform's result type, canonical JS form (null for null). */
  readonly partition: Record<string, IcebergValue | null>;
  readonly recordCount: number;
}

/** A partition spec this writer cannot evaluate against the schema. */
export class PartitionSpecError extends Error {
  override name = 'PartitionSpecError';
}

/** How one partition field is computed: a helper column, or a constant null (void). */
interface PartitionColumn {
  readonly field: PartitionField;
  readonly helper: string;
  readonly source: NestedField;
  readonly bound: BoundTransform;
  /** SQL over the typed source row; null for `void` (always null, no helper column). */
  readonly expression: string | null;
  /** Parses the helper's text (as RETURN_STATS reports it) into the partition value. */
  readonly parse: (text: string) => IcebergValue;
  /** bucket/truncate: evaluated in JS per distinct source value, joined from this table. */
  readonly mappingTable?: string;
}

interface CopyStatsRow {
  filename: string;
  count: bigint;
  partition_keys: { key: string; value: string | null }[] | null;
}

type PartitionKeys = NonNullable<CopyStatsRow['partition_keys']>;

const MICROS_PER_HOUR = '3600000000';
const MICROS_PER_DAY = '86400000000';

/** floor(epoch µs / unit) as INTEGER; DuckDB's `//` truncates toward zero, so subtract the floored remainder first. */
function floorDivideMicros(column: string, unit: string): string {
  const micros = `epoch_us(${column})`;
  return `CAST((${micros} - (((${micros} % ${unit}) + ${unit}) % ${unit})) // ${unit} AS INTEGER)`;
}

/** Writes the rows of `sourceSql` as Iceberg data files; never writes (or returns) an empty file. */
export async function writeDataFiles(session: DuckDbSession, options: WriteDataFilesOptions): Promise<WrittenFile[]> {
  await mkdir(options.outputDir, { recursive: true });
  const columns = planPartitionColumns(options.schema, options.spec);
  const helpers = columns.filter((column) => column.expression !== null);
  try {
    for (const column of helpers) if (column.mappingTable) await fillMappingTable(session, options, column);
    const rowsSql = sourceWithHelpers(options, helpers);
    if (helpers.length === 0) return await writeUnpartitioned(session, options, rowsSql, columns);
    if (options.expectSinglePartition && helpers.every(isMonotonicNumeric)) {
      const written = await writeIfSinglePartition(session, options, columns, helpers);
      if (written) return written;
    }
    const single = await singlePartition(session, rowsSql, helpers);
    if (single === 'empty') return [];
    if (single) return await writeOnePartition(session, options, columns, single);
    if (options.sortBy && options.sortBy.length > 0) return await writeSortedPartitions(session, options, rowsSql, columns, helpers);
    return await writePartitioned(session, options, rowsSql, columns, helpers);
  } finally {
    for (const column of helpers) if (column.mappingTable) await session.run(`DROP TABLE IF EXISTS ${column.mappingTable}`);
  }
}

function planPartitionColumns(schema: Schema, spec: PartitionSpec): PartitionColumn[] {
  return spec.fields.map((field, index) => {
    const source = schema.fields.find((candidate) => candidate.id === field['source-id']);
    if (!source) {
      throw new PartitionSpecError(
        `partition field '${field.name}': source id ${field['source-id']} is not a top-level column of schema ${schema['schema-id']}`,
      );
    }
    if (typeof source.type !== 'string') {
      throw new PartitionSpecError(`partition field '${field.name}': source column '${source.name}' is not a primitive type`);
    }
    const bound = parseTransform(field.transform).bind(source.type);
    const helper = `__ml_part_${index}`;
    const column = sqlIdent(source.name);
    const asInt = (text: string): IcebergValue => Number(text);
    switch (bound.transform.kind) {
      case 'void':
        return { field, helper, source, bound, expression: null, parse: asInt };
      case 'identity':
        return { field, helper, source, bound, expression: column, parse: (text) => parseDuckDbText(bound.resultType, text) };
      case 'year':
        return { field, helper, source, bound, expression: `CAST(year(${column}) - 1970 AS INTEGER)`, parse: asInt };
      case 'month':
        return {
          field, helper, source, bound, parse: asInt,
          expression: `CAST((year(${column}) - 1970) * 12 + month(${column}) - 1 AS INTEGER)`,
        };
      case 'day':
        return {
          field, helper, source, bound, parse: asInt,
          expression: source.type === 'date'
            ? `CAST(${column} - DATE '1970-01-01' AS INTEGER)`
            : floorDivideMicros(column, MICROS_PER_DAY), // 3× faster than CAST(timestamptz AS DATE)
        };
      case 'hour':
        return { field, helper, source, bound, parse: asInt, expression: floorDivideMicros(column, MICROS_PER_HOUR) };
      case 'bucket':
      case 'truncate': {
        const mappingTable = sqlIdent(scratchName('__ml_partition_map'));
        return {
          field, helper, source, bound, mappingTable,
          expression: `${mappingTable}.partition_text`,
          parse: (text) => parseDuckDbText(bound.resultType, text),
        };
      }
    }
  });
}

/** `(SELECT …)` or a table name, usable after FROM. */
function sourceRelation(sourceSql: string): string {
  return /^\s*(select|with|from|values|\()/i.test(sourceSql) ? `(${sourceSql})` : sourceSql;
}

/** The typed rows plus one helper column per non-void partition field. */
function sourceWithHelpers(options: WriteDataFilesOptions, helpers: PartitionColumn[]): string {
  const typed = `(SELECT ${castSelectList(options.schema, new Set(options.enumConstants))} FROM ${sourceRelation(options.sourceSql)}) AS __ml_typed`;
  if (helpers.length === 0) return `SELECT * FROM ${typed}`;
  const joins = helpers
    .filter((column) => column.mappingTable)
    .map((column) => {
      const key = `CAST(__ml_typed.${sqlIdent(column.source.name)} AS VARCHAR)`;
      return ` LEFT JOIN ${column.mappingTable} ON ${column.mappingTable}.source_text = ${key}`;
    })
    .join('');
  const helperList = helpers.map((column) => `${column.expression} AS ${column.helper}`).join(', ');
  return `SELECT __ml_typed.*, ${helperList} FROM ${typed}${joins}`;
}

/** bucket/truncate: one row per distinct source value with its partition value as DuckDB text. */
async function fillMappingTable(session: DuckDbSession, options: WriteDataFilesOptions, column: PartitionColumn): Promise<void> {
  const table = column.mappingTable as string;
  await session.run(`CREATE TEMP TABLE ${table} (source_text VARCHAR PRIMARY KEY, partition_text VARCHAR)`);
  const typedColumn = `CAST(${sqlIdent(column.source.name)} AS ${duckDbPrimitiveType(column.bound.sourceType)})`;
  const distinct = await session.all<{ source_text: string }>(
    `SELECT DISTINCT CAST(${typedColumn} AS VARCHAR) AS source_text FROM ${sourceRelation(options.sourceSql)} WHERE source_text IS NOT NULL`,
  );
  const batchSize = 500;
  for (let start = 0; start < distinct.length; start += batchSize) {
    const batch = distinct.slice(start, start + batchSize);
    const params: string[] = [];
    for (const { source_text } of batch) {
      const value = column.bound.apply(parseDuckDbText(column.bound.sourceType, source_text));
      params.push(source_text, formatDuckDbText(column.bound.resultType, value as IcebergValue));
    }
    const placeholders = batch.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
    await session.run(`INSERT INTO ${table} VALUES ${placeholders}`, params);
  }
}

/** The inverse of `parseDuckDbText` for the result types of bucket (int) and truncate (int/long/string/decimal/binary). */
function formatDuckDbText(type: PrimitiveType, value: IcebergValue): string {
  if (Buffer.isBuffer(value)) return [...value].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
  const decimal = /^decimal\(\s*\d+\s*,\s*(\d+)\s*\)$/.exec(type);
  if (decimal && typeof value === 'bigint') {
    const scale = Number(decimal[1]);
    if (scale === 0) return value.toString();
    const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, '0');
    return `${value < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return String(value);
}

function copyOptions(options: WriteDataFilesOptions, extra: string[]): string {
  const parts = ['FORMAT parquet', 'COMPRESSION zstd', fieldIdsClause(options.schema), 'RETURN_STATS true', ...extra];
  if (options.rowGroupSize) parts.push(`ROW_GROUP_SIZE ${options.rowGroupSize}`);
  return parts.join(', ');
}

function sizeOptions(options: WriteDataFilesOptions): string[] {
  return options.targetFileSizeBytes
    ? [`FILE_SIZE_BYTES ${Math.floor(options.targetFileSizeBytes)}`, `FILENAME_PATTERN '{uuid}'`, 'APPEND true']
    : [];
}

function orderBy(options: WriteDataFilesOptions): string {
  return options.sortBy && options.sortBy.length > 0 ? ` ORDER BY ${options.sortBy.map(sqlIdent).join(', ')}` : '';
}

function selectDataColumns(schema: Schema): string {
  return schema.fields.map((field) => sqlIdent(field.name)).join(', ');
}

/** Keeps the non-empty files of a COPY … RETURN_STATS and deletes the empty ones. */
async function collectFiles(
  stats: CopyStatsRow[],
  partitionOf: (row: CopyStatsRow) => Record<string, IcebergValue | null>,
): Promise<WrittenFile[]> {
  const files: WrittenFile[] = [];
  for (const row of stats) {
    const localPath = path.resolve(row.filename);
    if (Number(row.count) === 0) {
      await rm(localPath, { force: true });
      continue;
    }
    files.push({ localPath, partition: partitionOf(row), recordCount: Number(row.count) });
  }
  return files;
}

/** Removes the partition folder a split emptied (never the output folder itself). */
async function removeIfEmpty(folder: string, outputDir: string): Promise<void> {
  if (path.resolve(folder) === path.resolve(outputDir)) return;
  if ((await readdir(folder)).length === 0) await rmdir(folder);
}

/** The folder PARTITION_BY would write these helper values into: `<helper>=<value>/…`. */
function partitionFolder(outputDir: string, keys: PartitionKeys): string {
  return path.join(outputDir, ...keys.map(({ key, value }) => `${key}=${value}`));
}

/** One plain COPY of `rowsSql` into `folder`: a single new file, or size-split files when a target size is set. */
async function copyIntoFolder<T extends CopyStatsRow>(
  session: DuckDbSession, options: WriteDataFilesOptions, rowsSql: string, folder: string,
): Promise<T[]> {
  const target = options.targetFileSizeBytes ? folder : path.join(folder, `${randomUUID()}.parquet`);
  return session.all<T>(`COPY (${rowsSql}${orderBy(options)}) TO ${sqlString(target)} (${copyOptions(options, sizeOptions(options))})`);
}

function nullPartition(columns: PartitionColumn[]): Record<string, IcebergValue | null> {
  return Object.fromEntries(columns.map((column) => [column.field.name, null]));
}

async function writeUnpartitioned(
  session: DuckDbSession,
  options: WriteDataFilesOptions,
  rowsSql: string,
  columns: PartitionColumn[],
): Promise<WrittenFile[]> {
  const stats = await copyIntoFolder(session, options, rowsSql, options.outputDir);
  return collectFiles(stats, () => nullPartition(columns));
}

/** Transforms whose helper value has the same text in min()/CAST and in RETURN_STATS (integers, dates). */
function hasPlainText(column: PartitionColumn): boolean {
  return isMonotonicNumeric(column) || (column.bound.transform.kind === 'identity' && column.source.type === 'date');
}

/**
 * The helper values when all rows share one non-null partition ('empty' for no rows); undefined
 * when the rows span several partitions (or a helper's text form is not plain).
 */
async function singlePartition(session: DuckDbSession, rowsSql: string, helpers: PartitionColumn[]): Promise<PartitionKeys | 'empty' | undefined> {
  if (!helpers.every(hasPlainText)) return undefined;
  const aggregates = helpers.map((column, i) =>
    `CAST(min(${column.helper}) AS VARCHAR) AS lo${i}, CAST(max(${column.helper}) AS VARCHAR) AS hi${i}, count(${column.helper}) AS n${i}`);
  const [row] = await session.all<Record<string, string | bigint | null>>(`SELECT count(*) AS n, ${aggregates.join(', ')} FROM (${rowsSql})`);
  if (Number(row.n) === 0) return 'empty';
  const keys: PartitionKeys = [];
  for (const [i, column] of helpers.entries()) {
    if (row[`n${i}`] !== row.n || row[`lo${i}`] === null || row[`lo${i}`] !== row[`hi${i}`]) return undefined;
    keys.push({ key: column.helper, value: row[`lo${i}`] as string });
  }
  return keys;
}

/** Transforms whose partition value is a number that orders like its source (checked by min/max). */
function isMonotonicNumeric(column: PartitionColumn): boolean {
  const kind = column.bound.transform.kind;
  return ['year', 'month', 'day', 'hour'].includes(kind) || (kind === 'identity' && ['int', 'long'].includes(column.source.type as string));
}

interface CopyStatsWithColumns extends CopyStatsRow {
  column_statistics: { key: string; value: { key: string; value: string }[] }[] | null;
}

/**
 * The optimistic single-partition write: one plain COPY into a staging folder, then the source
 * columns' min/max (RETURN_STATS) decide. Time transforms and identity are monotonic, so equal
 * partition values of min and max (and no nulls) put every row in that partition; the files then
 * move into its folder. Otherwise they are deleted and undefined tells the caller to partition.
 */
async function writeIfSinglePartition(
  session: DuckDbSession, options: WriteDataFilesOptions, columns: PartitionColumn[], helpers: PartitionColumn[],
): Promise<WrittenFile[] | undefined> {
  const staging = path.join(options.outputDir, `.staging-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    const stats = await copyIntoFolder<CopyStatsWithColumns>(session, options, sourceWithHelpers(options, []), staging);
    const rows = stats.filter((row) => Number(row.count) > 0);
    if (rows.length === 0) return [];
    const keys: PartitionKeys = [];
    for (const column of helpers) {
      const values = new Set<string>();
      for (const row of rows) {
        const stat = new Map((row.column_statistics?.find((c) => c.key === sqlIdent(column.source.name))?.value ?? []).map((e) => [e.key, e.value]));
        if (stat.get('null_count') !== '0' || stat.get('min') === undefined || stat.get('max') === undefined) return undefined;
        for (const text of [stat.get('min')!, stat.get('max')!]) {
          values.add(String(column.bound.apply(parseDuckDbText(column.source.type as PrimitiveType, text))));
        }
      }
      if (values.size !== 1) return undefined;
      keys.push({ key: column.helper, value: [...values][0] });
    }
    const folder = partitionFolder(options.outputDir, keys);
    await mkdir(folder, { recursive: true });
    const partition = partitionFromKeys(columns, keys);
    const files: WrittenFile[] = [];
    for (const row of rows) {
      const localPath = path.join(folder, path.basename(row.filename));
      await rename(path.resolve(row.filename), localPath);
      files.push({ localPath, partition, recordCount: Number(row.count) });
    }
    return files;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Rows of one partition: a plain COPY into `<helper>=<value>/` (the folder PARTITION_BY would use). */
async function writeOnePartition(
  session: DuckDbSession,
  options: WriteDataFilesOptions,
  columns: PartitionColumn[],
  keys: PartitionKeys,
): Promise<WrittenFile[]> {
  const folder = partitionFolder(options.outputDir, keys);
  await mkdir(folder, { recursive: true });
  const stats = await copyIntoFolder(session, options, sourceWithHelpers(options, []), folder);
  const files = await collectFiles(stats, () => partitionFromKeys(columns, keys));
  if (files.length === 0) await removeIfEmpty(folder, options.outputDir);
  return files;
}

function partitionFromKeys(columns: PartitionColumn[], keys: CopyStatsRow['partition_keys']): Record<string, IcebergValue | null> {
  const byHelper = new Map((keys ?? []).map((entry) => [entry.key, entry.value]));
  return Object.fromEntries(
    columns.map((column) => {
      const text = column.expression === null ? null : byHelper.get(column.helper);
      return [column.field.name, text === null || text === undefined ? null : column.parse(text)];
    }),
  );
}

/** One COPY … PARTITION_BY over the helper columns; files above the target size are split afterwards. */
async function writePartitioned(
  session: DuckDbSession,
  options: WriteDataFilesOptions,
  rowsSql: string,
  columns: PartitionColumn[],
  helpers: PartitionColumn[],
): Promise<WrittenFile[]> {
  const partitionBy = `PARTITION_BY (${helpers.map((column) => column.helper).join(', ')})`;
  const stats = await session.all<CopyStatsRow & { file_size_bytes: bigint }>(
    `COPY (${rowsSql}) TO ${sqlString(options.outputDir)} (${copyOptions(options, [partitionBy, `FILENAME_PATTERN '{uuid}'`, 'APPEND true'])})`,
  );
  const files = await collectFiles(stats, (row) => partitionFromKeys(columns, row.partition_keys));
  const target = options.targetFileSizeBytes;
  if (!target) return files;
  // DuckDB cannot combine PARTITION_BY with FILE_SIZE_BYTES: rewrite only the files that came out too large.
  const result: WrittenFile[] = [];
  for (const file of files) {
    if ((await stat(file.localPath)).size <= target) {
      result.push(file);
      continue;
    }
    const splitStats = await session.all<CopyStatsRow>(
      `COPY (SELECT ${castSelectList(options.schema)} FROM read_parquet(${sqlString(file.localPath)})) ` +
        `TO ${sqlString(options.outputDir)} (${copyOptions(options, sizeOptions(options))})`,
    );
    result.push(...(await collectFiles(splitStats, () => file.partition)));
    await rm(file.localPath);
    await removeIfEmpty(path.dirname(file.localPath), options.outputDir);
  }
  return result;
}

/**
 * Partitioned and sorted: a partitioned COPY does not keep row order, so stage the rows once
 * and write each partition with its own ordered COPY.
 */
async function writeSortedPartitions(
  session: DuckDbSession,
  options: WriteDataFilesOptions,
  rowsSql: string,
  columns: PartitionColumn[],
  helpers: PartitionColumn[],
): Promise<WrittenFile[]> {
  const stage = sqlIdent(scratchName('__ml_stage'));
  const helperNames = helpers.map((column) => column.helper);
  await session.run(`CREATE TEMP TABLE ${stage} AS ${rowsSql} ORDER BY ${helperNames.join(', ')}`);
  try {
    const textColumns = helperNames.map((name, i) => `CAST(${name} AS VARCHAR) AS k${i}`).join(', ');
    const groups = await session.all<Record<string, string | null>>(`SELECT DISTINCT ${textColumns} FROM ${stage}`);
    const target = options.targetFileSizeBytes ? options.outputDir : null;
    const files: WrittenFile[] = [];
    for (const group of groups) {
      const where = helperNames
        .map((name, i) => `CAST(${name} AS VARCHAR) IS NOT DISTINCT FROM ${group[`k${i}`] === null ? 'NULL' : sqlString(group[`k${i}`] as string)}`)
        .join(' AND ');
      const keys = helperNames.map((name, i) => ({ key: name, value: group[`k${i}`] }));
      const destination = target ?? path.join(options.outputDir, `${randomUUID()}.parquet`);
      const stats = await session.all<CopyStatsRow>(
        `COPY (SELECT ${selectDataColumns(options.schema)} FROM ${stage} WHERE ${where}${orderBy(options)}) ` +
          `TO ${sqlString(destination)} (${copyOptions(options, sizeOptions(options))})`,
      );
      files.push(...(await collectFiles(stats, () => partitionFromKeys(columns, keys))));
    }
    return files;
  } finally {
    await session.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}
