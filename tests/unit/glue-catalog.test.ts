import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AlreadyExistsException,
  ConcurrentModificationException,
  CreateTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  InternalServiceException,
  UpdateTableCommand,
  type Table,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CommitConflictError,
  CommitStateUnknownError,
  TableAlreadyExistsError,
  TableNotFoundError,
  type TableHandle,
} from '../../src/catalog/catalog';
import { GlueCatalog, NotAnIcebergTableError, glueColumnsFor } from '../../src/catalog/glue-catalog';
import { parseMetadataVersion } from '../../src/catalog/metadata-files';
import type { FileIO } from '../../src/iceberg/file-io';
import { parseTableMetadata, serializeTableMetadata } from '../../src/iceberg/metadata-json';
import type { Schema, TableMetadata } from '../../src/iceberg/types';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import { emptyTableMetadata } from '../helpers/empty-table-metadata';

// Glue has no local implementation, so the Glue API (only) is mocked; metadata files go to a real folder.
const glueMock = mockClient(GlueClient);
const DATABASE = 'meterlake';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'string' },
    { id: 2, name: 'kwh', required: false, type: 'decimal(12, 3)', doc: 'energy' },
  ],
};

const tableMetadata = (location: string, overrides: Partial<TableMetadata> = {}): TableMetadata =>
  emptyTableMetadata(location, { 'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1', ...overrides }, schema);

let tempDir: string;
let io: FileIO;
let warehouse: string;
let catalog: GlueCatalog;

beforeEach(async () => {
  glueMock.reset();
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'glue-catalog-'));
  const store = await LocalStore.create(tempDir);
  io = fileIOFor(store);
  warehouse = `${store.url}/warehouse`;
  catalog = new GlueCatalog({ glue: new GlueClient({ region: 'eu-west-1' }), database: DATABASE, warehouse, io });
});

afterEach(async () => {
  await fs.rm(tempDir, { recursive: true, force: true });
});

/** A table as Glue would return it, pointing at a metadata file that exists. */
async function existingTable(name: string, version = 3, extra: Partial<Table> = {}): Promise<{ table: Table; handle: TableHandle }> {
  const location = catalog.defaultLocation(name);
  const metadataLocation = `${location}/metadata/${String(version).padStart(5, '0')}-0b1f8a2e-6a54-4d4e-9c83-6c0e6f1c7a10.metadata.json`;
  const metadata = tableMetadata(location);
  await io.write(metadataLocation, serializeTableMetadata(metadata));
  const table: Table = {
    Name: name,
    DatabaseName: DATABASE,
    TableType: 'EXTERNAL_TABLE',
    VersionId: '7',
    Description: 'readings as received',
    Parameters: { table_type: 'ICEBERG', metadata_location: metadataLocation, 'other.tool': 'keep-me' },
    StorageDescriptor: { Location: location, Columns: glueColumnsFor(schema) },
    ...extra,
  };
  return { table, handle: { name, metadata, metadataLocation, catalogVersion: '7' } };
}

function sentUpdate(): UpdateTableCommandInput {
  const calls = glueMock.commandCalls(UpdateTableCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

async function metadataFilesIn(location: string): Promise<string[]> {
  const uris: string[] = [];
  for await (const file of io.list(`${location}/metadata/`)) uris.push(file.uri);
  return uris.sort();
}

describe('GlueCatalog.createTable', () => {
  test('creates an EXTERNAL_TABLE with table_type ICEBERG pointing at a 00000 metadata file', async () => {
    // Prepare
    glueMock.on(CreateTableCommand).resolves({});
    const location = catalog.defaultLocation('readings_history');

    // Act
    const handle = await catalog.createTable('readings_history', tableMetadata(location));

    // Assert
    const input = glueMock.commandCalls(CreateTableCommand)[0].args[0].input;
    expect(input.DatabaseName).toBe(DATABASE);
    expect(input.TableInput).toEqual({
      Name: 'readings_history',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { table_type: 'ICEBERG', metadata_location: handle.metadataLocation },
      StorageDescriptor: { Location: location, Columns: glueColumnsFor(schema) },
    });
    expect(parseMetadataVersion(handle.metadataLocation)).toBe(0);
    expect(handle.metadataLocation).toMatch(new RegExp(`^${location}/metadata/00000-[0-9a-f-]{36}\\.metadata\\.json$`));
  });

  test('writes the metadata file the Glue table points at', async () => {
    // Prepare
    glueMock.on(CreateTableCommand).resolves({});
    const location = catalog.defaultLocation('readings_history');

    // Act
    const handle = await catalog.createTable('readings_history', tableMetadata(location));

    // Assert
    const written = parseTableMetadata((await io.read(handle.metadataLocation)).toString('utf8'));
    expect(written).toEqual(tableMetadata(location));
  });

  test('AlreadyExistsException becomes TableAlreadyExistsError and the unused metadata file is deleted', async () => {
    // Prepare
    glueMock.on(CreateTableCommand).rejects(new AlreadyExistsException({ message: 'exists', $metadata: {} }));
    const location = catalog.defaultLocation('readings_history');

    // Act
    const result = catalog.createTable('readings_history', tableMetadata(location));

    // Assert
    await expect(result).rejects.toBeInstanceOf(TableAlreadyExistsError);
    expect(await metadataFilesIn(location)).toEqual([]);
  });
});

test("createTable: AlreadyExistsException from the SDK's retry of a create that was applied (answer lost) counts as success; the file is kept", async () => {
  // Prepare
  let created: Table | undefined;
  glueMock.on(CreateTableCommand).callsFake((input: { TableInput: Table }) => {
    created = { ...input.TableInput, VersionId: '1' };
    throw new AlreadyExistsException({ message: 'exists', $metadata: {} });
  });
  glueMock.on(GetTableCommand).callsFake(() => ({ Table: created }));
  const location = catalog.defaultLocation('readings_history');

  // Act
  const handle = await catalog.createTable('readings_history', tableMetadata(location));

  // Assert
  expect(handle.metadataLocation).toBe(created?.Parameters?.metadata_location);
  expect(await metadataFilesIn(location)).toEqual([handle.metadataLocation]);
});

describe('GlueCatalog.loadTable', () => {
  test('returns the metadata at metadata_location and Glue VersionId as catalogVersion', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings');
    glueMock.on(GetTableCommand, { DatabaseName: DATABASE, Name: 'meter_readings' }).resolves({ Table: table });

    // Act
    const loaded = await catalog.loadTable('meter_readings');

    // Assert
    expect(loaded).toEqual(handle);
  });

  test('loading a table again at the same metadata_location reads its metadata file once', async () => {
    // Prepare
    const { table } = await existingTable('meter_readings');
    glueMock.on(GetTableCommand).resolves({ Table: table });
    let reads = 0;
    const countingIo: FileIO = Object.assign(Object.create(io) as FileIO, { read: (uri: string) => { reads++; return io.read(uri); } });
    const counted = new GlueCatalog({ glue: new GlueClient({ region: 'eu-west-1' }), database: DATABASE, warehouse, io: countingIo });

    // Act
    const first = await counted.loadTable('meter_readings');
    const second = await counted.loadTable('meter_readings');

    // Assert
    expect(second).toEqual(first);
    expect(reads).toBe(1);
  });

  test('a load after Glue points at a newer metadata file returns the newer metadata', async () => {
    // Prepare
    const { table } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).resolvesOnce({ Table: table });
    await catalog.loadTable('meter_readings');
    const newer = await existingTable('meter_readings', 4);
    const newerMetadata = tableMetadata(newer.handle.metadata.location, { 'last-updated-ms': 1_700_000_000_000 });
    await io.write(newer.handle.metadataLocation, serializeTableMetadata(newerMetadata));
    glueMock.on(GetTableCommand).resolves({ Table: newer.table });

    // Act
    const loaded = await catalog.loadTable('meter_readings');

    // Assert
    expect(loaded.metadataLocation).toBe(newer.handle.metadataLocation);
    expect(loaded.metadata['last-updated-ms']).toBe(1_700_000_000_000);
  });

  test('accepts table_type in any letter case', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings');
    table.Parameters = { ...table.Parameters, table_type: 'iceberg' };
    glueMock.on(GetTableCommand).resolves({ Table: table });

    // Act
    const loaded = await catalog.loadTable('meter_readings');

    // Assert
    expect(loaded.metadataLocation).toBe(handle.metadataLocation);
  });

  test('a table that is not Iceberg gives NotAnIcebergTableError', async () => {
    // Prepare
    const { table } = await existingTable('meter_readings');
    table.Parameters = { classification: 'parquet' };
    glueMock.on(GetTableCommand).resolves({ Table: table });

    // Act
    const result = catalog.loadTable('meter_readings');

    // Assert
    await expect(result).rejects.toBeInstanceOf(NotAnIcebergTableError);
  });

  test('EntityNotFoundException becomes TableNotFoundError', async () => {
    // Prepare
    glueMock.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', $metadata: {} }));

    // Act
    const result = catalog.loadTable('missing_table');

    // Assert
    await expect(result).rejects.toBeInstanceOf(TableNotFoundError);
  });
});

describe('GlueCatalog.commit', () => {
  test('UpdateTable carries VersionId, SkipArchive, the new and previous locations and the copied parameters', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).resolves({ Table: table });
    glueMock.on(UpdateTableCommand).resolves({});
    const updated = tableMetadata(handle.metadata.location, { 'last-updated-ms': 1_700_000_100_000 });

    // Act
    const committed = await catalog.commit(handle, updated);

    // Assert
    expect(sentUpdate()).toEqual({
      DatabaseName: DATABASE,
      VersionId: '7',
      SkipArchive: true,
      TableInput: {
        Name: 'meter_readings',
        TableType: 'EXTERNAL_TABLE',
        Description: 'readings as received',
        Parameters: {
          'other.tool': 'keep-me',
          table_type: 'ICEBERG',
          metadata_location: committed.metadataLocation,
          previous_metadata_location: handle.metadataLocation,
        },
        StorageDescriptor: { Location: handle.metadata.location, Columns: glueColumnsFor(schema) },
      },
    });
  });

  test('the new metadata file is version base+1 and holds the updated metadata', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).resolves({ Table: table });
    glueMock.on(UpdateTableCommand).resolves({});
    const updated = tableMetadata(handle.metadata.location, { 'last-updated-ms': 1_700_000_100_000 });

    // Act
    const committed = await catalog.commit(handle, updated);

    // Assert
    expect(parseMetadataVersion(committed.metadataLocation)).toBe(4);
    expect(parseTableMetadata((await io.read(committed.metadataLocation)).toString('utf8'))).toEqual(updated);
    expect(committed.metadata).toBe(updated);
  });

  test('ConcurrentModificationException becomes CommitConflictError and the new metadata file is deleted', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).resolves({ Table: table });
    glueMock.on(UpdateTableCommand).rejects(new ConcurrentModificationException({ message: 'version changed', $metadata: {} }));

    // Act
    const result = catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    await expect(result).rejects.toBeInstanceOf(CommitConflictError);
    expect(await metadataFilesIn(handle.metadata.location)).toEqual([handle.metadataLocation]);
  });

  test("ConcurrentModificationException from the SDK's retry of an update that was applied (answer lost) counts as success; the file is kept", async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    let glueTable = table;
    glueMock.on(GetTableCommand).callsFake(() => ({ Table: glueTable }));
    glueMock.on(UpdateTableCommand).callsFake((input: UpdateTableCommandInput) => {
      // The first attempt landed and its answer was lost; the SDK's retry names the old VersionId.
      glueTable = { ...table, VersionId: '8', Parameters: input.TableInput?.Parameters };
      throw new ConcurrentModificationException({ message: 'version changed', $metadata: {} });
    });

    // Act
    const committed = await catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    expect(committed.metadataLocation).toBe(glueTable.Parameters?.metadata_location);
    expect((await io.size(committed.metadataLocation)) ?? 0).toBeGreaterThan(0);
  });

  test('ConcurrentModificationException after the SDK retried, with another writer on top, gives CommitStateUnknownError and keeps the file', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    let glueTable = table;
    glueMock.on(GetTableCommand).callsFake(() => ({ Table: glueTable }));
    glueMock.on(UpdateTableCommand).callsFake((input: UpdateTableCommandInput) => {
      // Our first attempt landed (answer lost), another writer committed on top, then the SDK's retry met that.
      glueTable = { ...table, VersionId: '9', Parameters: { ...input.TableInput?.Parameters, metadata_location: `${handle.metadata.location}/metadata/other.metadata.json` } };
      throw new ConcurrentModificationException({ message: 'version changed', $metadata: { attempts: 2 } });
    });

    // Act
    const committing = catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    await expect(committing).rejects.toBeInstanceOf(CommitStateUnknownError);
    expect(await metadataFilesIn(handle.metadata.location)).toHaveLength(2);
  });

  test('a base that is no longer Glue\'s metadata_location gives CommitConflictError without calling UpdateTable', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    const moved = { ...table, Parameters: { ...table.Parameters, metadata_location: `${handle.metadata.location}/metadata/00004-aa.metadata.json` } };
    glueMock.on(GetTableCommand).resolves({ Table: moved });

    // Act
    const result = catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    await expect(result).rejects.toBeInstanceOf(CommitConflictError);
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  test('an ambiguous UpdateTable error counts as success when the table now points at the new file', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    let glueTable = table;
    glueMock.on(GetTableCommand).callsFake(() => ({ Table: glueTable }));
    glueMock.on(UpdateTableCommand).callsFake((input: UpdateTableCommandInput) => {
      // The update landed, but the answer was lost.
      glueTable = { ...table, VersionId: '8', Parameters: input.TableInput?.Parameters };
      throw new InternalServiceException({ message: 'timeout', $metadata: {} });
    });

    // Act
    const committed = await catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    expect(parseMetadataVersion(committed.metadataLocation)).toBe(4);
    expect((await io.size(committed.metadataLocation)) ?? 0).toBeGreaterThan(0);
    expect(committed.metadataLocation).toBe(glueTable.Parameters?.metadata_location);
  });

  test('an ambiguous UpdateTable error with the pointer unchanged gives CommitStateUnknownError and keeps the new file', async () => {
    // Prepare
    const { table, handle } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).resolves({ Table: table });
    glueMock.on(UpdateTableCommand).rejects(new InternalServiceException({ message: 'timeout', $metadata: {} }));

    // Act
    const result = catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    await expect(result).rejects.toBeInstanceOf(CommitStateUnknownError);
    expect(await metadataFilesIn(handle.metadata.location)).toHaveLength(2);
  });

  test('a table dropped before the commit gives TableNotFoundError', async () => {
    // Prepare
    const { handle } = await existingTable('meter_readings', 3);
    glueMock.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', $metadata: {} }));

    // Act
    const result = catalog.commit(handle, tableMetadata(handle.metadata.location));

    // Assert
    await expect(result).rejects.toBeInstanceOf(TableNotFoundError);
  });
});

describe('GlueCatalog.listTables and tableExists', () => {
  test('listTables follows NextToken and keeps only Iceberg tables', async () => {
    // Prepare
    const iceberg = (name: string): Table => ({ Name: name, Parameters: { table_type: 'ICEBERG', metadata_location: 'x' } });
    glueMock
      .on(GetTablesCommand, { DatabaseName: DATABASE, NextToken: undefined })
      .resolves({ TableList: [iceberg('meters'), { Name: 'raw_csv', Parameters: { classification: 'csv' } }], NextToken: 'page2' })
      .on(GetTablesCommand, { DatabaseName: DATABASE, NextToken: 'page2' })
      .resolves({ TableList: [iceberg('agreement')] });

    // Act
    const names = await catalog.listTables();

    // Assert
    expect(names).toEqual(['agreement', 'meters']);
  });

  test('tableExists is false for a missing table', async () => {
    // Prepare
    glueMock.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', $metadata: {} }));

    // Act
    const exists = await catalog.tableExists('missing_table');

    // Assert
    expect(exists).toBe(false);
  });

  test('tableExists is true for an Iceberg table', async () => {
    // Prepare
    const { table } = await existingTable('meters');
    glueMock.on(GetTableCommand).resolves({ Table: table });

    // Act
    const exists = await catalog.tableExists('meters');

    // Assert
    expect(exists).toBe(true);
  });
});

describe('glueColumnsFor', () => {
  test('maps Iceberg types to Glue type strings', () => {
    // Prepare
    const types: Array<[Schema['fields'][number]['type'], string]> = [
      ['boolean', 'boolean'], ['int', 'int'], ['long', 'bigint'], ['float', 'float'], ['double', 'double'],
      ['date', 'date'], ['time', 'string'], ['timestamp', 'timestamp'], ['timestamptz', 'timestamp'],
      ['string', 'string'], ['uuid', 'string'], ['binary', 'binary'], ['fixed[16]', 'binary'],
      ['decimal(12, 3)', 'decimal(12,3)'],
      [{ type: 'struct', fields: [{ id: 10, name: 'a', required: true, type: 'int' }, { id: 11, name: 'b', required: false, type: 'string' }] }, 'struct<a:int,b:string>'],
      [{ type: 'list', 'element-id': 12, 'element-required': false, element: 'long' }, 'array<bigint>'],
      [{ type: 'map', 'key-id': 13, key: 'string', 'value-id': 14, 'value-required': false, value: 'double' }, 'map<string,double>'],
    ];
    const wide: Schema = { type: 'struct', 'schema-id': 0, fields: types.map(([type], i) => ({ id: i + 1, name: `c${i}`, required: false, type })) };

    // Act
    const columns = glueColumnsFor(wide);

    // Assert
    expect(columns.map((c) => c.Type)).toEqual(types.map(([, glue]) => glue));
  });

  test('columns carry field id, optional, current and the doc as Comment', () => {
    // Act
    const columns = glueColumnsFor(schema);

    // Assert
    expect(columns).toEqual([
      { Name: 'meter_id', Type: 'string', Parameters: { 'iceberg.field.id': '1', 'iceberg.field.optional': 'false', 'iceberg.field.current': 'true' } },
      { Name: 'kwh', Type: 'decimal(12,3)', Comment: 'energy', Parameters: { 'iceberg.field.id': '2', 'iceberg.field.optional': 'true', 'iceberg.field.current': 'true' } },
    ]);
  });

  test('columns dropped since an older schema follow the current ones with current=false', () => {
    // Prepare
    const current: Schema = { type: 'struct', 'schema-id': 1, fields: [schema.fields[0]] };

    // Act
    const columns = glueColumnsFor(current, [schema]);

    // Assert
    expect(columns.map((c) => [c.Name, c.Parameters?.['iceberg.field.current']])).toEqual([['meter_id', 'true'], ['kwh', 'false']]);
  });
});
