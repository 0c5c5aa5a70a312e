import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export interface DuckDbOptions {
  /** Worker threads (default: DuckDB's choice, all cores). */
  threads?: number;
  /** e.g. '1GB'. Operators spill to `tempDirectory` beyond it. */
  memoryLimit?: string;
  tempDirectory?: string;
}

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/**
 * One in-memory DuckDB database with one connection. Everything runs in UTC so TIMESTAMPTZ
 * values never shift, and extension auto-loading is off: nothing is downloaded at run time.
 */
export class DuckDbSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async create(options: DuckDbOptions = {}): Promise<DuckDbSession> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.tempDirectory) {
      mkdirSync(options.tempDirectory, { recursive: true });
      config.temp_directory = options.tempDirectory;
    }
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    // Parquet footers of immutable data files are read once per session, not once per query.
    await connection.run('SET parquet_metadata_cache = true');
    // Progress is tracked (not printed) so long statements can drive a progress bar.
    await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
    return new DuckDbSession(instance, connection);
  }

  /** Run a statement (or several separated by `;` when no params are bound). */
  async run(sql: string, params?: SqlParams): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Run a query and return its rows as plain JS objects (BIGINT → bigint, TIMESTAMP → Date). */
  async all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** The first column of the first row. */
  async scalar<T = unknown>(sql: string, params?: SqlParams): Promise<T> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const rows = reader.getRowsJS();
    return rows[0]?.[0] as T;
  }

  /** Percentage done of the statement running now (-1 when none or unknown). */
  progress(): number {
    return this.connection.progress.percentage;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A unique name for a scratch table or view. */
export const scratchName = (stem: string) => `${stem}_${randomUUID().replaceAll('-', '')}`;
