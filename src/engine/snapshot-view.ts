/**
 * A DuckDB view over exactly the data files of a planned Iceberg scan, with position and
 * equality deletes applied (ICEBERG.md §5.8 steps 5–6). Columns are read by Parquet field id
 * (read_parquet's `schema` parameter), so renamed columns read correctly and a file written
 * before a column was added reads NULL for it.
 */
import type { FileScanTask } from '../iceberg/scan';
import type { IcebergType, Schema } from '../iceberg/types';
import { DuckDbSession, sqlIdent, sqlString } from './duckdb-session';
import { duckDbType } from './iceberg-duckdb-types';

export type { DeleteFileTask, FileScanTask } from '../iceberg/scan';

/** Maps a file URI (as in the manifests) to a local path DuckDB can read. */
export type ResolveLocalPath = (uri: string) => Promise<string>;

/** A data file whose Parquet columns carry no field ids: it cannot be read by id. */
export class MissingFieldIdsError extends Error {
  override name = 'MissingFieldIdsError';
}

/** A scan this view cannot express (e.g. an equality delete on a nested column). */
export class UnsupportedScanError extends Error {
  override name = 'UnsupportedScanError';
}

/** Reserved field ids of position delete files (spec "Position Delete Files"). */
const DELETE_FILE_PATH_ID = 2147483546;
const DELETE_POS_ID = 2147483545;
const FILENAME_COLUMN = '__ml_filename';
const POSITION_DELETES = 1;
const EQUALITY_DELETES = 2;

interface SchemaColumn { readonly id: number; readonly name: string; readonly type: IcebergType }

/** `schema = MAP {id: {name, type, default_value: NULL}, …}` for read_parquet. */
function readSchemaParameter(columns: readonly SchemaColumn[]): string {
  const entries = columns.map(
    (column) => `${column.id}: {name: ${sqlString(column.name)}, type: ${sqlString(duckDbType(column.type))}, default_value: NULL}`,
  );
  return `schema = MAP {${entries.join(', ')}}`;
}

function readParquet(paths: readonly string[], columns: readonly SchemaColumn[], withRowNumber: boolean): string {
  const list = `[${paths.map(sqlString).join(', ')}]`;
  const rowNumber = withRowNumber ? ', file_row_number = true' : '';
  return `read_parquet(${list}, ${readSchemaParameter(columns)}, filename = ${sqlString(FILENAME_COLUMN)}${rowNumber}, hive_partitioning = false)`;
}

function valuesList(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `(${row.map(sqlString).join(', ')})`).join(', ');
}

/** Resolves every URI once. */
async function resolveAll(uris: Iterable<string>, resolveLocalPath: ResolveLocalPath): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  for (const uri of uris) if (!resolved.has(uri)) resolved.set(uri, await resolveLocalPath(uri));
  return resolved;
}

/** Files already checked: data files are immutable (unique names), so one footer read each is enough. */
const filesWithFieldIds = new Set<string>();

/**
 * A file without field ids would read as all NULLs by id — and DuckDB 1.5.6 even fails with an
 * internal error that invalidates the database when `schema` by id meets a column without an id
 * together with `file_row_number`. Refuse such files with a clear error first.
 */
async function assertFieldIds(session: DuckDbSession, allPaths: readonly string[], uriOf: Map<string, string>): Promise<void> {
  const localPaths = allPaths.filter((p) => !filesWithFieldIds.has(p));
  if (localPaths.length === 0) return;
  const list = `[${localPaths.map(sqlString).join(', ')}]`;
  const missing = await session.all<{ file_name: string; name: string }>(
    `SELECT file_name, name FROM parquet_schema(${list}) WHERE field_id IS NULL AND (num_children IS NULL OR num_children = 0) LIMIT 1`,
  );
  if (missing.length > 0) {
    const { file_name, name } = missing[0];
    throw new MissingFieldIdsError(
      `data file ${uriOf.get(file_name) ?? file_name} (local ${file_name}): Parquet column '${name}' has no field id; ` +
        'files without field ids need a name mapping, which this reader does not apply',
    );
  }
  for (const p of localPaths) filesWithFieldIds.add(p);
}

/** Registers `viewName` as a table with `schema`'s columns and no rows. */
export async function createEmptyView(session: DuckDbSession, viewName: string, schema: Schema): Promise<void> {
  const typedNulls = schema.fields.map((column) => `CAST(NULL AS ${duckDbType(column.type)}) AS ${sqlIdent(column.name)}`);
  await session.run(`CREATE OR REPLACE VIEW ${sqlIdent(viewName)} AS SELECT ${typedNulls.join(', ')} WHERE false`);
}

/**
 * Registers `viewName` with `schema`'s columns as a view that fails with `message` when read, so
 * a version that cannot be known is an error in the query that reads it, never an empty answer
 * (every column and the row filter raise it; only a LIMIT 0 probe reads nothing).
 */
export async function createUnavailableView(session: DuckDbSession, viewName: string, schema: Schema, message: string): Promise<void> {
  const fail = `error(${sqlString(message)})`;
  const failing = schema.fields.map((column) => `CAST(${fail} AS ${duckDbType(column.type)}) AS ${sqlIdent(column.name)}`);
  await session.run(`CREATE OR REPLACE VIEW ${sqlIdent(viewName)} AS SELECT ${failing.join(', ')} FROM (SELECT 1) WHERE ${fail} IS NULL`);
}

/** Registers `viewName` as the rows of `tasks` with their deletes applied, columns typed by `schema`. */
export async function createScanView(
  session: DuckDbSession,
  viewName: string,
  schema: Schema,
  tasks: readonly FileScanTask[],
  resolveLocalPath: ResolveLocalPath,
): Promise<void> {
  const columns: readonly SchemaColumn[] = schema.fields;
  const view = sqlIdent(viewName);
  if (tasks.length === 0) return createEmptyView(session, viewName, schema);

  const localOf = await resolveAll(
    tasks.flatMap((task) => [task.dataFile.file_path, ...task.deletes.map((d) => d.file.file_path)]),
    resolveLocalPath,
  );
  const dataPaths = [...new Set(tasks.map((task) => localOf.get(task.dataFile.file_path) as string))];
  const uriOfLocal = new Map(tasks.map((task) => [localOf.get(task.dataFile.file_path) as string, task.dataFile.file_path]));
  const hasPositionDeletes = tasks.some((task) => task.deletes.some((d) => d.file.content === POSITION_DELETES));
  await assertFieldIds(session, dataPaths, uriOfLocal);

  const ctes: string[] = [];
  const conditions: string[] = [];
  const selectList = columns.map((column) => `__ml_data.${sqlIdent(column.name)}`).join(', ');
  ctes.push(`__ml_data AS (SELECT * FROM ${readParquet(dataPaths, columns, hasPositionDeletes)})`);

  const positionPairs: string[][] = [];
  const equalityGroups = new Map<string, { ids: number[]; pairs: string[][] }>();
  for (const task of tasks) {
    for (const deleteTask of task.deletes) {
      const deletePath = localOf.get(deleteTask.file.file_path) as string;
      if (deleteTask.file.content === POSITION_DELETES) {
        positionPairs.push([deletePath, task.dataFile.file_path]);
      } else if (deleteTask.file.content === EQUALITY_DELETES) {
        const ids = [...(deleteTask.file.equality_ids ?? [])].sort((a, b) => a - b);
        if (ids.length === 0) throw new UnsupportedScanError(`equality delete file ${deleteTask.file.file_path} has no equality_ids`);
        const key = ids.join(',');
        const group = equalityGroups.get(key) ?? { ids, pairs: [] };
        group.pairs.push([deletePath, task.dataFile.file_path]);
        equalityGroups.set(key, group);
      }
    }
  }

  if (positionPairs.length > 0 || equalityGroups.size > 0) {
    ctes.push(`__ml_files(local_path, file_uri) AS (VALUES ${valuesList([...uriOfLocal])})`);
  }

  if (positionPairs.length > 0) {
    const deletePaths = [...new Set(positionPairs.map(([deletePath]) => deletePath))];
    const positionColumns: SchemaColumn[] = [
      { id: DELETE_FILE_PATH_ID, name: 'file_path', type: 'string' },
      { id: DELETE_POS_ID, name: 'pos', type: 'long' },
    ];
    ctes.push(`__ml_position_applies(delete_path, file_uri) AS (VALUES ${valuesList(positionPairs)})`);
    // A position delete row counts only for the data files the planner paired its file with.
    ctes.push(
      `__ml_position_deletes AS (SELECT d.file_path, d.pos FROM ${readParquet(deletePaths, positionColumns, false)} d ` +
        `JOIN __ml_position_applies a ON d.${FILENAME_COLUMN} = a.delete_path AND d.file_path = a.file_uri)`,
    );
    conditions.push(
      'NOT EXISTS (SELECT 1 FROM __ml_position_deletes p WHERE p.file_path = __ml_files.file_uri AND p.pos = __ml_data.file_row_number)',
    );
  }

  let groupIndex = 0;
  for (const { ids, pairs } of equalityGroups.values()) {
    const equalityColumns = ids.map((id) => {
      const column = columns.find((candidate) => candidate.id === id);
      if (!column || typeof column.type !== 'string') {
        throw new UnsupportedScanError(`equality delete on field id ${id}: not a top-level primitive column of schema ${schema['schema-id']}`);
      }
      return column;
    });
    const deletePaths = [...new Set(pairs.map(([deletePath]) => deletePath))];
    const cte = `__ml_equality_deletes_${groupIndex}`;
    ctes.push(`${cte}_applies(delete_path, file_uri) AS (VALUES ${valuesList(pairs)})`);
    const deleteColumns = equalityColumns.map((column) => `d.${sqlIdent(column.name)}`).join(', ');
    ctes.push(
      `${cte} AS (SELECT a.file_uri, ${deleteColumns} FROM ${readParquet(deletePaths, equalityColumns, false)} d ` +
        `JOIN ${cte}_applies a ON d.${FILENAME_COLUMN} = a.delete_path)`,
    );
    // Iceberg equality deletes match nulls too (null-safe equality).
    const matches = equalityColumns
      .map((column) => `e.${sqlIdent(column.name)} IS NOT DISTINCT FROM __ml_data.${sqlIdent(column.name)}`)
      .join(' AND ');
    conditions.push(`NOT EXISTS (SELECT 1 FROM ${cte} e WHERE e.file_uri = __ml_files.file_uri AND ${matches})`);
    groupIndex++;
  }

  const from =
    conditions.length > 0
      ? `__ml_data JOIN __ml_files ON __ml_data.${FILENAME_COLUMN} = __ml_files.local_path WHERE ${conditions.join(' AND ')}`
      : '__ml_data';
  await session.run(`CREATE OR REPLACE VIEW ${view} AS WITH ${ctes.join(', ')} SELECT ${selectList} FROM ${from}`);
}
