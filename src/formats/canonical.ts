/**
 * The canonical reading row every input format is turned into, and the shape of the tables a
 * parse leaves behind in the DuckDB session (accepted readings and rejected rows).
 */
import type { DuckDbSession } from '../engine/duckdb-session';

/** Columns of readings_history, in order. */
export const READING_COLUMNS = [
  'meter_id',
  'interval_start',
  'interval_minutes',
  'kwh',
  'quality',
  'source',
  'source_file',
  'source_row',
  'batch_id',
  'received_at',
] as const;

export type ReadingColumn = (typeof READING_COLUMNS)[number];

/** DuckDB type of each canonical column. */
export const READING_COLUMN_TYPES: Record<ReadingColumn, string> = {
  meter_id: 'VARCHAR',
  interval_start: 'TIMESTAMPTZ',
  interval_minutes: 'INTEGER',
  kwh: 'DOUBLE',
  quality: 'VARCHAR',
  source: 'VARCHAR',
  source_file: 'VARCHAR',
  source_row: 'BIGINT',
  batch_id: 'VARCHAR',
  received_at: 'TIMESTAMPTZ',
};

/** Columns of the rejected-rows table, in order. */
export const REJECTED_COLUMNS = [
  'source',
  'source_file',
  'source_row',
  'raw',
  'field',
  'value',
  'reason',
  'message',
  'batch_id',
  'received_at',
] as const;

export type RejectedColumn = (typeof REJECTED_COLUMNS)[number];

export const REJECTED_COLUMN_TYPES: Record<RejectedColumn, string> = {
  source: 'VARCHAR',
  source_file: 'VARCHAR',
  source_row: 'BIGINT',
  raw: 'VARCHAR',
  field: 'VARCHAR',
  value: 'VARCHAR',
  reason: 'VARCHAR',
  message: 'VARCHAR',
  batch_id: 'VARCHAR',
  received_at: 'TIMESTAMPTZ',
};

/** Canonical quality values. */
export const QUALITIES = ['actual', 'estimated', 'substituted'] as const;
export type Quality = (typeof QUALITIES)[number];

/** Interval lengths a reading may have, in minutes. */
export const ALLOWED_INTERVAL_MINUTES = [5, 15, 30, 60] as const;

/** What the ingest pipeline knows about the file being parsed. */
export interface ParseContext {
  source: string;
  /** The landing key of the object (recorded as source_file). */
  sourceFile: string;
  batchId: string;
  /** The object's arrival time (never the clock at a retry). */
  receivedAt: Date;
}

/** The outcome of parsing one file: two TEMP tables in the session, and their counts. */
export interface ParseResult {
  /** TEMP table with exactly READING_COLUMNS (source_row = 1-based data row number). */
  acceptedTable: string;
  /** TEMP table with exactly REJECTED_COLUMNS. */
  rejectedTable: string;
  /** Data rows (records) read from the file; always accepted + rejected. */
  rowsIn: number;
  accepted: number;
  rejected: number;
}

/** One SELECT of accepted rows, to be read on its own connection. */
export interface AcceptedRowsPart {
  session: DuckDbSession;
  sql: string;
  /** Columns given as one-value ENUMs instead of VARCHAR (same values; cheaper to write). */
  enumConstants?: string[];
}

/** Where the accepted rows of a parse go (e.g. Parquet data files); they are never materialised before. */
export interface AcceptedRowsSink<T> {
  /** Read every row of `acceptedSql` (READING_COLUMNS) exactly once, to the end; returns the outcome and the row count. */
  write(acceptedSql: string): Promise<{ result: T; rows: number }>;
  /**
   * Optional: read several SELECTs at once, each on its own connection, each as soon as it is
   * ready; together they are the accepted rows (each READING_COLUMNS). Without it a parse reads
   * the file as one statement. It returns or throws only once every part's statement has ended
   * (use allSettled): the caller then drops what those statements use (sequences, connections).
   */
  writeParts?(parts: Promise<AcceptedRowsPart>[]): Promise<{ result: T; rows: number }>;
  /** Undo a write whose rows must not be kept (the parse reads the file again, or rejects it as a whole). */
  discard(result: T): Promise<void>;
}

/** The outcome of parsing one file into a sink: what the sink made of the accepted rows, and a TEMP table of rejects. */
export interface StreamedParseResult<T> {
  /** The sink's result for the accepted rows. */
  written: T;
  /** TEMP table with exactly REJECTED_COLUMNS (drop it when done). */
  rejectedTable: string;
  /** Data rows (records) read from the file; always accepted + rejected. */
  rowsIn: number;
  accepted: number;
  rejected: number;
}

/** The whole file cannot be ingested; it goes to quarantine with `reason` (a stable code). */
export class FileRejectedError extends Error {
  override readonly name = 'FileRejectedError';
  constructor(
    readonly file: string,
    readonly reason: string,
    /** A human explanation (what was found, what was expected). */
    readonly detail: string = reason,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail} (${reason})`, options);
  }
}
