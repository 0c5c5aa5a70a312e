/**
 * QueryEngine on Amazon Athena (engine v3, Trino): renders table slots as Glue tables, pinned
 * with `FOR VERSION AS OF <snapshot id>`; parameters go as ExecutionParameters; polls with
 * exponential backoff; reads every page of the result and converts values by column type.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { assertOnlyTablesPinned, type QueryEngine, type QueryOptions, type TableVersion } from './query-engine';
import { sqlIdent, sqlString } from './sql-quote';
import { expandViews, loadSqlTemplates, renderSql, type SqlParamType, type SqlTemplate } from './sql-template';

export interface AthenaQueryEngineOptions {
  readonly client: AthenaClient;
  readonly workGroup: string;
  /** Glue database of the tables. @default 'meterlake' */
  readonly database?: string;
  /** Data catalog. @default the workgroup's (AwsDataCatalog) */
  readonly catalog?: string;
  /** Overrides the workgroup's result location (Athena then does not reuse results). */
  readonly outputLocation?: string;
  /** Reuse a previous identical query's result up to this age (1–10080 minutes). @default off */
  readonly resultReuseMinutes?: number;
  /** First wait between status polls. @default 200 */
  readonly pollIntervalMs?: number;
  /** Longest wait between polls; each wait doubles up to it. @default 5000 */
  readonly maxPollIntervalMs?: number;
  /** The query is stopped and fails after this long. @default 900000 (15 minutes) */
  readonly timeoutMs?: number;
  /** Views that slots may name; inlined as CTEs so they follow pinned versions. @default sql/views */
  readonly views?: ReadonlyMap<string, SqlTemplate>;
  /** Waits between polls (tests inject one that records the delays). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A query that ended FAILED or CANCELLED, or that timed out (state TIMED_OUT). */
export class AthenaQueryError extends Error {
  override name = 'AthenaQueryError';
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    readonly reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state}: ${reason}`);
  }
}

/** A tag was given as a version: Athena's FOR VERSION AS OF needs a snapshot id. */
export class AthenaVersionError extends Error {
  override name = 'AthenaVersionError';
}

/** A parameter value that is not a valid literal of its declared type. */
export class AthenaParamError extends Error {
  override name = 'AthenaParamError';
}

const MAX_REUSE_MINUTES = 10080;
const PAGE_SIZE = 1000;

/**
 * One ExecutionParameters entry. Athena substitutes each value for its `?` as a SQL literal, so
 * strings are single-quoted and dates/timestamps are typed literals (`DATE '2021-01-01'`).
 */
export function athenaParamLiteral(value: unknown, type: SqlParamType, name: string): string {
  if (value === null) return 'NULL';
  const fail = (): never => {
    throw new AthenaParamError(`parameter ${name}: ${String(value)} is not a valid ${type}`);
  };
  switch (type) {
    case 'DATE': {
      const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) fail();
      return `DATE '${text}'`;
    }
    case 'TIMESTAMP': {
      const date = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(date.getTime())) fail();
      return `TIMESTAMP '${date.toISOString().replace('T', ' ').replace('Z', '')}'`;
    }
    case 'VARCHAR':
      return sqlString(String(value));
    case 'BIGINT': {
      const text = String(value);
      if (!/^-?\d+$/.test(text)) fail();
      return text;
    }
    case 'DOUBLE': {
      const number = Number(value);
      if (typeof value === 'boolean' || !Number.isFinite(number)) fail();
      return String(number);
    }
  }
}

/** Offset (ms) of a named time zone from UTC at a wall-clock instant. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utcMs / 1000) * 1000;
}

/** Parses Athena's `yyyy-mm-dd hh:mm:ss.fff[ zone]` text. */
function parseAthenaTimestamp(text: string): Date {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: (.+))?$/.exec(text);
  if (!match) return new Date(text);
  const [, day, time, zone] = match;
  const seconds = time.length > 12 ? time.slice(0, 12) : time;
  const wallClockUtc = Date.parse(`${day}T${seconds}Z`);
  if (!zone || zone === 'UTC' || zone === 'Z') return new Date(wallClockUtc);
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (offset) {
    const sign = offset[1] === '-' ? -1 : 1;
    return new Date(wallClockUtc - sign * (Number(offset[2]) * 60 + Number(offset[3])) * 60000);
  }
  // Named zone: wall clock − offset, refined once for instants near a DST change.
  const first = wallClockUtc - zoneOffsetMs(wallClockUtc, zone);
  return new Date(wallClockUtc - zoneOffsetMs(first, zone));
}

/** Converts one result cell by its Athena column type (same JS types as the DuckDB engine). */
export function athenaValue(text: string | undefined, column: ColumnInfo): unknown {
  if (text === undefined) return null;
  const type = (column.Type ?? 'varchar').toLowerCase();
  if (type === 'boolean') return text === 'true';
  if (type === 'bigint') return BigInt(text);
  if (['tinyint', 'smallint', 'integer', 'int', 'double', 'float', 'real', 'decimal'].includes(type)) return Number(text);
  if (type === 'date') return new Date(`${text}T00:00:00Z`);
  if (type.startsWith('timestamp')) return parseAthenaTimestamp(text);
  return text;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class AthenaQueryEngine implements QueryEngine {
  private readonly views: ReadonlyMap<string, SqlTemplate>;
  private readonly database: string;

  constructor(private readonly options: AthenaQueryEngineOptions) {
    this.views = options.views ?? loadSqlTemplates();
    this.database = options.database ?? 'meterlake';
  }

  /** Renders, starts, waits for and reads one query. */
  async query(template: SqlTemplate, opts: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    const { sql, parameters } = this.render(template, opts);
    const input: StartQueryExecutionCommandInput = {
      QueryString: sql,
      WorkGroup: this.options.workGroup,
      QueryExecutionContext: { Database: this.database, ...(this.options.catalog ? { Catalog: this.options.catalog } : {}) },
      ...(parameters.length ? { ExecutionParameters: parameters } : {}),
      ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
      ...(this.reuseAllowed() ? {
        ResultReuseConfiguration: {
          ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: Math.min(this.options.resultReuseMinutes!, MAX_REUSE_MINUTES) },
        },
      } : {}),
    };
    const started = await this.options.client.send(new StartQueryExecutionCommand(input));
    const queryExecutionId = started.QueryExecutionId!;
    await this.waitForSuccess(queryExecutionId);
    return this.readResults(queryExecutionId);
  }

  /** The SQL Athena runs and its ExecutionParameters, without running it. */
  render(template: SqlTemplate, opts: QueryOptions = {}): { sql: string; parameters: string[] } {
    const versions = opts.versions ?? {};
    assertOnlyTablesPinned(template, this.views, versions);
    const expanded = expandViews(template, this.views);
    const rendered = renderSql(expanded, {
      table: (slot) => this.tableReference(slot, versions[slot]),
      params: opts.params,
    });
    const parameters = rendered.values.map((value, i) => athenaParamLiteral(value, rendered.valueParams[i].type, rendered.valueParams[i].name));
    return { sql: rendered.sql, parameters };
  }

  private tableReference(slot: string, version: TableVersion | undefined): string {
    const table = `${sqlIdent(this.database)}.${sqlIdent(slot)}`;
    if (version === undefined) return table;
    if (typeof version !== 'bigint') {
      throw new AthenaVersionError(
        `table ${slot}: version "${version}" is a tag; Athena reads snapshots by id (FOR VERSION AS OF <id>), so resolve the tag to its snapshot id first`,
      );
    }
    return `${table} FOR VERSION AS OF ${version}`;
  }

  /** Athena reuses results only for queries that keep the workgroup's result configuration. */
  private reuseAllowed(): boolean {
    const minutes = this.options.resultReuseMinutes;
    return minutes !== undefined && minutes > 0 && !this.options.outputLocation;
  }

  private async waitForSuccess(queryExecutionId: string): Promise<void> {
    const sleep = this.options.sleep ?? defaultSleep;
    const maxDelay = this.options.maxPollIntervalMs ?? 5000;
    const timeoutMs = this.options.timeoutMs ?? 900_000;
    let delay = this.options.pollIntervalMs ?? 200;
    let waited = 0;
    for (;;) {
      const { QueryExecution: execution } = await this.options.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      const status = execution?.Status;
      const state = status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given';
        throw new AthenaQueryError(queryExecutionId, state, reason);
      }
      if (waited >= timeoutMs) {
        await this.options.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
        throw new AthenaQueryError(queryExecutionId, 'TIMED_OUT', `still ${state} after ${timeoutMs} ms; the query was stopped`);
      }
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, maxDelay);
    }
  }

  private async readResults(queryExecutionId: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnInfo[] = [];
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const page = await this.options.client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: nextToken, MaxResults: PAGE_SIZE }));
      if (firstPage) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows = page.ResultSet?.Rows ?? [];
      // The first row of the first page of a SELECT's result repeats the column names.
      for (const row of firstPage ? pageRows.slice(1) : pageRows) {
        const record: Record<string, unknown> = {};
        columns.forEach((column, i) => {
          record[column.Name ?? `_col${i}`] = athenaValue(row.Data?.[i]?.VarCharValue, column);
        });
        rows.push(record);
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}
