import { InvalidTimeError, parseCalendarDate, parseIsoTime } from '../../src/pipeline/strict-time';

describe('parseCalendarDate', () => {
  it('reads a real date as its 00:00 UTC', () => {
    expect(parseCalendarDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });

  it.each(['2021-13-45', '2021-02-30', '2023-02-29', '2021-00-10', '2021-1-5', '2021-01-01T00:00:00Z', 'yesterday', ''])(
    'refuses %p', (text) => {
      expect(() => parseCalendarDate(text)).toThrow(InvalidTimeError);
    },
  );
});

describe('parseIsoTime', () => {
  const cases: [string, number][] = [
    ['2021-02-01', Date.UTC(2021, 1, 1)],
    ['2021-02-01T10:30', Date.UTC(2021, 1, 1, 10, 30)],
    ['2021-02-01T10:30:15Z', Date.UTC(2021, 1, 1, 10, 30, 15)],
    ['2021-02-01 10:30:15.5', Date.UTC(2021, 1, 1, 10, 30, 15, 500)],
    ['2021-02-01T10:30:00+01:00', Date.UTC(2021, 1, 1, 9, 30)],
    ['2021-02-01T10:30:00-0530', Date.UTC(2021, 1, 1, 16, 0)],
    ['2021-02-01T10:30:00+02', Date.UTC(2021, 1, 1, 8, 30)],
    ['2021-02-01t10:30:00z', Date.UTC(2021, 1, 1, 10, 30)],
    ['2021-02-01T10:30:15.123456789Z', Date.UTC(2021, 1, 1, 10, 30, 15, 123)],
  ];
  it.each(cases)('reads %p', (text, ms) => {
    expect(parseIsoTime(text)).toBe(ms);
  });

  it.each(['2021-02-30T00:00:00Z', '2021-13-45', '2021-02-01T24:00', '2021-02-01T10:60', '2021-02-01T10:30:00+25:00', '2021-02-01T10', 'daily-2021-02-01'])(
    'refuses %p', (text) => {
      expect(() => parseIsoTime(text)).toThrow(InvalidTimeError);
    },
  );
});
