/**
 * One Athena statement run to completion (DDL such as CREATE OR REPLACE VIEW): start it in the
 * workgroup, poll with a doubling wait, fail with Athena's reason. Queries that return rows go
 * through AthenaQueryEngine; a statement has no rows to read.
 */
import { GetQueryExecutionCommand, StartQueryExecutionCommand, type AthenaClient } from '@aws-sdk/client-athena';
import { AthenaQueryError } from '../engine/athena-query-engine';

export interface AthenaStatementOptions {
  readonly workGroup: string;
  readonly database: string;
  /** First wait between polls. @default 200 */
  readonly pollIntervalMs?: number;
  /** Longest wait between polls. @default 2000 */
  readonly maxPollIntervalMs?: number;
  /** Waits between polls (tests inject one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run one statement and wait for it to succeed; returns its query execution id. Throws AthenaQueryError. */
export async function runAthenaStatement(client: AthenaClient, sql: string, options: AthenaStatementOptions): Promise<string> {
  const started = await client.send(new StartQueryExecutionCommand({
    QueryString: sql, WorkGroup: options.workGroup, QueryExecutionContext: { Database: options.database },
  }));
  const id = started.QueryExecutionId;
  if (!id) throw new Error(`Athena returned no query execution id for a statement in workgroup ${options.workGroup}`);
  const sleep = options.sleep ?? defaultSleep;
  let delay = options.pollIntervalMs ?? 200;
  for (;;) {
    const status = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution?.Status;
    const state = status?.State ?? 'UNKNOWN';
    if (state === 'SUCCEEDED') return id;
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new AthenaQueryError(id, state, status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given');
    }
    // The Lambda's own timeout bounds the wait (DDL takes seconds).
    await sleep(delay);
    delay = Math.min(delay * 2, options.maxPollIntervalMs ?? 2000);
  }
}
