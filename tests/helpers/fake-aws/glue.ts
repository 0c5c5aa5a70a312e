import type { CreateTableCommandInput, UpdateTableCommandInput } from '@aws-sdk/client-glue';
import { FakeGlueTables } from '../fake-glue';
import { FakeServiceError, startJsonService, type JsonService } from './json-protocol-server';

/** The fake Glue: one database's tables (FakeGlueTables: VersionId optimistic lock) over HTTP. */
export interface FakeGlue extends JsonService {
  readonly state: FakeGlueTables;
}

/**
 * Glue's GetTable, GetTables, CreateTable, UpdateTable (what GlueCatalog calls) and GetDatabase,
 * over the AWS JSON 1.1 protocol (`AWSGlue.<Operation>`). A stale UpdateTable VersionId is refused
 * with ConcurrentModificationException, a second CreateTable with AlreadyExistsException.
 */
export async function startFakeGlue(database: string): Promise<FakeGlue> {
  const state = new FakeGlueTables(database);
  const service = await startJsonService({
    targetPrefix: 'AWSGlue',
    jsonVersion: '1.1',
    operations: {
      GetDatabase: (input) => {
        if (input.Name !== database) throw new FakeServiceError('EntityNotFoundException', `Database ${String(input.Name)} not found`);
        return { Database: { Name: database } };
      },
      GetTable: (input) => ({ Table: state.getTable(input.DatabaseName as string, input.Name as string) }),
      // One page holds every table (the lake has a handful).
      GetTables: (input) => ({ TableList: state.getTables(input.DatabaseName as string) }),
      CreateTable: (input) => {
        state.createTable(input as unknown as CreateTableCommandInput);
        return {};
      },
      UpdateTable: (input) => {
        state.updateTable(input as unknown as UpdateTableCommandInput);
        return {};
      },
    },
  });
  return Object.assign(service, { state });
}
