import {
  AlreadyExistsException,
  ConcurrentModificationException,
  CreateTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type CreateTableCommandInput,
  type Table,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The Glue tables of one database, with Glue's optimistic lock: every UpdateTable names the
 * VersionId it read, and a stale one fails with ConcurrentModificationException. Just the calls
 * GlueCatalog makes (GetTable, GetTables, CreateTable, UpdateTable), answered as Glue answers them.
 */
export class FakeGlueTables {
  readonly tables = new Map<string, Table>();
  /**
   * Faults for the next UpdateTable calls, one per call: 'before-swap' fails without changing the
   * table (the caller died, or the request never arrived); 'after-swap' changes it and then fails
   * (the response was lost). Either way the caller sees an error it cannot classify.
   */
  readonly updateFaults: ('before-swap' | 'after-swap')[] = [];

  constructor(readonly database: string) {}

  getTable(database: string | undefined, name: string | undefined): Table {
    const table = database === this.database && name !== undefined ? this.tables.get(name) : undefined;
    if (!table) throw new EntityNotFoundException({ message: `Table ${name} not found in ${database}`, $metadata: {} });
    return structuredClone(table);
  }

  getTables(database: string | undefined): Table[] {
    if (database !== this.database) throw new EntityNotFoundException({ message: `Database ${database} not found`, $metadata: {} });
    return [...this.tables.values()].map((t) => structuredClone(t));
  }

  createTable(input: CreateTableCommandInput): void {
    const name = input.TableInput?.Name;
    if (input.DatabaseName !== this.database) throw new EntityNotFoundException({ message: `Database ${input.DatabaseName} not found`, $metadata: {} });
    if (!name) throw new Error('CreateTable without TableInput.Name');
    if (this.tables.has(name)) throw new AlreadyExistsException({ message: `Table ${name} already exists`, $metadata: {} });
    this.tables.set(name, { ...structuredClone(input.TableInput!), Name: name, DatabaseName: this.database, VersionId: '1' });
  }

  updateTable(input: UpdateTableCommandInput): void {
    const fault = this.updateFaults.shift();
    if (fault === 'before-swap') throw new Error('connection reset before UpdateTable reached Glue');
    const current = this.getTable(input.DatabaseName, input.TableInput?.Name);
    if (input.VersionId !== undefined && input.VersionId !== current.VersionId) {
      throw new ConcurrentModificationException({ message: `Table version ${input.VersionId} is not the latest (${current.VersionId})`, $metadata: {} });
    }
    this.tables.set(current.Name!, {
      ...structuredClone(input.TableInput!), Name: current.Name, DatabaseName: this.database, VersionId: String(Number(current.VersionId) + 1),
    });
    if (fault === 'after-swap') throw new Error('connection reset before the UpdateTable response arrived');
  }

  /** The table's current Parameters.metadata_location. */
  metadataLocation(name: string): string | undefined {
    return this.tables.get(name)?.Parameters?.metadata_location;
  }
}

/** Every GlueClient in this process answers from `state` (aws-sdk-client-mock); returns the mock to inspect and restore. */
export function mockGlue(state: FakeGlueTables) {
  const mock = mockClient(GlueClient);
  mock.on(GetTableCommand).callsFake((input: { DatabaseName?: string; Name?: string }) => ({ Table: state.getTable(input.DatabaseName, input.Name) }));
  mock.on(GetTablesCommand).callsFake((input: { DatabaseName?: string }) => ({ TableList: state.getTables(input.DatabaseName) }));
  mock.on(CreateTableCommand).callsFake((input: CreateTableCommandInput) => {
    state.createTable(input);
    return {};
  });
  mock.on(UpdateTableCommand).callsFake((input: UpdateTableCommandInput) => {
    state.updateTable(input);
    return {};
  });
  return mock;
}
