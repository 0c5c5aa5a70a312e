import { toBinary, IcebergValueError } from '../../src/iceberg/conversions';
import { murmur3Hash32 } from '../../src/iceberg/murmur3';
import { InvalidTransformError, parseTransform, toIcebergValue } from '../../src/iceberg/transforms';

const longBytes = (value: bigint): Buffer => {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(value);
  return out;
};

describe('murmur3Hash32 — spec Appendix B test vectors', () => {
  it.each([
    ['int/long 34', longBytes(34n), 2017239379],
    ['date 2017-11-16 (17486)', longBytes(17486n), -653330422],
    ['time 22:31:08', longBytes(81_068_000_000n), -662762989],
    ['timestamp 2017-11-16T22:31:08', longBytes(1_510_871_468_000_000n), -2047944441],
    ['timestamp 2017-11-16T22:31:08.000001', longBytes(1_510_871_468_000_001n), -1207196810],
    ["string 'iceberg'", Buffer.from('iceberg', 'utf8'), 1210000089],
    ['uuid f79c3e09-…', toBinary('uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'), 1488055340],
    ['bytes 00 01 02 03', Buffer.from([0, 1, 2, 3]), -188683207],
    ['decimal 14.20', toBinary('decimal(9,2)', 1420n), -500754589],
  ])('hashes %s', (_label, bytes, expected) => {
    // Act
    const hash = murmur3Hash32(bytes);

    // Assert
    expect(hash).toBe(expected);
  });

  it('hashes the empty input to 0 with seed 0', () => {
    expect(murmur3Hash32(new Uint8Array(0))).toBe(0);
  });

  it('hashes a subarray view by its own bytes, not the whole backing buffer', () => {
    // Prepare
    const backing = Buffer.from('xxicebergyy', 'utf8');

    // Act
    const hash = murmur3Hash32(backing.subarray(2, 9));

    // Assert
    expect(hash).toBe(1210000089);
  });
});

describe('bucket transform', () => {
  it.each([
    ['int', 34, 2017239379],
    ['long', 34n, 2017239379],
    ['date', 17486, -653330422],
    ['time', 81_068_000_000n, -662762989],
    ['timestamp', 1_510_871_468_000_000n, -2047944441],
    ['timestamptz', 1_510_871_468_000_001n, -1207196810],
    ['string', 'iceberg', 1210000089],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
    ['binary', Buffer.from([0, 1, 2, 3]), -188683207],
    ['fixed[4]', Buffer.from([0, 1, 2, 3]), -188683207],
    ['decimal(9,2)', 1420n, -500754589],
  ] as const)('buckets a %s value by the spec hash', (type, value, hash) => {
    // Prepare
    const bucket = parseTransform('bucket[1000]').bind(type);

    // Act
    const result = bucket.apply(value);

    // Assert
    expect(result).toBe((hash & 0x7fffffff) % 1000);
  });

  it('puts 34 in bucket 3 of 16', () => {
    expect(parseTransform('bucket[16]').bind('int').apply(34)).toBe(3);
  });

  it('hashes int and long identically', () => {
    expect(parseTransform('bucket[7]').bind('int').apply(-5)).toBe(parseTransform('bucket[7]').bind('long').apply(-5n));
  });

  it('buckets 0 and the empty string (they are not null)', () => {
    expect(parseTransform('bucket[16]').bind('int').apply(0)).not.toBeNull();
    expect(parseTransform('bucket[16]').bind('string').apply('')).not.toBeNull();
  });

  it('returns null for null', () => {
    expect(parseTransform('bucket[16]').bind('long').apply(null)).toBeNull();
  });

  it('rejects float sources', () => {
    expect(() => parseTransform('bucket[16]').bind('double')).toThrow(InvalidTransformError);
  });
});

describe('time transforms', () => {
  const micros = (iso: string): bigint => toIcebergValue('timestamptz', iso) as bigint;

  it.each([
    ['day', '2026-01-02T13:45:00Z', 20455],
    ['day', '1970-01-01T00:00:00Z', 0],
    ['day', '1969-12-31T23:59:59.999999Z', -1],
    ['day', '1969-12-31T00:00:00Z', -1],
    ['day', '1969-12-30T23:59:59Z', -2],
    ['hour', '1970-01-01T01:00:00Z', 1],
    ['hour', '1969-12-31T23:59:59.999999Z', -1],
    ['hour', '1969-12-31T23:00:00Z', -1],
    ['month', '2026-01-02T00:00:00Z', 672],
    ['month', '1969-12-31T23:59:59.999999Z', -1],
    ['month', '1969-01-01T00:00:00Z', -12],
    ['month', '1968-12-31T23:59:59Z', -13],
    ['year', '2026-06-30T00:00:00Z', 56],
    ['year', '1969-12-31T23:59:59.999999Z', -1],
    ['year', '1969-01-01T00:00:00Z', -1],
    ['year', '1968-12-31T23:59:59Z', -2],
  ] as const)('%s(%s) = %d (floor for instants before 1970)', (transform, iso, expected) => {
    // Act
    const result = parseTransform(transform).bind('timestamptz').apply(micros(iso));

    // Assert
    expect(result).toBe(expected);
  });

  it.each([
    ['day', -1, -1],
    ['month', -1, -1],
    ['month', -31, -1],
    ['month', -32, -2],
    ['year', -365, -1],
    ['year', -366, -2],
    ['year', 17486, 47],
  ] as const)('%s of date %d = %d', (transform, days, expected) => {
    expect(parseTransform(transform).bind('date').apply(days)).toBe(expected);
  });

  it('rejects hour on a date column', () => {
    expect(() => parseTransform('hour').bind('date')).toThrow(InvalidTransformError);
  });

  it.each([
    ['day', 20455, '2026-01-02'],
    ['day', -1, '1969-12-31'],
    ['hour', 20455 * 24 + 13, '2026-01-02-13'],
    ['hour', -1, '1969-12-31-23'],
    ['month', 672, '2026-01'],
    ['month', -1, '1969-12'],
    ['year', 56, '2026'],
    ['year', -1, '1969'],
  ] as const)('%s partition value %d reads %s in paths', (transform, value, expected) => {
    expect(parseTransform(transform).bind('timestamp').toHumanString(value)).toBe(expected);
  });
});

describe('truncate transform', () => {
  it.each([
    [10, 1, 0],
    [10, -1, -10],
    [10, -10, -10],
    [10, -11, -20],
    [10, 0, 0],
    [10, 15, 10],
  ])('truncate[%d] of int %d = %d', (width, value, expected) => {
    expect(parseTransform(`truncate[${width}]`).bind('int').apply(value)).toBe(expected);
  });

  it('truncates negative longs towards -∞', () => {
    expect(parseTransform('truncate[10]').bind('long').apply(-1n)).toBe(-10n);
  });

  it('truncates a decimal at its own scale (10.65 by 50 → 10.50)', () => {
    expect(parseTransform('truncate[50]').bind('decimal(9,2)').apply(1065n)).toBe(1050n);
  });

  it('truncates a negative decimal towards -∞ (-0.05 by 10 → -0.10)', () => {
    expect(parseTransform('truncate[10]').bind('decimal(9,2)').apply(-5n)).toBe(-10n);
  });

  it('keeps the first W code points of a string, never splitting a surrogate pair', () => {
    expect(parseTransform('truncate[3]').bind('string').apply('a😀bc')).toBe('a😀b');
  });

  it('keeps multi-byte code points whole', () => {
    expect(parseTransform('truncate[2]').bind('string').apply('ééé')).toBe('éé');
  });

  it('keeps a string shorter than W as it is', () => {
    expect(parseTransform('truncate[16]').bind('string').apply('abc')).toBe('abc');
  });

  it('keeps the first W bytes of binary', () => {
    expect(parseTransform('truncate[2]').bind('binary').apply(Buffer.from([1, 2, 3]))).toEqual(Buffer.from([1, 2]));
  });

  it('rejects a timestamp source', () => {
    expect(() => parseTransform('truncate[4]').bind('timestamp')).toThrow(InvalidTransformError);
  });
});

describe('parseTransform', () => {
  it.each([
    ['identity', 'identity', undefined],
    ['bucket[16]', 'bucket', 16],
    ['truncate[4]', 'truncate', 4],
    ['void', 'void', undefined],
  ])('parses %s', (text, kind, parameter) => {
    // Act
    const transform = parseTransform(text);

    // Assert
    expect([transform.kind, transform.parameter, transform.text]).toEqual([kind, parameter, text]);
  });

  it.each(['bucket', 'bucket[0]', 'day[3]', 'week', ''])('rejects %j', (text) => {
    expect(() => parseTransform(text)).toThrow(InvalidTransformError);
  });

  it.each([
    ['identity', 'timestamptz', 'timestamptz'],
    ['day', 'timestamp', 'date'],
    ['day', 'date', 'date'],
    ['year', 'date', 'int'],
    ['month', 'timestamptz', 'int'],
    ['hour', 'timestamp', 'int'],
    ['bucket[8]', 'string', 'int'],
    ['truncate[4]', 'string', 'string'],
    ['truncate[4]', 'decimal(9,2)', 'decimal(9,2)'],
  ] as const)('%s of %s yields %s', (text, source, result) => {
    expect(parseTransform(text).resultType(source)).toBe(result);
  });
});

describe('identity and void', () => {
  it('passes values through identity', () => {
    expect(parseTransform('identity').bind('string').apply('meter-1')).toBe('meter-1');
  });

  it('maps every value to null with void', () => {
    expect(parseTransform('void').bind('long').apply(5n)).toBeNull();
  });

  it.each([
    ['string', 'meter-1', 'meter-1'],
    ['date', 17486, '2017-11-16'],
    ['timestamp', 1_510_871_468_000_001n, '2017-11-16T22:31:08.000001'],
    ['timestamptz', 1_510_871_468_000_000n, '2017-11-16T22:31:08Z'],
    ['time', 81_068_500_000n, '22:31:08.500'],
    ['decimal(9,2)', -5n, '-0.05'],
    ['long', 42n, '42'],
    ['boolean', true, 'true'],
    ['binary', Buffer.from('hi'), 'aGk='],
  ] as const)('prints an identity %s value like Java', (type, value, expected) => {
    expect(parseTransform('identity').bind(type).toHumanString(value)).toBe(expected);
  });

  it('prints null partition values as "null"', () => {
    expect(parseTransform('day').bind('timestamptz').toHumanString(null)).toBe('null');
  });
});

describe('projection', () => {
  const day = parseTransform('day').bind('timestamptz');
  const midnight = toIcebergValue('timestamptz', '2026-01-02T00:00:00Z') as bigint;

  it('projects ts < midnight to day <= the previous day', () => {
    expect(day.project({ op: 'lt', value: midnight })).toEqual({ op: 'lte', value: 20454 });
  });

  it('projects ts <= midnight to day <= that day', () => {
    expect(day.project({ op: 'lte', value: midnight })).toEqual({ op: 'lte', value: 20455 });
  });

  it('projects ts > 23:59:59.999999 to day >= the next day', () => {
    expect(day.project({ op: 'gt', value: midnight - 1n })).toEqual({ op: 'gte', value: 20455 });
  });

  it('projects ts >= x to day >= day(x)', () => {
    expect(day.project({ op: 'gte', value: midnight + 1n })).toEqual({ op: 'gte', value: 20455 });
  });

  it('projects string < x through truncate to truncate(s) <= truncate(x)', () => {
    const truncate = parseTransform('truncate[2]').bind('string');
    expect(truncate.project({ op: 'lt', value: 'abc' })).toEqual({ op: 'lte', value: 'ab' });
  });

  it('projects eq and in through bucket', () => {
    const bucket = parseTransform('bucket[16]').bind('int');
    expect(bucket.project({ op: 'in', values: [34, 0] })).toEqual({ op: 'in', values: [3, bucket.apply(0)] });
  });

  it('cannot project a range through bucket', () => {
    expect(parseTransform('bucket[16]').bind('int').project({ op: 'lt', value: 34 })).toBeNull();
  });

  it('cannot project anything through void', () => {
    expect(parseTransform('void').bind('int').canProject('eq')).toBe(false);
  });

  it('keeps null tests as null tests', () => {
    expect(parseTransform('bucket[16]').bind('int').project({ op: 'isNull' })).toEqual({ op: 'isNull' });
  });
});

describe('toIcebergValue', () => {
  it.each([
    ['int', 7, 7],
    ['int', 7n, 7],
    ['int', '-7', -7],
    ['long', 5, 5n],
    ['long', '9223372036854775807', 9223372036854775807n],
    ['float', 0.1, Math.fround(0.1)],
    ['double', '2.5', 2.5],
    ['date', new Date('2017-11-16T00:00:00Z'), 17486],
    ['date', '2017-11-16', 17486],
    ['date', '1969-12-31', -1],
    ['date', { days: 3 }, 3],
    ['time', '22:31:08', 81_068_000_000n],
    ['time', '22:31:08.000001', 81_068_000_001n],
    ['timestamp', new Date('2017-11-16T22:31:08.123Z'), 1_510_871_468_123_000n],
    ['timestamp', '2017-11-16 22:31:08.000001', 1_510_871_468_000_001n],
    ['timestamptz', '2017-11-17T00:31:08+02:00', 1_510_871_468_000_000n],
    ['timestamptz', '1969-12-31T23:59:59.999999Z', -1n],
    ['timestamptz', { micros: 5n }, 5n],
    ['timestamptz', 5, 5n],
    ['uuid', 'F79C3E09677C4BBDA4793F349CB785E7', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'],
    ['binary', new Uint8Array([1, 2]), Buffer.from([1, 2])],
    ['decimal(9,2)', 14.2, 1420n],
    ['decimal(9,2)', '14.2', 1420n],
    ['decimal(9,2)', '-0.05', -5n],
    ['decimal(9,2)', 1420n, 1420n],
    ['decimal(9,2)', { scale: 3, value: 14200n }, 1420n],
    ['decimal(9,2)', Buffer.from([0x05, 0x8c]), 1420n],
    ['decimal(9,2)', 1e3, 100000n],
    ['boolean', 'true', true],
  ] as const)('normalizes %s %p', (type, input, expected) => {
    expect(toIcebergValue(type, input)).toEqual(expected);
  });

  it('maps null and undefined to null', () => {
    expect([toIcebergValue('long', null), toIcebergValue('long', undefined)]).toEqual([null, null]);
  });

  it.each([
    ['int', 2 ** 31],
    ['int', 1.5],
    ['long', 2 ** 53 + 2],
    ['decimal(9,2)', '14.205'],
    ['decimal(3,2)', '10.00'],
    ['date', 'yesterday'],
    ['time', '25:00:00'],
    ['uuid', 'not-a-uuid'],
    ['string', 5],
  ] as const)('rejects %s %p', (type, input) => {
    expect(() => toIcebergValue(type, input)).toThrow(IcebergValueError);
  });
});
