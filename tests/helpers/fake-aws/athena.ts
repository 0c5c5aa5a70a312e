import { FakeServiceError, startJsonService, type JsonService } from './json-protocol-server';

/** A statement the fake Athena ran. */
export interface FakeAthenaStatement {
  readonly queryExecutionId: string;
  readonly query: string;
  readonly workGroup?: string;
  readonly database?: string;
}

export interface FakeAthena extends JsonService {
  /** Started statements, in order. */
  readonly statements: FakeAthenaStatement[];
  /** The state GetQueryExecution reports for a statement (default SUCCEEDED). */
  outcome: (statement: FakeAthenaStatement) => { State: 'SUCCEEDED' } | { State: 'FAILED'; StateChangeReason: string };
}

/**
 * Athena's StartQueryExecution and GetQueryExecution over the AWS JSON 1.1 protocol
 * (`AmazonAthena.<Operation>`): statements are recorded, not run, and succeed at once unless
 * `outcome` says otherwise.
 */
export async function startFakeAthena(): Promise<FakeAthena> {
  const statements: FakeAthenaStatement[] = [];
  let outcome: FakeAthena['outcome'] = () => ({ State: 'SUCCEEDED' });
  const service = await startJsonService({
    targetPrefix: 'AmazonAthena',
    jsonVersion: '1.1',
    operations: {
      StartQueryExecution: (input) => {
        const context = input.QueryExecutionContext as { Database?: string } | undefined;
        const statement = {
          queryExecutionId: `q-${statements.length + 1}`, query: String(input.QueryString), workGroup: input.WorkGroup as string | undefined, database: context?.Database,
        };
        statements.push(statement);
        return { QueryExecutionId: statement.queryExecutionId };
      },
      GetQueryExecution: (input) => {
        const statement = statements.find((s) => s.queryExecutionId === input.QueryExecutionId);
        if (!statement) throw new FakeServiceError('InvalidRequestException', `QueryExecution ${String(input.QueryExecutionId)} was not found`);
        return {
          QueryExecution: {
            QueryExecutionId: statement.queryExecutionId, Query: statement.query, WorkGroup: statement.workGroup,
            QueryExecutionContext: { Database: statement.database }, Status: outcome(statement),
          },
        };
      },
    },
  });
  return Object.defineProperties(Object.assign(service, { statements }), {
    outcome: { get: () => outcome, set: (next: FakeAthena['outcome']) => (outcome = next), enumerable: true },
  }) as FakeAthena;
}
