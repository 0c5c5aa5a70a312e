import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'lossless-json';
import { writeAvroContainer } from '../../src/iceberg/avro';
import type { FileIO } from '../../src/iceberg/file-io';
import { MANIFEST_FILE_SCHEMA, manifestEntrySchema } from '../../src/iceberg/manifest-schemas';
import { parseJsonLossless, serializeTableMetadata } from '../../src/iceberg/metadata-json';
import { newTableMetadata, withNewSnapshot } from '../../src/iceberg/table-metadata';
import type { PartitionSpec, Schema, TableMetadata } from '../../src/iceberg/types';
import {
  InvalidTableError, assertValidTable, missingAvroIds, validateMetadataText, validateTableFiles,
} from '../../src/iceberg/validator';
import { fileIOFor } from '../../src/storage/file-io';
import { LocalStore } from '../../src/storage/local-store';
import { FIXTURES_DIR, fixtureMetadataFiles } from '../helpers/fixture-io';

const FIXTURE_TABLES = ['athena/example', 'spark/bunnies', 'spark/rename_column', 'java/bunnies'];

type Json = Record<string, unknown>;

/** A fixture metadata document parsed losslessly, to be broken on purpose and re-serialized. */
async function fixtureMetadata(file = 'java/bunnies/metadata/v5.metadata.json'): Promise<Json> {
  return parseJsonLossless(await readFile(path.join(FIXTURES_DIR, file), 'utf8')) as Json;
}
const snapshotsOf = (m: Json) => m.snapshots as Json[];
const text = (m: Json) => stringify(m) as string;

describe('validateMetadataText on real tables', () => {
  const cases: [string, string][] = [];
  beforeAll(async () => {
    for (const table of FIXTURE_TABLES) for (const file of await fixtureMetadataFiles(table)) cases.push([table, file]);
  });

  it('accepts every metadata version of the Athena, Spark and Java fixture tables', async () => {
    // Prepare
    const results: Record<string, string[]> = {};
    // Act
    for (const [table, file] of cases) {
      results[`${table}/${file}`] = validateMetadataText(await readFile(path.join(FIXTURES_DIR, table, 'metadata', file), 'utf8'));
    }
    // Assert
    expect(Object.keys(results)).toHaveLength(15);
    expect(Object.values(results).flat()).toEqual([]);
  });
});

describe('validateMetadataText catches broken metadata', () => {
  it('accepts the unmodified base document', async () => {
    const m = await fixtureMetadata();
    expect(validateMetadataText(text(m))).toEqual([]);
  });

  it('reports a non-string summary value', async () => {
    // Prepare
    const m = await fixtureMetadata();
    (snapshotsOf(m)[0].summary as Json)['added-records'] = 21;
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([expect.stringContaining(`summary value 'added-records' must be a JSON string, got 21`)]);
  });

  it('reports a snapshot id written as a quoted string', async () => {
    // Prepare
    const m = await fixtureMetadata();
    const id = snapshotsOf(m)[2]['snapshot-id'] as bigint;
    snapshotsOf(m)[2]['snapshot-id'] = String(id);
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toContain(`snapshot "${id}": snapshot-id must be a JSON integer, got "${id}"`);
  });

  it('reports parent-snapshot-id -1 on the first snapshot', async () => {
    // Prepare
    const m = await fixtureMetadata();
    snapshotsOf(m)[0]['parent-snapshot-id'] = -1;
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([`snapshot 4951213507629824583: parent-snapshot-id is -1 (omit it for the first snapshot)`]);
  });

  it('reports an unsorted snapshot-log', async () => {
    // Prepare
    const m = await fixtureMetadata();
    const log = m['snapshot-log'] as Json[];
    [log[0], log[1]] = [log[1], log[0]];
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([expect.stringContaining('snapshot-log is not sorted: entry 1')]);
  });

  it('reports a summary without the running totals', async () => {
    // Prepare
    const m = await fixtureMetadata();
    const summary = snapshotsOf(m)[1].summary as Json;
    delete summary['total-records'];
    delete summary['total-equality-deletes'];
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([`snapshot 6458828015811002920: summary lacks total-records, total-equality-deletes`]);
  });

  it('reports a current snapshot that main does not point at', async () => {
    // Prepare
    const m = await fixtureMetadata();
    (m.refs as Record<string, Json>).main['snapshot-id'] = snapshotsOf(m)[0]['snapshot-id'];
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toContain(
      'current-snapshot-id 9158179788527662767 does not match refs.main.snapshot-id 4951213507629824583',
    );
  });

  it('reports a sequence number above last-sequence-number', async () => {
    // Prepare
    const m = await fixtureMetadata();
    m['last-sequence-number'] = 2;
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toContain('snapshot 9158179788527662767: sequence-number 3 is greater than last-sequence-number 2');
  });

  it('reports a tag carrying branch-only retention settings', async () => {
    // Prepare
    const m = await fixtureMetadata();
    (m.refs as Record<string, Json>).eod = { 'snapshot-id': snapshotsOf(m)[0]['snapshot-id'], type: 'tag', 'min-snapshots-to-keep': 3 };
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual(["tag 'eod' must not have min-snapshots-to-keep (branch-only)"]);
  });

  it('reports reserved and non-string properties', async () => {
    // Prepare
    const m = await fixtureMetadata();
    m.properties = { 'format-version': '2', 'commit.retry.num-retries': 4 };
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([
      "property 'format-version' is reserved and must not be stored in properties",
      "property 'commit.retry.num-retries' must be a JSON string, got 4",
    ]);
  });

  it('reports last-column-id and last-partition-id below the ids in use', async () => {
    // Prepare
    const m = await fixtureMetadata('spark/rename_column/metadata/v3.metadata.json');
    m['last-column-id'] = 4;
    m['last-partition-id'] = 1000;
    // Act
    const problems = validateMetadataText(text(m));
    // Assert
    expect(problems).toEqual([
      'last-column-id 4 is below the highest field id 5',
      'last-partition-id 1000 is below 1001 (highest partition field id, 999 when none)',
    ]);
  });

  it('reports the current metadata file listed in its own metadata-log', async () => {
    // Prepare
    const m = await fixtureMetadata();
    const self = 's3a://hyperparam-iceberg/java/bunnies/metadata/v4.metadata.json';
    // Act
    const problems = validateMetadataText(text(m), { metadataLocation: self });
    // Assert
    expect(problems).toEqual([`metadata-log lists the current metadata file ${self}`]);
  });
});

// ---------------------------------------------------------------------------------------------
// Manifest lists and manifests, built by hand so each test breaks exactly one thing.

interface TableParts {
  schema: Schema;
  spec: PartitionSpec;
  entrySchema: Json;
  manifestHeader: Record<string, string>;
  /** Added to the real manifest length in the manifest list. */
  lengthSkew: number;
}

const SCHEMA_FIELDS = [
  { id: 1, name: 'meter_id', required: true, type: 'string' as const },
  { id: 2, name: 'reading_date', required: false, type: 'date' as const },
];

function defaultParts(): TableParts {
  const schema: Schema = { type: 'struct', 'schema-id': 0, fields: SCHEMA_FIELDS };
  const spec: PartitionSpec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'reading_date_day', transform: 'day' }] };
  return {
    schema,
    spec,
    entrySchema: manifestEntrySchema(schema, spec) as Json,
    manifestHeader: {
      schema: JSON.stringify(schema), 'schema-id': '0', 'partition-spec': JSON.stringify(spec.fields),
      'partition-spec-id': '0', 'format-version': '2', content: 'data',
    },
    lengthSkew: 0,
  };
}

/** Write a one-snapshot table (one data file, one manifest, one list) and return its metadata. */
async function writeTable(io: FileIO, root: string, parts: TableParts): Promise<{ metadata: TableMetadata; location: string }> {
  const location = `${root}/t`;
  const dataPath = `${location}/data/part-0.parquet`;
  const dataBytes = Buffer.from('not really parquet, only its size is checked without DuckDB');
  await io.write(dataPath, dataBytes);
  const snapshotId = 7001n;
  const manifest = writeAvroContainer(parts.entrySchema, [{
    status: 1, snapshot_id: snapshotId, sequence_number: null, file_sequence_number: null,
    data_file: {
      content: 0, file_path: dataPath, file_format: 'PARQUET', partition: { reading_date_day: 20000 }, record_count: 3,
      file_size_in_bytes: dataBytes.length, column_sizes: null, value_counts: null, null_value_counts: null,
      nan_value_counts: null, lower_bounds: null, upper_bounds: null, key_metadata: null, split_offsets: null,
      equality_ids: null, sort_order_id: null, referenced_data_file: null,
    },
  }], parts.manifestHeader);
  const manifestPath = `${location}/metadata/m0.avro`;
  await io.write(manifestPath, manifest);
  const list = writeAvroContainer(MANIFEST_FILE_SCHEMA, [{
    manifest_path: manifestPath, manifest_length: manifest.length + parts.lengthSkew, partition_spec_id: 0, content: 0,
    sequence_number: 1, min_sequence_number: 1, added_snapshot_id: snapshotId, added_data_files_count: 1,
    existing_data_files_count: 0, deleted_data_files_count: 0, added_rows_count: 3, existing_rows_count: 0,
    deleted_rows_count: 0, partitions: [{ contains_null: false, contains_nan: false, lower_bound: null, upper_bound: null }],
    key_metadata: null,
  }], { 'snapshot-id': String(snapshotId), 'parent-snapshot-id': 'null', 'sequence-number': '1', 'format-version': '2' });
  const listPath = `${location}/metadata/snap-${snapshotId}-1-x.avro`;
  await io.write(listPath, list);
  const base = newTableMetadata({ location, fields: SCHEMA_FIELDS, partitionBy: [{ column: 'reading_date', transform: 'day' }], nowMs: 1_700_000_000_000 });
  const metadata = withNewSnapshot(base, {
    'snapshot-id': snapshotId, 'sequence-number': 1, 'timestamp-ms': 1_700_000_000_001, 'manifest-list': listPath, 'schema-id': 0,
    summary: {
      operation: 'append', 'added-data-files': '1', 'added-records': '3', 'total-records': '3', 'total-files-size': String(dataBytes.length),
      'total-data-files': '1', 'total-delete-files': '0', 'total-position-deletes': '0', 'total-equality-deletes': '0',
    },
  });
  return { metadata, location };
}

describe('validateTableFiles catches broken Avro files', () => {
  let dir: string;
  let io: FileIO;
  let root: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'validator-'));
    const store = await LocalStore.create(dir);
    io = fileIOFor(store);
    root = store.url;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a well-formed table', async () => {
    // Prepare
    const { metadata } = await writeTable(io, root, defaultParts());
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([]);
  });

  it('reports a manifest whose Avro schema lost a field-id', async () => {
    // Prepare
    const parts = defaultParts();
    const dataFile = (parts.entrySchema.fields as Json[]).find((f) => f.name === 'data_file')!;
    const recordCount = ((dataFile.type as Json).fields as Json[]).find((f) => f.name === 'record_count')!;
    delete recordCount['field-id'];
    const { metadata } = await writeTable(io, root, parts);
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toContainEqual(expect.stringMatching(/m0\.avro: field 'data_file\.record_count' has no field-id$/));
  });

  it('reports a full spec object in the manifest partition-spec header', async () => {
    // Prepare
    const parts = defaultParts();
    parts.manifestHeader['partition-spec'] = JSON.stringify({ 'spec-id': 0, fields: [] });
    const { metadata } = await writeTable(io, root, parts);
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([
      expect.stringMatching(/m0\.avro: header 'partition-spec' must be the JSON array of partition fields, got \{"spec-id":0,"fields":\[\]\}$/),
    ]);
  });

  it('reports a manifest_length that differs from the bytes on disk', async () => {
    // Prepare
    const parts = defaultParts();
    parts.lengthSkew = 7;
    const { metadata } = await writeTable(io, root, parts);
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([expect.stringMatching(/m0\.avro: manifest_length (\d+) in .* but the file has \d+ bytes$/)]);
  });

  it('reports a partition struct whose field ids are not the spec field ids', async () => {
    // Prepare
    const parts = defaultParts();
    const dataFile = (parts.entrySchema.fields as Json[]).find((f) => f.name === 'data_file')!;
    const partition = ((dataFile.type as Json).fields as Json[]).find((f) => f.name === 'partition')!;
    ((partition.type as Json).fields as Json[])[0]['field-id'] = 1;
    const { metadata } = await writeTable(io, root, parts);
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([expect.stringContaining('partition struct field ids [1] differ from spec 0\'s [1000]')]);
  });

  it('reports a manifest header that holds the manifest-entry struct instead of the table schema', async () => {
    // Prepare
    const parts = defaultParts();
    parts.manifestHeader.schema = JSON.stringify(parts.entrySchema);
    const { metadata } = await writeTable(io, root, parts);
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([expect.stringContaining("header 'schema' is not an Iceberg table schema")]);
  });

  it('reports a live data file whose size differs from file_size_in_bytes', async () => {
    // Prepare
    const { metadata, location } = await writeTable(io, root, defaultParts());
    await io.write(`${location}/data/part-0.parquet`, 'shorter');
    // Act
    const problems = await validateTableFiles(io, metadata);
    // Assert
    expect(problems).toEqual([expect.stringMatching(/part-0\.parquet: file_size_in_bytes \d+ but the file has 7 bytes$/)]);
  });

  it('assertValidTable throws one error listing every problem', async () => {
    // Prepare
    const parts = defaultParts();
    parts.lengthSkew = 1;
    parts.manifestHeader['partition-spec'] = '{"spec-id":0,"fields":[]}';
    const { metadata, location } = await writeTable(io, root, parts);
    const metadataLocation = `${location}/metadata/00001-x.metadata.json`;
    await io.write(metadataLocation, serializeTableMetadata(metadata));
    // Act
    const failure = await assertValidTable(io, metadataLocation).catch((err: unknown) => err);
    // Assert
    expect(failure).toBeInstanceOf(InvalidTableError);
    expect((failure as InvalidTableError).problems).toHaveLength(2);
  });
});

describe('missingAvroIds', () => {
  it('requires element-id on plain arrays but not on logical maps', () => {
    // Prepare
    const schema = {
      type: 'record', name: 'r', fields: [
        { name: 'offsets', 'field-id': 1, type: ['null', { type: 'array', items: 'long' }] },
        { name: 'sizes', 'field-id': 2, type: { type: 'array', logicalType: 'map', items: { type: 'record', name: 'k3_v4', fields: [
          { name: 'key', type: 'int', 'field-id': 3 }, { name: 'value', type: 'long', 'field-id': 4 }] } } },
      ],
    };
    // Act
    const problems = missingAvroIds(schema);
    // Assert
    expect(problems).toEqual(["array 'offsets' has no element-id"]);
  });
});
