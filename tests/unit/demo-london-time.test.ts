import { isAmbiguousLondon, isSpringForwardDay, londonNaive, londonOffsetMs } from '../../src/demo/london-time';

const at = (iso: string): number => Date.parse(iso);

describe('London civil time for the demo generator', () => {
  it.each([
    ['2021-01-15T12:00:00Z', 0],
    ['2021-03-28T00:59:59Z', 0],
    ['2021-03-28T01:00:00Z', 3_600_000],
    ['2021-10-31T00:59:59Z', 3_600_000],
    ['2021-10-31T01:00:00Z', 0],
  ])('offset at %s is %d ms', (instant, offset) => {
    expect(londonOffsetMs(at(instant))).toBe(offset);
  });

  it('labels both fall-back instants with the same naive local time', () => {
    const first = londonNaive(at('2021-10-31T00:30:00Z'));
    const second = londonNaive(at('2021-10-31T01:30:00Z'));

    expect([first, second]).toEqual(['2021-10-31 01:30:00', '2021-10-31 01:30:00']);
  });

  it.each([
    ['2021-10-30T23:30:00Z', false],
    ['2021-10-31T00:00:00Z', true],
    ['2021-10-31T01:30:00Z', true],
    ['2021-10-31T02:00:00Z', false],
  ])('%s is ambiguous: %s', (instant, ambiguous) => {
    expect(isAmbiguousLondon(at(instant))).toBe(ambiguous);
  });

  it('finds the spring-forward day', () => {
    expect([at('2021-03-27T00:00:00Z'), at('2021-03-28T00:00:00Z')].map(isSpringForwardDay)).toEqual([false, true]);
  });
});
