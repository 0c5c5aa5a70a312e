import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export interface DuckDbOptions {
  /** Worker threads (default: DuckDB's choice, all cores). */
  threads?: number;
  /** e.g. '1GB'. Operators spill to `tempDirectory` beyond it. */
  memoryLimit?: string;
  tempDirectory?: string;
  /** DuckDB's home folder (`~`); set where HOME is missing or read-only, as in Lambda. */
  homeDirectory?: string;
}

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/**
 * One in-memory DuckDB database with one connection. Everything runs in UTC so TIMESTAMPTZ
 * values never shift, and extension auto-loading is off: nothing is downloaded at run time.
 */
export class DuckDbSession {
  /** Connections opened by withConnections that are running now (their progress counts too). */
  private readonly helpers = new Set<DuckDbSession>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly ownsInstance = true,
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
    if (options.homeDirectory) {
      mkdirSync(options.homeDirectory, { recursive: true });
      config.home_directory = options.homeDirectory;
    }
    const instance = await DuckDBInstance.create(':memory:', config);
    return new DuckDbSession(instance, await configuredConnection(instance));
  }

  /**
   * Run `work` with `count` extra connections to the same database, closed afterwards. A
   * statement that must stream in order (e.g. numbered by `row_number() OVER ()`) runs on one
   * thread; independent statements on separate connections use the others. TEMP tables and
   * sequences are per connection.
   */
  async withConnections<R>(count: number, work: (sessions: DuckDbSession[]) => Promise<R>): Promise<R> {
    const sessions: DuckDbSession[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const session = new DuckDbSession(this.instance, await configuredConnection(this.instance), false);
        sessions.push(session);
        this.helpers.add(session);
      }
      return await work(sessions);
    } finally {
      for (const session of sessions) {
        this.helpers.delete(session);
        session.close();
      }
    }
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

  /** Rows as `all` gives them, with each column's DuckDB type (e.g. `DATE`, `INTERVAL`, `BIGINT[]`) for display. */
  async allWithTypes(sql: string, params?: SqlParams): Promise<{ rows: Row[]; types: Record<string, string> }> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return { rows: reader.getRowObjectsJS() as Row[], types: Object.fromEntries(names.map((n, i) => [n, types[i].toString()])) };
  }

  /** The first column of the first row. */
  async scalar<T = unknown>(sql: string, params?: SqlParams): Promise<T> {
    const reader = await this.connection.runAndReadAll(sql, params);
    const rows = reader.getRowsJS();
    return rows[0]?.[0] as T;
  }

  /** Percentage done of the statement running now (-1 when none or unknown). */
  progress(): number {
    const own = this.connection.progress.percentage;
    if (this.helpers.size === 0) return own;
    // Work split across connections: the mean of their progress.
    const parts = [...this.helpers].map((s) => Math.max(0, s.progress()));
    return Math.max(own, parts.reduce((a, b) => a + b, 0) / parts.length);
  }

  /** Close the connection (and the database, unless this is an extra connection). */
  close(): void {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** A connection with the settings every statement relies on. */
async function configuredConnection(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  // Parquet footers of immutable data files are read once per session, not once per query.
  await connection.run('SET parquet_metadata_cache = true');
  // Progress is tracked (not printed) so long statements can drive a progress bar.
  await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
  return connection;
}

export { sqlIdent, sqlString } from './sql-quote';

/** A unique name for a scratch table or view. */
export const scratchName = (stem: string) => `${stem}_${randomUUID().replaceAll('-', '')}`;
