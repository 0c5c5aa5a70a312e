import { toBinary, type IcebergValue } from '../../src/iceberg/conversions';
import {
  CorruptMetricsError,
  InvalidPredicateError,
  bindPredicate,
  fileMayMatch,
  fileMetricsEvaluator,
  manifestMayMatch,
  partitionMayMatch,
  type Predicate,
} from '../../src/iceberg/expressions';
import { parseTransform } from '../../src/iceberg/transforms';
import type { DataFile, FieldSummary, FileContent, PartitionSpec, PrimitiveType, Schema } from '../../src/iceberg/types';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'meter_id', required: true, type: 'string' },
    { id: 2, name: 'ts', required: true, type: 'timestamptz' },
    { id: 3, name: 'kwh', required: false, type: 'double' },
    { id: 4, name: 'reading_id', required: true, type: 'long' },
    { id: 5, name: 'price', required: false, type: 'decimal(9,2)' },
    {
      id: 6,
      name: 'location',
      required: false,
      type: { type: 'struct', fields: [{ id: 7, name: 'region', required: false, type: 'string' }] },
    },
  ],
};

const TYPES: Record<number, PrimitiveType> = { 1: 'string', 2: 'timestamptz', 3: 'double', 4: 'long', 5: 'decimal(9,2)', 7: 'string' };

interface ColumnMetrics {
  lower?: IcebergValue;
  upper?: IcebergValue;
  values?: number;
  nulls?: number;
  nans?: number;
}

/** A data file with metrics for the given field ids (bounds serialized with the column type). */
function dataFile(metrics: Record<number, ColumnMetrics>, recordCount = 100): DataFile {
  const entries = Object.entries(metrics).map(([id, m]) => ({ id: Number(id), ...m }));
  const withKey = <K extends keyof ColumnMetrics>(key: K) => entries.filter((e) => e[key] !== undefined);
  return {
    content: 0 as FileContent,
    file_path: 's3://bucket/table/data/file-1.parquet',
    file_format: 'PARQUET',
    partition: {},
    record_count: recordCount,
    file_size_in_bytes: 1024,
    value_counts: withKey('values').map((e) => ({ key: e.id, value: e.values as number })),
    null_value_counts: withKey('nulls').map((e) => ({ key: e.id, value: e.nulls as number })),
    nan_value_counts: withKey('nans').map((e) => ({ key: e.id, value: e.nans as number })),
    lower_bounds: withKey('lower').map((e) => ({ key: e.id, value: toBinary(TYPES[e.id], e.lower as IcebergValue) })),
    upper_bounds: withKey('upper').map((e) => ({ key: e.id, value: toBinary(TYPES[e.id], e.upper as IcebergValue) })),
  };
}

describe('fileMayMatch — column bounds', () => {
  const file = dataFile({ 4: { lower: 10n, upper: 20n, values: 100, nulls: 0 } });

  it.each<[string, Predicate, boolean]>([
    ['eq below lower', { op: 'eq', field: 'reading_id', value: 9n }, false],
    ['eq equal to lower', { op: 'eq', field: 'reading_id', value: 10n }, true],
    ['eq inside', { op: 'eq', field: 'reading_id', value: 15n }, true],
    ['eq equal to upper', { op: 'eq', field: 'reading_id', value: 20n }, true],
    ['eq above upper', { op: 'eq', field: 'reading_id', value: 21n }, false],
    ['lt equal to lower', { op: 'lt', field: 'reading_id', value: 10n }, false],
    ['lt just above lower', { op: 'lt', field: 'reading_id', value: 11n }, true],
    ['lte equal to lower', { op: 'lte', field: 'reading_id', value: 10n }, true],
    ['lte below lower', { op: 'lte', field: 'reading_id', value: 9n }, false],
    ['gt equal to upper', { op: 'gt', field: 'reading_id', value: 20n }, false],
    ['gt just below upper', { op: 'gt', field: 'reading_id', value: 19n }, true],
    ['gte equal to upper', { op: 'gte', field: 'reading_id', value: 20n }, true],
    ['gte above upper', { op: 'gte', field: 'reading_id', value: 21n }, false],
    ['in, all outside', { op: 'in', field: 'reading_id', values: [1n, 30n] }, false],
    ['in, one inside', { op: 'in', field: 'reading_id', values: [1n, 20n] }, true],
    ['in, empty list', { op: 'in', field: 'reading_id', values: [] }, false],
    ['isNull with no nulls', { op: 'isNull', field: 'reading_id' }, false],
    ['notNull', { op: 'notNull', field: 'reading_id' }, true],
    ['eq given as a number', { op: 'eq', field: 'reading_id', value: 21 }, false],
  ])('%s → %s', (_label, predicate, expected) => {
    // Act
    const result = fileMayMatch(predicate, schema, file);

    // Assert
    expect(result).toBe(expected);
  });
});

describe('fileMayMatch — counts and missing metrics', () => {
  const allNull = dataFile({ 3: { values: 100, nulls: 100 } });

  it.each<[string, Predicate, boolean]>([
    ['eq', { op: 'eq', field: 'kwh', value: 1 }, false],
    ['lt', { op: 'lt', field: 'kwh', value: 1 }, false],
    ['gte', { op: 'gte', field: 'kwh', value: 1 }, false],
    ['in', { op: 'in', field: 'kwh', values: [1, 2] }, false],
    ['notNull', { op: 'notNull', field: 'kwh' }, false],
    ['isNull', { op: 'isNull', field: 'kwh' }, true],
  ])('an all-null column cannot match %s → %s', (_label, predicate, expected) => {
    expect(fileMayMatch(predicate, schema, allNull)).toBe(expected);
  });

  it.each<[string, Predicate]>([
    ['eq', { op: 'eq', field: 'kwh', value: 1 }],
    ['lt', { op: 'lt', field: 'kwh', value: -1e9 }],
    ['gt', { op: 'gt', field: 'kwh', value: 1e9 }],
    ['isNull', { op: 'isNull', field: 'kwh' }],
    ['notNull', { op: 'notNull', field: 'kwh' }],
  ])('a column without metrics may match %s', (_label, predicate) => {
    expect(fileMayMatch(predicate, schema, dataFile({}))).toBe(true);
  });

  it('uses a lone lower bound', () => {
    const file = dataFile({ 3: { lower: 5 } });
    expect([
      fileMayMatch({ op: 'lt', field: 'kwh', value: 5 }, schema, file),
      fileMayMatch({ op: 'gt', field: 'kwh', value: 1e9 }, schema, file),
    ]).toEqual([false, true]);
  });

  it('cannot match a comparison on an all-NaN column', () => {
    const file = dataFile({ 3: { values: 10, nulls: 0, nans: 10 } });
    expect(fileMayMatch({ op: 'gt', field: 'kwh', value: 0 }, schema, file)).toBe(false);
  });

  it('never prunes on a NaN predicate value', () => {
    const file = dataFile({ 3: { lower: 1, upper: 2, values: 10, nulls: 0 } });
    expect(fileMayMatch({ op: 'eq', field: 'kwh', value: NaN }, schema, file)).toBe(true);
  });

  it('ignores NaN bounds written by old writers', () => {
    const file = dataFile({ 3: { lower: NaN, upper: NaN } });
    expect(fileMayMatch({ op: 'eq', field: 'kwh', value: 7 }, schema, file)).toBe(true);
  });

  it('treats -0.0 and +0.0 as equal values, as SQL engines do', () => {
    const file = dataFile({ 3: { lower: 0, upper: 1 } });
    expect(fileMayMatch({ op: 'lte', field: 'kwh', value: -0 }, schema, file)).toBe(true);
  });

  it('cannot match anything in a file with no rows', () => {
    expect(fileMayMatch({ op: 'true' }, schema, dataFile({}, 0))).toBe(false);
  });

  it('reads counts stored as bigint (avsc longs)', () => {
    const file: DataFile = { ...dataFile({}), value_counts: [{ key: 3, value: 5n as unknown as number }], null_value_counts: [{ key: 3, value: 5n as unknown as number }] };
    expect(fileMayMatch({ op: 'notNull', field: 'kwh' }, schema, file)).toBe(false);
  });
});

describe('fileMayMatch — types and conveniences', () => {
  const tsFile = dataFile({
    2: { lower: 1_767_312_000_000_000n /* 2026-01-02T00:00Z */, upper: 1_767_398_399_999_999n /* 2026-01-02T23:59:59.999999Z */ },
  });

  it.each<[string, unknown, boolean]>([
    ['an ISO string at the lower bound', '2026-01-02T00:00:00Z', true],
    ['a Date just before the lower bound', new Date('2026-01-01T23:59:59.999Z'), false],
    ['an ISO string at the upper bound', '2026-01-02T23:59:59.999999Z', true],
    ['an ISO string just after the upper bound', '2026-01-03T00:00:00Z', false],
  ])('compares a timestamptz column with %s', (_label, value, expected) => {
    expect(fileMayMatch({ op: 'eq', field: 'ts', value }, schema, tsFile)).toBe(expected);
  });

  it('finds a value under a 16-character truncated, rounded-up string upper bound', () => {
    const longest = 'meter-000000000000000042-b';
    const file = dataFile({ 1: { lower: 'meter-0000000000', upper: 'meter-000000000001' } });
    expect(fileMayMatch({ op: 'eq', field: 'meter_id', value: longest }, schema, file)).toBe(true);
  });

  it('orders strings by code point, not UTF-16 unit', () => {
    const file = dataFile({ 1: { lower: 'a', upper: '\uffff' } });
    expect(fileMayMatch({ op: 'eq', field: 'meter_id', value: '😀' }, schema, file)).toBe(false);
  });

  it('compares decimals given as text', () => {
    const file = dataFile({ 5: { lower: 1000n, upper: 1420n } });
    expect([
      fileMayMatch({ op: 'eq', field: 'price', value: '14.20' }, schema, file),
      fileMayMatch({ op: 'gt', field: 'price', value: '14.20' }, schema, file),
    ]).toEqual([true, false]);
  });

  it('prunes on a struct member by its dotted name', () => {
    const file = dataFile({ 7: { lower: 'north', upper: 'south' } });
    expect(fileMayMatch({ op: 'eq', field: 'location.region', value: 'west' }, schema, file)).toBe(false);
  });

  it('never prunes on a struct column itself', () => {
    expect(fileMayMatch({ op: 'isNull', field: 'location' }, schema, dataFile({ 6: { nulls: 0 } }))).toBe(true);
  });

  it('combines leaves with and', () => {
    const file = dataFile({ 4: { lower: 10n, upper: 20n }, 3: { lower: 0, upper: 1 } });
    const predicate: Predicate = {
      op: 'and',
      args: [{ op: 'eq', field: 'reading_id', value: 15n }, { op: 'gt', field: 'kwh', value: 2 }],
    };
    expect(fileMayMatch(predicate, schema, file)).toBe(false);
  });

  it('combines leaves with or', () => {
    const file = dataFile({ 4: { lower: 10n, upper: 20n }, 3: { lower: 0, upper: 1 } });
    const predicate: Predicate = {
      op: 'or',
      args: [{ op: 'eq', field: 'reading_id', value: 99n }, { op: 'lt', field: 'kwh', value: 0.5 }],
    };
    expect(fileMayMatch(predicate, schema, file)).toBe(true);
  });

  it('evaluates a pre-bound predicate against many files', () => {
    // Prepare
    const evaluate = fileMetricsEvaluator(bindPredicate({ op: 'eq', field: 'reading_id', value: 15n }, schema), schema);
    const files = [dataFile({ 4: { lower: 10n, upper: 20n } }), dataFile({ 4: { lower: 30n, upper: 40n } })];

    // Act
    const matches = files.map(evaluate);

    // Assert
    expect(matches).toEqual([true, false]);
  });

  it('rejects an unknown column, naming it', () => {
    expect(() => fileMayMatch({ op: 'eq', field: 'nope', value: 1 }, schema, dataFile({}))).toThrow(
      new InvalidPredicateError("predicate on unknown column 'nope' (schema 0 has: meter_id, ts, kwh, reading_id, price, location)"),
    );
  });

  it('rejects a value the column cannot hold', () => {
    expect(() => fileMayMatch({ op: 'eq', field: 'price', value: '1.234' }, schema, dataFile({}))).toThrow(InvalidPredicateError);
  });

  it('rejects a comparison with null', () => {
    expect(() => fileMayMatch({ op: 'eq', field: 'kwh', value: null }, schema, dataFile({}))).toThrow(/use 'isNull'/);
  });

  it('reports a malformed bound with the file and column', () => {
    const file: DataFile = { ...dataFile({}), lower_bounds: [{ key: 4, value: Buffer.from([1, 2]) }] };
    expect(() => fileMayMatch({ op: 'eq', field: 'reading_id', value: 1n }, schema, file)).toThrow(CorruptMetricsError);
  });
});

const daySpec: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] };
const JAN_2 = 20455; // 2026-01-02 in days since epoch

describe('partitionMayMatch — day(ts) at midnight boundaries', () => {
  it.each<[string, Predicate, boolean]>([
    ['ts < 2026-01-02T00:00', { op: 'lt', field: 'ts', value: '2026-01-02T00:00:00Z' }, false],
    ['ts <= 2026-01-02T00:00', { op: 'lte', field: 'ts', value: '2026-01-02T00:00:00Z' }, true],
    ['ts < 2026-01-02T00:00:00.000001', { op: 'lt', field: 'ts', value: '2026-01-02T00:00:00.000001Z' }, true],
    ['ts >= 2026-01-02T00:00', { op: 'gte', field: 'ts', value: '2026-01-02T00:00:00Z' }, true],
    ['ts > 2026-01-01T23:59:59.999999', { op: 'gt', field: 'ts', value: '2026-01-01T23:59:59.999999Z' }, true],
    ['ts > 2026-01-02T23:59:59.999999', { op: 'gt', field: 'ts', value: '2026-01-02T23:59:59.999999Z' }, false],
    ['ts >= 2026-01-03T00:00', { op: 'gte', field: 'ts', value: '2026-01-03T00:00:00Z' }, false],
    ['ts = 2026-01-02T12:00', { op: 'eq', field: 'ts', value: '2026-01-02T12:00:00Z' }, true],
    ['ts = 2026-01-03T00:00', { op: 'eq', field: 'ts', value: '2026-01-03T00:00:00Z' }, false],
    ['ts in (Jan 1, Jan 3)', { op: 'in', field: 'ts', values: ['2026-01-01T10:00:00Z', '2026-01-03T10:00:00Z'] }, false],
    ['ts >= Date(Jan 3)', { op: 'gte', field: 'ts', value: new Date('2026-01-03T00:00:00Z') }, false],
    ['ts isNull', { op: 'isNull', field: 'ts' }, false],
    ['a column without partition field', { op: 'eq', field: 'reading_id', value: 1n }, true],
  ])('%s → %s', (_label, predicate, expected) => {
    // Act
    const result = partitionMayMatch(predicate, schema, daySpec, { ts_day: JAN_2 });

    // Assert
    expect(result).toBe(expected);
  });

  it('matches isNull only in the null partition', () => {
    expect([
      partitionMayMatch({ op: 'isNull', field: 'ts' }, schema, daySpec, { ts_day: null }),
      partitionMayMatch({ op: 'eq', field: 'ts', value: '2026-01-02T12:00:00Z' }, schema, daySpec, { ts_day: null }),
    ]).toEqual([true, false]);
  });
});

describe('partitionMayMatch — other transforms', () => {
  const bucketSpec: PartitionSpec = {
    'spec-id': 2,
    fields: [{ 'source-id': 1, 'field-id': 1000, name: 'meter_bucket', transform: 'bucket[16]' }],
  };
  const bucketOfM1 = parseTransform('bucket[16]').bind('string').apply('m-1') as number;

  it.each<[string, Predicate, boolean]>([
    ['eq on the same bucket', { op: 'eq', field: 'meter_id', value: 'm-1' }, true],
    ['eq on another bucket', { op: 'eq', field: 'meter_id', value: 'm-2' }, false],
    ['in with one value in the bucket', { op: 'in', field: 'meter_id', values: ['m-2', 'm-1'] }, true],
    ['a range (unprojectable)', { op: 'lt', field: 'meter_id', value: 'a' }, true],
  ])('bucket: %s → %s', (_label, predicate, expected) => {
    expect(partitionMayMatch(predicate, schema, bucketSpec, { meter_bucket: bucketOfM1 })).toBe(expected);
  });

  it('compares an identity long partition read as a plain number', () => {
    const spec: PartitionSpec = { 'spec-id': 3, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'reading_id', transform: 'identity' }] };
    expect(partitionMayMatch({ op: 'gt', field: 'reading_id', value: 7n }, schema, spec, { reading_id: 7 })).toBe(false);
  });

  it('never prunes through void', () => {
    const spec: PartitionSpec = { 'spec-id': 4, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'gone', transform: 'void' }] };
    expect(partitionMayMatch({ op: 'eq', field: 'reading_id', value: 7n }, schema, spec, { gone: null })).toBe(true);
  });

  it('never prunes through a transform it does not know', () => {
    const spec: PartitionSpec = { 'spec-id': 5, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'z', transform: 'zorder' }] };
    expect(partitionMayMatch({ op: 'eq', field: 'reading_id', value: 7n }, schema, spec, { z: 1 })).toBe(true);
  });

  it('projects onto every partition field of the column', () => {
    const spec: PartitionSpec = {
      'spec-id': 6,
      fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'ts_month', transform: 'month' },
        { 'source-id': 2, 'field-id': 1001, name: 'ts_day', transform: 'day' },
      ],
    };
    const predicate: Predicate = { op: 'eq', field: 'ts', value: '2026-01-05T00:00:00Z' };
    expect(partitionMayMatch(predicate, schema, spec, { ts_month: 672, ts_day: JAN_2 })).toBe(false);
  });

  it('truncates strings before comparing', () => {
    const spec: PartitionSpec = { 'spec-id': 7, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'meter_prefix', transform: 'truncate[3]' }] };
    expect([
      partitionMayMatch({ op: 'gte', field: 'meter_id', value: 'abz' }, schema, spec, { meter_prefix: 'abc' }),
      partitionMayMatch({ op: 'gte', field: 'meter_id', value: 'abcz' }, schema, spec, { meter_prefix: 'abc' }),
    ]).toEqual([false, true]);
  });
});

function summary(lower: IcebergValue | null, upper: IcebergValue | null, containsNull = false, type: PrimitiveType = 'date'): FieldSummary {
  return {
    contains_null: containsNull,
    contains_nan: false,
    lower_bound: lower === null ? null : toBinary(type, lower),
    upper_bound: upper === null ? null : toBinary(type, upper),
  };
}

describe('manifestMayMatch', () => {
  const jan1to2 = [summary(JAN_2 - 1, JAN_2)];

  it.each<[string, Predicate, boolean]>([
    ['eq inside', { op: 'eq', field: 'ts', value: '2026-01-01T05:00:00Z' }, true],
    ['eq after the upper bound', { op: 'eq', field: 'ts', value: '2026-01-03T00:00:00Z' }, false],
    ['lt the lower-bound midnight', { op: 'lt', field: 'ts', value: '2026-01-01T00:00:00Z' }, false],
    ['lte the lower-bound midnight', { op: 'lte', field: 'ts', value: '2026-01-01T00:00:00Z' }, true],
    ['gte the day after the upper bound', { op: 'gte', field: 'ts', value: '2026-01-03T00:00:00Z' }, false],
    ['gt the last instant of the upper bound', { op: 'gt', field: 'ts', value: '2026-01-02T23:59:59.999999Z' }, false],
    ['gt the last instant before the upper bound', { op: 'gt', field: 'ts', value: '2026-01-01T23:59:59.999999Z' }, true],
    ['isNull without nulls', { op: 'isNull', field: 'ts' }, false],
    ['notNull', { op: 'notNull', field: 'ts' }, true],
  ])('%s → %s', (_label, predicate, expected) => {
    expect(manifestMayMatch(predicate, schema, daySpec, jan1to2)).toBe(expected);
  });

  it('cannot match a comparison when the partition is only nulls', () => {
    const onlyNulls = [summary(null, null, true)];
    expect([
      manifestMayMatch({ op: 'eq', field: 'ts', value: '2026-01-02T00:00:00Z' }, schema, daySpec, onlyNulls),
      manifestMayMatch({ op: 'notNull', field: 'ts' }, schema, daySpec, onlyNulls),
      manifestMayMatch({ op: 'isNull', field: 'ts' }, schema, daySpec, onlyNulls),
    ]).toEqual([false, false, true]);
  });

  it('does not prune on null bounds without contains_null (a writer bug or an empty manifest)', () => {
    const missing = [summary(null, null, false)];
    expect(manifestMayMatch({ op: 'eq', field: 'ts', value: '2026-01-02T00:00:00Z' }, schema, daySpec, missing)).toBe(true);
  });

  it('may match when the manifest has no summaries', () => {
    expect(manifestMayMatch({ op: 'eq', field: 'ts', value: '2030-01-01T00:00:00Z' }, schema, daySpec, null)).toBe(true);
  });

  it('prunes bucket eq outside the bucket range', () => {
    const bucketSpec: PartitionSpec = {
      'spec-id': 2,
      fields: [{ 'source-id': 1, 'field-id': 1000, name: 'meter_bucket', transform: 'bucket[16]' }],
    };
    const bucketOfM2 = parseTransform('bucket[16]').bind('string').apply('m-2') as number; // 13
    const summaries = [summary(0, bucketOfM2 - 1, false, 'int')];
    expect(manifestMayMatch({ op: 'eq', field: 'meter_id', value: 'm-2' }, schema, bucketSpec, summaries)).toBe(false);
  });

  it('reports a malformed summary bound', () => {
    const broken: FieldSummary[] = [{ contains_null: false, contains_nan: null, lower_bound: Buffer.from([1]), upper_bound: null }];
    expect(() => manifestMayMatch({ op: 'eq', field: 'ts', value: '2026-01-02T00:00:00Z' }, schema, daySpec, broken)).toThrow(
      CorruptMetricsError,
    );
  });
});
