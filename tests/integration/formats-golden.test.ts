import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbSession } from '../../src/engine/duckdb-session';
import { dropParseResult, loadSourceProfiles, parseReadingsFile, READING_COLUMNS, type SourceProfile } from '../../src/formats';

const FIXTURES = join(__dirname, '..', 'fixtures', 'formats');
const RECEIVED_AT = new Date('2021-11-01T09:15:00.000Z');

interface Expected {
  source: string;
  accepted: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
}

/** Golden files: tests/fixtures/formats/<name>.<ext> ↔ <name>.expected.json (canonical rows). */
const GOLDEN = [
  'canonical.csv',
  'acme-semicolon.csv',
  'powerco-kw.csv',
  'octopus-dst.json',
  'greenbutton-quality.xml',
  'greenbutton-same-titles.xml',
];

describe('golden files', () => {
  let session: DuckDbSession;
  let profiles: Map<string, SourceProfile>;

  beforeAll(async () => {
    session = await DuckDbSession.create({ threads: 2 });
    const testProfiles = [...loadSourceProfiles(join(FIXTURES, 'sources.json'))].filter(([name]) => name !== 'default');
    profiles = new Map([...loadSourceProfiles(), ...testProfiles]);
  });

  afterAll(() => session.close());

  test.each(GOLDEN)('%s yields the expected canonical rows', async (file) => {
    // Prepare
    const name = file.replace(/\.[^.]+$/, '');
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;
    const profile = profiles.get(expected.source)!;
    const sourceFile = `landing/${expected.source}/readings/${file}`;

    // Act
    const result = await parseReadingsFile(session, join(FIXTURES, file), profile, {
      source: expected.source,
      sourceFile,
      batchId: `batch-${name}`,
      receivedAt: RECEIVED_AT,
    });

    // Assert
    const accepted = await session.all(`SELECT * FROM ${result.acceptedTable} ORDER BY source_row`);
    const rejected = await session.all(`SELECT source_row, field, value, reason FROM ${result.rejectedTable} ORDER BY source_row`);
    expect(accepted.map(canonical)).toEqual(expected.accepted);
    expect(rejected.map(canonical)).toEqual(expected.rejected);
    expect(result).toMatchObject({ accepted: expected.accepted.length, rejected: expected.rejected.length });
    expect(result.rowsIn).toBe(result.accepted + result.rejected);
    await dropParseResult(session, result);
  });

  test('accepted table has exactly the canonical columns and constant context values', async () => {
    // Prepare
    const profile = profiles.get('default')!;

    // Act
    const result = await parseReadingsFile(session, join(FIXTURES, 'canonical.csv'), profile, {
      source: 'default',
      sourceFile: 'landing/default/readings/canonical.csv',
      batchId: 'batch-1',
      receivedAt: RECEIVED_AT,
    });

    // Assert
    const columns = await session.all<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '${result.acceptedTable}' ORDER BY column_index`,
    );
    expect(columns.map((c) => c.column_name)).toEqual([...READING_COLUMNS]);
    expect(columns.map((c) => c.data_type)).toEqual([
      'VARCHAR', 'TIMESTAMP WITH TIME ZONE', 'INTEGER', 'DOUBLE', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'BIGINT', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE',
    ]);
    const context = await session.all(
      `SELECT DISTINCT source, source_file, batch_id, received_at FROM ${result.acceptedTable}`,
    );
    expect(context).toEqual([
      { source: 'default', source_file: 'landing/default/readings/canonical.csv', batch_id: 'batch-1', received_at: RECEIVED_AT },
    ]);
    await dropParseResult(session, result);
  });
});

/** Row → the JSON shape of the expected files (ISO timestamps, numbers). */
function canonical(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (['source', 'source_file', 'batch_id', 'received_at'].includes(key)) continue;
    if (value instanceof Date) out[key] = value.toISOString();
    else if (typeof value === 'bigint') out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}
