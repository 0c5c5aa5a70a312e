import type { DuckDBAppender } from '@duckdb/node-api';
import type { DuckDbSession } from '../engine/duckdb-session';
import { tempName } from './sql-names';

/** One record as text, before typing and validation (see validate.ts for the staged shape). */
export interface StagedRecord {
  sourceRow: number;
  raw: string;
  meterId: string | null;
  ts: string | null;
  minutes: string | null;
  value: string | null;
  quality: string | null;
  /** Power of ten to apply to the value (Green Button powerOfTenMultiplier). */
  valuePow10?: number;
  /** Reference resolved later in SQL (Green Button: the IntervalBlock's MeterReading). */
  ref?: string | null;
}

/** A reject found while reading, before validation (e.g. a JSON row with the wrong length). */
export interface StagedReject {
  sourceRow: number;
  raw: string;
  field: string | null;
  value: string | null;
  reason: string;
  message: string;
}

/**
 * Writes records found by a JS reader (JSON, XML) into TEMP tables through DuckDB appenders, so
 * large files never sit in JS memory: the appender flushes a chunk at a time.
 */
export class StagingWriter {
  private constructor(
    readonly staged: string,
    readonly preRejected: string,
    private readonly records: DuckDBAppender,
    private readonly rejects: DuckDBAppender,
  ) {}

  /** Create the two TEMP tables and their appenders. */
  static async create(session: DuckDbSession): Promise<StagingWriter> {
    const staged = tempName('staged');
    const preRejected = tempName('prerejected');
    await session.run(
      `CREATE TEMP TABLE ${staged} (source_row BIGINT, raw VARCHAR, meter_id VARCHAR, ts VARCHAR, minutes VARCHAR,
         value VARCHAR, quality VARCHAR, value_pow10 INTEGER, ref VARCHAR)`,
    );
    await session.run(
      `CREATE TEMP TABLE ${preRejected} (source_row BIGINT, raw VARCHAR, field VARCHAR, value VARCHAR, reason VARCHAR, message VARCHAR)`,
    );
    const records = await session.connection.createAppender(staged, 'main', 'temp');
    const rejects = await session.connection.createAppender(preRejected, 'main', 'temp');
    return new StagingWriter(staged, preRejected, records, rejects);
  }

  addRecord(r: StagedRecord): void {
    const a = this.records;
    a.appendBigInt(BigInt(r.sourceRow));
    a.appendVarchar(r.raw);
    for (const text of [r.meterId, r.ts, r.minutes, r.value, r.quality]) appendText(a, text);
    a.appendInteger(r.valuePow10 ?? 0);
    appendText(a, r.ref ?? null);
    a.endRow();
  }

  addReject(r: StagedReject): void {
    const a = this.rejects;
    a.appendBigInt(BigInt(r.sourceRow));
    for (const text of [r.raw, r.field, r.value, r.reason, r.message]) appendText(a, text);
    a.endRow();
  }

  /** Flush and close the appenders; the tables are then complete. */
  close(): void {
    this.records.closeSync();
    this.rejects.closeSync();
  }

  /** Drop both tables (after validation). */
  async drop(session: DuckDbSession): Promise<void> {
    await session.run(`DROP TABLE IF EXISTS ${this.staged}; DROP TABLE IF EXISTS ${this.preRejected}`);
  }
}

function appendText(appender: DuckDBAppender, text: string | null): void {
  if (text === null) appender.appendNull();
  else appender.appendVarchar(text);
}
