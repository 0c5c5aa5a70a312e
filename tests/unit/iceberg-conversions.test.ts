import fc from 'fast-check';
import {
  IcebergValueError,
  compareStringsByCodePoint,
  compareValues,
  decimalFromBytes,
  decimalToBytes,
  fromBinary,
  parsePrimitiveType,
  toBinary,
  truncateLowerBound,
  truncateUpperBound,
  type IcebergValue,
} from '../../src/iceberg/conversions';

const hex = (bytes: Buffer): string => bytes.toString('hex');

describe('toBinary / fromBinary', () => {
  it.each([
    ['boolean', false, '00'],
    ['boolean', true, '01'],
    ['int', 34, '22000000'],
    ['int', -1, 'ffffffff'],
    ['int', -2147483648, '00000080'],
    ['date', 17486, '4e440000'],
    ['date', -1, 'ffffffff'],
    ['long', 34n, '2200000000000000'],
    ['long', -2n, 'feffffffffffffff'],
    ['long', -9223372036854775808n, '0000000000000080'],
    ['long', 9223372036854775807n, 'ffffffffffffff7f'],
    ['time', 81_068_000_000n, '008307e012000000'],
    ['timestamp', 1_510_871_468_000_000n, '00c3262d215e0500'],
    ['timestamptz', -1n, 'ffffffffffffffff'],
    ['float', 1.5, '0000c03f'],
    ['float', -0, '00000080'],
    ['double', 1.5, '000000000000f83f'],
    ['double', -0, '0000000000000080'],
    ['string', 'iceberg', '69636562657267'],
    ['string', 'é😀', 'c3a9f09f9880'],
    ['string', '', ''],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
    ['binary', Buffer.from([0, 1, 2, 3]), '00010203'],
    ['fixed[3]', Buffer.from([255, 0, 7]), 'ff0007'],
    ['decimal(9,2)', 1420n, '058c'],
    ['decimal(9,2)', -1420n, 'fa74'],
    ['decimal(9,2)', 0n, '00'],
    ['decimal(9,2)', 127n, '7f'],
    ['decimal(9,2)', 128n, '0080'],
    ['decimal(9,2)', -128n, '80'],
    ['decimal(9,2)', -129n, 'ff7f'],
    ['decimal(9,2)', 255n, '00ff'],
    ['decimal(38,0)', 10n ** 37n, '0785ee10d5da46d900f436a000000000'],
    ['decimal(38,0)', -(10n ** 37n), 'f87a11ef2a25b926ff0bc96000000000'],
  ] as const)('serializes %s %p as %s and reads it back', (type, value, expectedHex) => {
    // Act
    const bytes = toBinary(type, value as IcebergValue);
    const back = fromBinary(type, bytes);

    // Assert
    expect(hex(bytes)).toBe(expectedHex);
    expect(Object.is(back, value) || (Buffer.isBuffer(back) && back.equals(value as Buffer))).toBe(true);
  });

  it('encodes decimal 14.20 (unscaled 1420) as the spec bytes 05 8c', () => {
    expect(hex(decimalToBytes(1420n))).toBe('058c');
  });

  it('round-trips any 64-bit long', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (value) => {
      expect(fromBinary('long', toBinary('long', value))).toBe(value);
    }));
  });

  it('round-trips any decimal with the minimum number of bytes', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), (value) => {
      const bytes = decimalToBytes(value);
      expect(decimalFromBytes(bytes)).toBe(value);
      // One byte fewer could not hold it.
      if (bytes.length > 1) {
        const limit = 1n << BigInt(8 * (bytes.length - 1) - 1);
        expect(value >= limit || value < -limit).toBe(true);
      }
    }));
  });

  it('round-trips any double, keeping -0.0 distinct from +0.0', () => {
    fc.assert(fc.property(fc.double(), (value) => {
      expect(Object.is(fromBinary('double', toBinary('double', value)), value)).toBe(true);
    }));
  });

  it('round-trips any string through UTF-8', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (value) => {
      expect(fromBinary('string', toBinary('string', value))).toBe(value);
    }));
  });

  it('reads a 4-byte long bound written before an int→long promotion', () => {
    expect(fromBinary('long', Buffer.from('feffffff', 'hex'))).toBe(-2n);
  });

  it('reads a 4-byte double bound written before a float→double promotion', () => {
    expect(fromBinary('double', Buffer.from('0000c03f', 'hex'))).toBe(1.5);
  });

  it('rejects an int bound of the wrong length, naming the bytes', () => {
    expect(() => fromBinary('int', Buffer.from('0102', 'hex'))).toThrow(/'int' from 2 bytes <0102>/);
  });

  it.each([
    ['int', 2 ** 31],
    ['int', 1n],
    ['long', 1],
    ['decimal(9,2)', 14.2],
    ['string', Buffer.from('x')],
    ['uuid', 'nope'],
  ] as const)('refuses to serialize %s %p', (type, value) => {
    expect(() => toBinary(type, value as IcebergValue)).toThrow(IcebergValueError);
  });
});

describe('parsePrimitiveType', () => {
  it.each([
    ['decimal(9,2)', { kind: 'decimal', precision: 9, scale: 2 }],
    ['decimal(38, 10)', { kind: 'decimal', precision: 38, scale: 10 }],
    ['fixed[16]', { kind: 'fixed', length: 16 }],
    ['timestamptz', { kind: 'timestamptz' }],
  ])('parses %s', (type, expected) => {
    expect(parsePrimitiveType(type)).toEqual(expected);
  });

  it('rejects unknown types', () => {
    expect(() => parsePrimitiveType('varchar')).toThrow(IcebergValueError);
  });
});

describe('compareValues', () => {
  it.each([
    ['boolean', false, true],
    ['int', -5, 3],
    ['long', -(1n << 62n), 1n],
    ['date', -1, 0],
    ['timestamp', -1n, 0n],
    ['float', -Infinity, -1],
    ['double', -0, 0],
    ['double', 1e308, NaN],
    ['decimal(9,2)', -1420n, 5n],
    ['string', 'a', 'b'],
    ['string', 'ab', 'abc'],
    ['string', '\uffff', '😀'],
    ['uuid', '00000000-0000-0000-0000-000000000001', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'],
    ['binary', Buffer.from([0x01]), Buffer.from([0xff])],
    ['binary', Buffer.from([0x01]), Buffer.from([0x01, 0x00])],
  ] as const)('orders %s %p before %p', (type, smaller, larger) => {
    // Act
    const forward = compareValues(type, smaller as IcebergValue, larger as IcebergValue);
    const backward = compareValues(type, larger as IcebergValue, smaller as IcebergValue);

    // Assert
    expect([Math.sign(forward), Math.sign(backward)]).toEqual([-1, 1]);
  });

  it('treats equal values as equal', () => {
    expect(compareValues('decimal(9,2)', 1420n, 1420n)).toBe(0);
  });

  it('orders strings by code point exactly as their UTF-8 bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      expect(Math.sign(compareStringsByCodePoint(a, b))).toBe(expected);
    }));
  });

  it('refuses to compare a long with a number', () => {
    expect(() => compareValues('long', 1n, 1)).toThrow(IcebergValueError);
  });
});

describe('truncated bounds', () => {
  it('keeps the first 16 code points as the lower bound', () => {
    expect(truncateLowerBound('string', 'abcdefghijklmnopqrstuvwxyz')).toBe('abcdefghijklmnop');
  });

  it('counts code points, not UTF-16 units', () => {
    expect(truncateLowerBound('string', '😀😀😀', 2)).toBe('😀😀');
  });

  it('keeps short values whole', () => {
    expect([truncateLowerBound('string', 'abc'), truncateUpperBound('string', 'abc')]).toEqual(['abc', 'abc']);
  });

  it('leaves a 16-code-point string of 32 UTF-16 units whole', () => {
    const value = '😀'.repeat(16);
    expect(truncateUpperBound('string', value)).toBe(value);
  });

  it('rounds the upper bound up by incrementing the last kept code point', () => {
    expect(truncateUpperBound('string', 'abcz', 3)).toBe('abd');
  });

  it('carries past U+10FFFF into the previous code point', () => {
    expect(truncateUpperBound('string', 'a\u{10FFFF}\u{10FFFF}z', 3)).toBe('b');
  });

  it('steps over the surrogate range (U+D7FF → U+E000)', () => {
    expect(truncateUpperBound('string', 'a\uD7FFz', 2)).toBe('a\uE000');
  });

  it('increments a supplementary code point as one character', () => {
    expect(truncateUpperBound('string', '😀😀', 1)).toBe('😁');
  });

  it('returns undefined when every kept code point is U+10FFFF', () => {
    expect(truncateUpperBound('string', '\u{10FFFF}\u{10FFFF}x', 2)).toBeUndefined();
  });

  it('produces an upper bound not below the value', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), fc.integer({ min: 1, max: 4 }), (value, width) => {
      const bound = truncateUpperBound('string', value, width);
      if (bound !== undefined) expect(compareStringsByCodePoint(bound as string, value)).toBeGreaterThanOrEqual(0);
      expect(compareStringsByCodePoint(truncateLowerBound('string', value, width) as string, value)).toBeLessThanOrEqual(0);
    }));
  });

  it('keeps the first 16 bytes of binary as the lower bound', () => {
    expect(truncateLowerBound('binary', Buffer.alloc(20, 7))).toEqual(Buffer.alloc(16, 7));
  });

  it('increments the last kept byte of binary', () => {
    expect(truncateUpperBound('binary', Buffer.from([1, 2, 3]), 2)).toEqual(Buffer.from([1, 3]));
  });

  it('carries past 0xff bytes', () => {
    expect(truncateUpperBound('binary', Buffer.from([1, 0xff, 0xff, 9]), 3)).toEqual(Buffer.from([2]));
  });

  it('returns undefined when every kept byte is 0xff', () => {
    expect(truncateUpperBound('binary', Buffer.from([0xff, 0xff, 0]), 2)).toBeUndefined();
  });

  it('does not truncate other types', () => {
    expect([truncateLowerBound('long', 5n, 1), truncateUpperBound('long', 5n, 1)]).toEqual([5n, 5n]);
  });
});
