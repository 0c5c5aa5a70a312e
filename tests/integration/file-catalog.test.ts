import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommitConflictError, TableAlreadyExistsError, TableNotFoundError } from '../../src/catalog/catalog';
import { FileCatalog, InvalidTableNameError } from '../../src/catalog/file-catalog';
import { parseMetadataVersion } from '../../src/catalog/metadata-files';
import type { FileIO } from '../../src/iceberg/file-io';
import type { TableMetadata } from '../../src/iceberg/types';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import { S3Store } from '../../src/storage/s3-store';
import { emptyTableMetadata } from '../helpers/empty-table-metadata';
import { startS3Server, type TestS3Server } from '../helpers/s3-server';

/** The test table's metadata, stamped with a last-updated time (distinct contents per commit). */
const tableMetadata = (location: string, lastUpdatedMs = 1_700_000_000_000): TableMetadata =>
  emptyTableMetadata(location, { 'last-updated-ms': lastUpdatedMs });

interface Backend {
  io: FileIO;
  warehouse: string;
  dispose(): Promise<void>;
}

let s3Server: TestS3Server;

beforeAll(async () => {
  s3Server = await startS3Server();
});

afterAll(async () => {
  await s3Server.close();
});

const backends: Array<[string, () => Promise<Backend>]> = [
  [
    'LocalStore',
    async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-catalog-'));
      const store = await LocalStore.create(dir);
      return { io: fileIOFor(store), warehouse: `${store.url}/warehouse`, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'S3Store',
    async () => {
      const store = new S3Store(s3Server.storeOptions(`catalog-${randomUUID()}`));
      return { io: fileIOFor(store), warehouse: `${store.url}/warehouse`, dispose: async () => store.client.destroy() };
    },
  ],
];

describe.each(backends)('FileCatalog on %s', (_label, openBackend) => {
  let backend: Backend;
  let io: FileIO;
  let catalog: FileCatalog;

  beforeEach(async () => {
    backend = await openBackend();
    io = backend.io;
    catalog = new FileCatalog({ io, warehouse: backend.warehouse });
  });

  afterEach(async () => {
    await backend.dispose();
  });

  const create = (name: string) => catalog.createTable(name, tableMetadata(catalog.defaultLocation(name)));
  const hintOf = async (name: string) => (await io.read(`${catalog.defaultLocation(name)}/metadata/version-hint.text`)).toString('utf8');

  async function filesUnder(uriPrefix: string): Promise<string[]> {
    const uris: string[] = [];
    for await (const file of io.list(uriPrefix)) uris.push(file.uri);
    return uris.sort();
  }

  test('a created table loads with the same metadata and location', async () => {
    // Prepare
    const created = await create('meters');

    // Act
    const loaded = await catalog.loadTable('meters');

    // Assert
    expect(loaded).toEqual(created);
    expect(parseMetadataVersion(loaded.metadataLocation)).toBe(0);
  });

  test('creating an existing table gives TableAlreadyExistsError', async () => {
    // Prepare
    await create('meters');

    // Act
    const result = create('meters');

    // Assert
    await expect(result).rejects.toBeInstanceOf(TableAlreadyExistsError);
  });

  test('loading a missing table gives TableNotFoundError', async () => {
    // Act
    const result = catalog.loadTable('missing_table');

    // Assert
    await expect(result).rejects.toBeInstanceOf(TableNotFoundError);
  });

  test('a commit becomes the table loaded next, one version up', async () => {
    // Prepare
    const base = await create('meters');
    const updated = tableMetadata(base.metadata.location, 1_700_000_500_000);

    // Act
    const committed = await catalog.commit(base, updated);

    // Assert
    const loaded = await catalog.loadTable('meters');
    expect(loaded.metadataLocation).toBe(committed.metadataLocation);
    expect(loaded.metadata).toEqual(updated);
    expect(parseMetadataVersion(committed.metadataLocation)).toBe(1);
  });

  test('committing on a base that is no longer current gives CommitConflictError', async () => {
    // Prepare
    const base = await create('meters');
    await catalog.commit(base, tableMetadata(base.metadata.location, 1));

    // Act
    const result = catalog.commit(base, tableMetadata(base.metadata.location, 2));

    // Assert
    await expect(result).rejects.toBeInstanceOf(CommitConflictError);
  });

  test('of two concurrent commits from the same base exactly one wins and the other conflicts', async () => {
    // Prepare
    const base = await create('meters');

    // Act
    const results = await Promise.allSettled([
      catalog.commit(base, tableMetadata(base.metadata.location, 1)),
      catalog.commit(base, tableMetadata(base.metadata.location, 2)),
    ]);

    // Assert
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CommitConflictError);
    expect((await catalog.loadTable('meters')).metadataLocation).toBe((won[0] as PromiseFulfilledResult<{ metadataLocation: string }>).value.metadataLocation);
  });

  test('the losing writer leaves no orphan metadata file behind', async () => {
    // Prepare
    const base = await create('meters');

    // Act
    await Promise.allSettled([
      catalog.commit(base, tableMetadata(base.metadata.location, 1)),
      catalog.commit(base, tableMetadata(base.metadata.location, 2)),
    ]);

    // Assert
    const metadataFiles = (await filesUnder(`${base.metadata.location}/metadata/`)).filter((u) => u.endsWith('.metadata.json'));
    expect(metadataFiles.map(parseMetadataVersion)).toEqual([0, 1]);
  });

  test('the version hint names the current metadata file, without a trailing newline', async () => {
    // Prepare
    const base = await create('meters');

    // Act
    const committed = await catalog.commit(base, tableMetadata(base.metadata.location, 1));

    // Assert
    const hint = await hintOf('meters');
    expect(hint).not.toMatch(/\s$/);
    expect(`${hint}.metadata.json`).toBe(committed.metadataLocation.slice(committed.metadataLocation.lastIndexOf('/') + 1));
  });

  test('a stale hint (crash between marker and hint) still loads the latest commit and is rewritten', async () => {
    // Prepare
    const base = await create('meters');
    const staleHint = await hintOf('meters');
    const first = await catalog.commit(base, tableMetadata(base.metadata.location, 1));
    const second = await catalog.commit(first, tableMetadata(base.metadata.location, 2));
    await io.write(`${base.metadata.location}/metadata/version-hint.text`, staleHint);

    // Act
    const loaded = await catalog.loadTable('meters');

    // Assert
    expect(loaded.metadataLocation).toBe(second.metadataLocation);
    expect(`${base.metadata.location}/metadata/${await hintOf('meters')}.metadata.json`).toBe(second.metadataLocation);
  });

  test('a table without a hint loads its latest commit by listing the markers', async () => {
    // Prepare
    const base = await create('meters');
    const committed = await catalog.commit(base, tableMetadata(base.metadata.location, 1));
    await io.delete(`${base.metadata.location}/metadata/version-hint.text`);

    // Act
    const loaded = await catalog.loadTable('meters');

    // Assert
    expect(loaded.metadataLocation).toBe(committed.metadataLocation);
  });

  test('listTables names every created table and tableExists tells them apart from missing ones', async () => {
    // Prepare
    await create('meters');
    await create('agreement');

    // Act
    const names = await catalog.listTables();

    // Assert
    expect(names).toEqual(['agreement', 'meters']);
    expect(await catalog.tableExists('meters')).toBe(true);
    expect(await catalog.tableExists('product')).toBe(false);
  });

  test('listTables leaves out a folder that holds no committed table (an orphan data file, a lost create)', async () => {
    // Prepare
    await create('meters');
    await io.write(`${backend.warehouse}/stray/data/x.parquet`, 'not a table');

    // Act
    const names = await catalog.listTables();

    // Assert
    expect(names).toEqual(['meters']);
  });

  test('a table name outside [a-z0-9_] is refused', async () => {
    // Act
    const result = catalog.loadTable('Meters-2024');

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidTableNameError);
  });
});

describe('FileCatalog commit point (fault injection on a LocalStore)', () => {
  let dir: string;
  let io: FileIO;
  let warehouse: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-catalog-faults-'));
    const store = await LocalStore.create(dir);
    io = fileIOFor(store);
    warehouse = `${store.url}/warehouse`;
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** The same FileIO, with `hook` run in place of the first put-if-absent of a version-1 marker. */
  function withMarkerHook(hook: (uri: string, data: Buffer | string) => Promise<boolean>): FileIO {
    let fired = false;
    return {
      ...io,
      writeIfAbsent: (uri, data) => {
        if (fired || !uri.endsWith('/metadata/commits/00001.txt')) return io.writeIfAbsent(uri, data);
        fired = true;
        return hook(uri, data);
      },
    };
  }

  test('a writer that loses the marker race after its checks gets CommitConflictError and deletes its file', async () => {
    // Prepare
    const other = new FileCatalog({ io, warehouse });
    const base = await other.createTable('meters', tableMetadata(other.defaultLocation('meters')));
    let winner = '';
    const racing = new FileCatalog({
      io: withMarkerHook(async (uri, data) => {
        winner = (await other.commit(base, tableMetadata(base.metadata.location, 2))).metadataLocation;
        return io.writeIfAbsent(uri, data);
      }),
      warehouse,
    });

    // Act
    const result = racing.commit(base, tableMetadata(base.metadata.location, 1));

    // Assert
    await expect(result).rejects.toBeInstanceOf(CommitConflictError);
    expect((await other.loadTable('meters')).metadataLocation).toBe(winner);
    const files: string[] = [];
    for await (const f of io.list(`${base.metadata.location}/metadata/`)) if (f.uri.endsWith('.metadata.json')) files.push(f.uri);
    expect(files.sort()).toEqual([base.metadataLocation, winner].sort());
  });

  test('a marker put that lands but reports an error is recognised as committed', async () => {
    // Prepare
    const plain = new FileCatalog({ io, warehouse });
    const base = await plain.createTable('meters', tableMetadata(plain.defaultLocation('meters')));
    const flaky = new FileCatalog({
      io: withMarkerHook(async (uri, data) => {
        await io.writeIfAbsent(uri, data);
        throw new Error('connection reset after the write');
      }),
      warehouse,
    });

    // Act
    const committed = await flaky.commit(base, tableMetadata(base.metadata.location, 1));

    // Assert
    expect((await plain.loadTable('meters')).metadataLocation).toBe(committed.metadataLocation);
  });

  test('a marker put that fails before landing is retried once and commits', async () => {
    // Prepare
    const plain = new FileCatalog({ io, warehouse });
    const base = await plain.createTable('meters', tableMetadata(plain.defaultLocation('meters')));
    const flaky = new FileCatalog({
      io: withMarkerHook(async () => {
        throw new Error('connection refused');
      }),
      warehouse,
    });

    // Act
    const committed = await flaky.commit(base, tableMetadata(base.metadata.location, 1));

    // Assert
    expect((await plain.loadTable('meters')).metadataLocation).toBe(committed.metadataLocation);
  });
});
