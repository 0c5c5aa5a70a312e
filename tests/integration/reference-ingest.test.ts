import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { generateDemo, REFERENCE_DDL } from '../../src/demo';
import { FileRejectedError } from '../../src/formats/canonical';
import { openLocalLake, type LocalLake } from '../../src/local/local-lake';
import { commitBatches } from '../../src/pipeline/commit';
import { batchIdOf, type LandedObject } from '../../src/pipeline/ingest';
import { tableFor } from '../../src/pipeline/lake-tables';
import {
  asCommitRequest, commitReferenceBatch, ingestReferenceObject, referenceSnapshotAt, referenceTable, type ReferenceCommitRequest,
} from '../../src/pipeline/reference';
import { registerTableView } from '../../src/pipeline/table-files';
import { REJECTED_READINGS } from '../../src/pipeline/tables';
import { localLandingEvent } from '../../src/local/landing';
import { parseReferenceDate, type ReferenceTableName } from '../../src/formats/reference-sqlite';

type SqlRow = (string | number | null)[];

interface ReferenceContent {
  product?: SqlRow[];
  meterpoint?: SqlRow[];
  agreement?: SqlRow[];
}

const PRODUCTS: SqlRow[] = [[1, 'VAR-22', 'Agile Octopus', 1], [2, 'FIX-12M', 'Fixed 12M', 0]];
const METERPOINTS: SqlRow[] = [['mp-a', 'London'], ['mp-b', 'North']];
const AGREEMENTS: SqlRow[] = [
  [10, '2021-01-01', '2021-02-01', 'FIX-12M', 'mp-a', 'acc-1'],
  [11, '2021-02-01', null, 'VAR-22', 'mp-a', 'acc-1'],
  [12, '2020-12-15', null, 'FIX-12M', 'mp-b', 'acc-2'],
];

/** A reference database built with WebAssembly SQLite: the demo's DDL (or `ddl`) and these rows. */
async function sqliteBytes(content: ReferenceContent, ddl: string[] = REFERENCE_DDL): Promise<Uint8Array> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  try {
    for (const statement of ddl) db.run(statement);
    for (const [table, rows] of Object.entries(content) as [string, SqlRow[]][]) {
      for (const row of rows) db.run(`INSERT INTO ${table} VALUES (${row.map(() => '?').join(', ')})`, row);
    }
    return db.export();
  } finally {
    db.close();
  }
}

const standard = (overrides: ReferenceContent = {}) =>
  sqliteBytes({ product: PRODUCTS, meterpoint: METERPOINTS, agreement: AGREEMENTS, ...overrides });

let lake: LocalLake;
beforeEach(async () => {
  lake = await openLocalLake(await mkdtemp(path.join(tmpdir(), 'meterlake-reference-')));
});
afterEach(async () => {
  lake.close();
  await rm(lake.dir, { recursive: true, force: true });
});

/** Land a database under landing/octopus/reference/ and describe it as its S3 event would. */
async function land(bytes: Uint8Array, name: string, arrivalTime: Date): Promise<LandedObject> {
  const key = `landing/octopus/reference/${name}`;
  await lake.store.put(key, Buffer.from(bytes));
  return { bucket: 'local', key, etag: name, arrivalTime };
}

async function ingest(obj: LandedObject): Promise<ReferenceCommitRequest> {
  return ingestReferenceObject(lake, obj, batchIdOf(obj));
}

async function ingestAndCommit(obj: LandedObject) {
  const request = await ingest(obj);
  const summary = await commitReferenceBatch(lake, request);
  await commitBatches(lake, [asCommitRequest(request)]);
  return { request, summary };
}

/** A table's rows (at a snapshot, or current), each as a `|`-joined line, sorted. */
async function tableRows(name: ReferenceTableName, snapshotId?: bigint): Promise<string[]> {
  const view = `v_${name}`;
  await registerTableView(lake.session, lake.store, await referenceTable(lake, name), view, snapshotId === undefined ? {} : { snapshot: { snapshotId } });
  const rows = await lake.session.all<Record<string, string | null>>(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ${view}`);
  return rows.map((r) => Object.values(r).map((v) => v ?? '').join('|')).sort();
}

async function rejectedRows(): Promise<{ source_row: bigint; field: string; value: string | null; reason: string }[]> {
  await registerTableView(lake.session, lake.store, await tableFor(lake, REJECTED_READINGS), 'rejected');
  return lake.session.all(`SELECT source_row, field, value, reason FROM rejected ORDER BY field, source_row`);
}

describe('reference date parsing', () => {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
  test.each([
    ['2021-03-01', '2021-03-01'],
    ['2021-03-01T00:00:00Z', '2021-03-01'],
    ['2021-03-01T23:59:59+00:00', '2021-03-01'],
    ['2021-03-01T00:30:00+01:00', '2021-02-28'],
    ['2021-03-01T22:00:00-02:00', '2021-03-02'],
    ['29/02/2024', '2024-02-29'],
    [1614556800, '2021-03-01'],
    [1614556800n, '2021-03-01'],
    ['9999-12-31', '9999-12-31'],
  ])('%p is the UTC date %s', (value, expected) => {
    expect(parseReferenceDate(value)).toBe(day(expected));
  });

  test.each([
    '2021-3-1', '2021-02-29', '29/02/2021', '2021-03-01T00:00:00', '2021-03-01 00:00:00', '2021-03-01T24:00:00Z',
    '2021-03-01T00:00:00.000Z', '2021-03-01T00:00:00+1:00', ' 2021-03-01', '20210301', '1614556800', '03/01/21', '1899-12-31',
    1614556800.5,
  ])('%p is not an accepted date', (value) => {
    expect(parseReferenceDate(value)).toBeUndefined();
  });
});

describe('reference drop ingest', () => {
  test('a valid drop loads all three tables with typed values', async () => {
    const obj = await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z'));

    const { summary } = await ingestAndCommit(obj);

    expect(Object.values(summary.tables).map((t) => t.status)).toEqual(['committed', 'committed', 'committed']);
    expect(await tableRows('product')).toEqual(['1|VAR-22|Agile Octopus|true', '2|FIX-12M|Fixed 12M|false']);
    expect(await tableRows('meterpoint')).toEqual(['mp-a|London', 'mp-b|North']);
    expect(await tableRows('agreement')).toEqual([
      '10|2021-01-01|2021-02-01|FIX-12M|mp-a|acc-1',
      '11|2021-02-01||VAR-22|mp-a|acc-1',
      '12|2020-12-15||FIX-12M|mp-b|acc-2',
    ]);
  });

  test('dates in every accepted format become their UTC calendar date', async () => {
    const agreements: SqlRow[] = [
      [1, '2021-03-01', null, 'P', 'm', 'a'],
      [2, '2021-03-01T23:30:00Z', null, 'P', 'm', 'a'],
      [3, '2021-03-02T00:30:00+01:00', null, 'P', 'm', 'a'],
      [4, '2021-02-28T20:00:00-05:00', null, 'P', 'm', 'a'],
      [5, '01/03/2021', '31/12/2021', 'P', 'm', 'a'],
      [6, 1614556800, 1614643199, 'P', 'm', 'a'],
    ];
    const ddl = REFERENCE_DDL.map((s) => s.replace('agreement_valid_from TEXT NOT NULL, agreement_valid_to TEXT', 'agreement_valid_from, agreement_valid_to'));
    const obj = await land(await sqliteBytes({ product: PRODUCTS, meterpoint: METERPOINTS, agreement: agreements }, ddl), 'mixed.sqlite', new Date('2021-03-01T00:00:00Z'));

    const { request } = await ingestAndCommit(obj);

    expect(request.counts.agreement).toEqual({ rowsIn: 6, accepted: 6, rejected: 0 });
    const rows = await tableRows('agreement');
    expect(rows.map((r) => r.split('|').slice(0, 3).join('|'))).toEqual([
      '1|2021-03-01|', '2|2021-03-01|', '3|2021-03-01|', '4|2021-03-01|', '5|2021-03-01|2021-12-31', '6|2021-03-01|2021-03-01',
    ]);
  });

  test('rows with bad dates, missing fields or bad booleans are rejected with reasons and counted', async () => {
    const agreements: SqlRow[] = [
      [1, '2021-03-01', null, 'P', 'm', 'a'],
      [2, '2021-02-30', null, 'P', 'm', 'a'],
      [3, '2021-03-01 00:00:00', null, 'P', 'm', 'a'],
      [4, '2021-03-01T00:00:00', null, 'P', 'm', 'a'],
      [5, '1/3/2021', null, 'P', 'm', 'a'],
      [6, '2021-03-01', '2021-02-01', 'P', 'm', 'a'],
      [7, '2021-03-01', null, '', 'm', 'a'],
    ];
    const products: SqlRow[] = [[1, 'P', 'Product', 'yes'], [2, 'Q', 'Other', 'TRUE']];
    const obj = await land(await standard({ agreement: agreements, product: products }), 'bad.sqlite', new Date('2021-03-01T00:00:00Z'));

    const { request } = await ingestAndCommit(obj);

    expect(request.counts).toEqual({
      agreement: { rowsIn: 7, accepted: 1, rejected: 6 },
      product: { rowsIn: 2, accepted: 1, rejected: 1 },
      meterpoint: { rowsIn: 2, accepted: 2, rejected: 0 },
    });
    expect((await rejectedRows()).map((r) => `${r.field}|${r.source_row}|${r.value}|${r.reason}`)).toEqual([
      'agreement.agreement_valid_from|2|2021-02-30|invalid_date',
      'agreement.agreement_valid_from|3|2021-03-01 00:00:00|invalid_date',
      'agreement.agreement_valid_from|4|2021-03-01T00:00:00|invalid_date',
      'agreement.agreement_valid_from|5|1/3/2021|invalid_date',
      'agreement.agreement_valid_to|6|2021-02-01|valid_to_before_valid_from',
      'agreement.product_id|7||missing_field',
      'product.is_variable|1|yes|invalid_boolean',
    ]);
  });

  test('a rejected row keeps the raw row as JSON and says which table and row it was', async () => {
    const obj = await land(await standard({ agreement: [[9, 'soon', null, 'P', 'm', 'a']] }), 'raw.sqlite', new Date('2021-03-01T00:00:00Z'));
    const request = await ingest(obj);

    await commitBatches(lake, [asCommitRequest(request)]);

    await registerTableView(lake.session, lake.store, await tableFor(lake, REJECTED_READINGS), 'rejected');
    const [row] = await lake.session.all<{ raw: string; message: string; source: string; source_file: string }>(`SELECT raw, message, source, source_file FROM rejected`);
    expect(JSON.parse(row.raw)).toEqual({ agreement_id: 9, agreement_valid_from: 'soon', agreement_valid_to: null, product_id: 'P', meterpoint_id: 'm', account_id: 'a' });
    expect(row.message).toContain('agreement row 1');
    expect([row.source, row.source_file]).toEqual(['octopus', obj.key]);
  });

  test('a database with an unknown table is rejected as a whole', async () => {
    const obj = await land(await sqliteBytes({}, [...REFERENCE_DDL, 'CREATE TABLE tariff_rates (id INTEGER)']), 'extra-table.sqlite', new Date());

    const result = ingest(obj);

    await expect(result).rejects.toBeInstanceOf(FileRejectedError);
    await expect(result).rejects.toMatchObject({ reason: 'unknown_reference_table', detail: expect.stringContaining('tariff_rates') });
  });

  test('a table with an unknown column is rejected as a whole', async () => {
    const ddl = REFERENCE_DDL.map((s) => s.replace('region TEXT NOT NULL', 'region TEXT NOT NULL, postcode TEXT'));
    const obj = await land(await sqliteBytes({}, ddl), 'extra-column.sqlite', new Date());

    const result = ingest(obj);

    await expect(result).rejects.toBeInstanceOf(FileRejectedError);
    await expect(result).rejects.toMatchObject({ reason: 'unknown_reference_column', detail: expect.stringContaining('meterpoint has unknown column(s) postcode') });
  });

  test('a table without a required column is rejected as a whole', async () => {
    const ddl = REFERENCE_DDL.map((s) => s.replace(', is_variable INTEGER NOT NULL', ''));
    const obj = await land(await sqliteBytes({}, ddl), 'missing-column.sqlite', new Date());

    await expect(ingest(obj)).rejects.toMatchObject({ reason: 'missing_reference_column', detail: expect.stringContaining('is_variable') });
  });

  test('a database without one of the three tables is rejected as a whole', async () => {
    const obj = await land(await sqliteBytes({}, REFERENCE_DDL.filter((s) => !s.startsWith('CREATE TABLE product'))), 'no-product.sqlite', new Date());

    await expect(ingest(obj)).rejects.toMatchObject({ reason: 'missing_reference_table', detail: expect.stringContaining('product') });
  });

  test('a file that is not a readable SQLite database is rejected as a whole', async () => {
    const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4096, 0x5a)]);
    const obj = await land(bytes, 'corrupt.sqlite', new Date());

    await expect(ingest(obj)).rejects.toMatchObject({ name: 'FileRejectedError', reason: 'unparseable_file' });
  });

  test('after two drops, reading as of the first drop returns the first drop\'s rows', async () => {
    const first = await ingestAndCommit(await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z')));
    await ingestAndCommit(await land(await standard({ meterpoint: [['mp-a', 'South'], ['mp-c', 'East']] }), 'reference-2021-03-02.sqlite', new Date('2021-03-02T00:00:00Z')));

    const asOfFirst = await tableRows('meterpoint', first.summary.tables.meterpoint.snapshotId);

    expect(asOfFirst).toEqual(['mp-a|London', 'mp-b|North']);
    expect(await tableRows('meterpoint')).toEqual(['mp-a|South', 'mp-c|East']);
  });

  test('the reference data as of a moment is the snapshot of the latest drop that had arrived by then', async () => {
    const first = await ingestAndCommit(await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z')));
    const second = await ingestAndCommit(await land(await standard(), 'reference-2021-03-08.sqlite', new Date('2021-03-08T00:00:00Z')));
    const metadata = await (await referenceTable(lake, 'product')).metadata();

    const picked = ['2021-02-28T23:59:59Z', '2021-03-07T12:00:00Z', '2021-03-08T00:00:00Z'].map((t) => referenceSnapshotAt(metadata, Date.parse(t)));

    expect(picked).toEqual([undefined, first.summary.tables.product.snapshotId, second.summary.tables.product.snapshotId]);
  });

  test('redelivering a drop commits nothing', async () => {
    const obj = await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z'));
    await ingestAndCommit(obj);
    const snapshotsBefore = (await (await referenceTable(lake, 'agreement')).metadata()).snapshots.length;

    const { summary } = await ingestAndCommit(obj);

    expect(Object.values(summary.tables).map((t) => t.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect((await (await referenceTable(lake, 'agreement')).metadata()).snapshots).toHaveLength(snapshotsBefore);
    expect(await tableRows('agreement')).toHaveLength(3);
  });

  test('a drop older than the latest one does not overwrite newer data', async () => {
    await ingestAndCommit(await land(await standard({ meterpoint: [['mp-new', 'West']] }), 'reference-2021-03-02.sqlite', new Date('2021-03-02T00:00:00Z')));

    const { summary } = await ingestAndCommit(await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z')));

    expect(summary.tables.meterpoint.status).toBe('stale');
    expect(summary.tables.meterpoint.reason).toContain('reference-2021-03-02.sqlite');
    expect(await tableRows('meterpoint')).toEqual(['mp-new|West']);
  });

  test('an empty table in a drop empties the Iceberg table with a delete snapshot', async () => {
    await ingestAndCommit(await land(await standard(), 'reference-2021-03-01.sqlite', new Date('2021-03-01T00:00:00Z')));

    await ingestAndCommit(await land(await standard({ agreement: [] }), 'reference-2021-03-02.sqlite', new Date('2021-03-02T00:00:00Z')));

    const table = await referenceTable(lake, 'agreement');
    const snapshots = (await table.metadata()).snapshots;
    expect(snapshots.at(-1)?.summary.operation).toBe('delete');
    expect(await tableRows('agreement')).toEqual([]);
  });

  test('the demo generator\'s reference database loads without rejects', async () => {
    const demo = await generateDemo({ lakeDir: lake.dir, seed: 3, meters: 12, days: 2, recentDays: 1, badFiles: false, badRowsPerSourceDay: 0 });
    const drop = demo.drops.filter((d) => d.kind === 'reference').at(-1)!;
    const obj = await localLandingEvent(lake, drop.key, drop.arrivalTime);

    const { request } = await ingestAndCommit(obj);

    expect(request.rejected).toBe(0);
    expect(request.counts.agreement.accepted).toBe(demo.reference.agreements.length);
    expect(request.counts.meterpoint.accepted).toBe(demo.reference.meterpoints.length);
    expect(request.counts.product.accepted).toBe(demo.reference.products.length);
    expect(await tableRows('meterpoint')).toHaveLength(demo.reference.meterpoints.length);
  });
});
