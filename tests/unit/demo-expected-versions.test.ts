import { expectedBadRows, expectedReadingVersions } from '../../src/demo/expected-versions';
import type { DemoContentOptions, ExpectedReading } from '../../src/demo/types';

const SMALL: DemoContentOptions = { meters: 20, days: 3, seed: 11 };
const QUIET: DemoContentOptions = { ...SMALL, correctionShare: 0, gapShare: 0, joinShare: 0, badRowsPerSourceDay: 0, badFiles: false };

describe('expected reading versions of the demo data', () => {
  it('has one version per meter interval when nothing is corrected, late or bad', () => {
    const rows = [...expectedReadingVersions(QUIET)];

    // 20 meters at 50/30/20%: 10 × 96 + 6 × 48 + 4 × 24 intervals a day, 3 days.
    expect(rows).toHaveLength(3 * (10 * 96 + 6 * 48 + 4 * 24));
  });

  it('covers each source at its interval length', () => {
    const minutesBySource = new Map<string, Set<number>>();
    for (const row of expectedReadingVersions(QUIET)) {
      const set = minutesBySource.get(row.source) ?? new Set<number>();
      set.add(row.interval_minutes);
      minutesBySource.set(row.source, set);
    }

    expect(Object.fromEntries([...minutesBySource].map(([source, set]) => [source, [...set]]))).toEqual({
      default: [15],
      octopus: [30],
      greenbutton: [60],
    });
  });

  it('delivers every correction strictly after the version it corrects', () => {
    const versions = new Map<string, ExpectedReading[]>();
    for (const row of expectedReadingVersions({ ...SMALL, days: 12, correctionShare: 0.05 })) {
      const key = `${row.meter_id}|${row.interval_start}`;
      versions.set(key, [...(versions.get(key) ?? []), row]);
    }
    const corrected = [...versions.values()].filter((list) => list.length > 1);

    expect(corrected.length).toBeGreaterThan(50);
    for (const list of corrected) {
      const received = list.map((row) => Date.parse(row.received_at));
      expect(received).toEqual([...received].sort((a, b) => a - b));
      expect(new Set(received).size).toBe(received.length);
      expect(list[1].kwh).not.toBe(list[0].kwh);
    }
  });

  it('plants bad rows and keeps them out of the expected versions', () => {
    const bad = [...expectedBadRows(SMALL)];
    const versionKeys = new Set([...expectedReadingVersions(SMALL)].map((row) => `${row.source_file}#${row.source_row}`));

    expect(bad).toHaveLength(3 * 3 * 2); // days × sources × bad rows per source-day
    expect(bad.some((row) => versionKeys.has(`${row.source_file}#${row.source_row}`))).toBe(false);
  });

  it('plants a non-existent London local time when the window crosses spring-forward', () => {
    const bad = [...expectedBadRows({ ...SMALL, endDate: '2021-03-29' })];

    expect(bad.filter((row) => row.kind === 'nonexistent-local-time')).toHaveLength(1);
  });

  it('crosses the spring-forward night without losing or repeating an interval', () => {
    const rows = [...expectedReadingVersions({ ...QUIET, endDate: '2021-03-29', recentDays: 2 })];
    const keys = new Set(rows.map((row) => `${row.meter_id}|${row.interval_start}`));

    expect(rows).toHaveLength(3 * (10 * 96 + 6 * 48 + 4 * 24));
    expect(keys.size).toBe(rows.length);
  });

  it('sends the history of a late-joining meter with its first drop', () => {
    const rows = [...expectedReadingVersions({ ...QUIET, meters: 40, days: 20, joinShare: 0.5 })];
    const firstFileOf = new Map<string, string>();
    const historyInFirstFile = new Map<string, number>();
    for (const row of rows) {
      if (!firstFileOf.has(row.meter_id)) firstFileOf.set(row.meter_id, row.source_file);
      if (firstFileOf.get(row.meter_id) === row.source_file && !row.source_file.includes(row.interval_start.slice(0, 10))) {
        historyInFirstFile.set(row.meter_id, (historyInFirstFile.get(row.meter_id) ?? 0) + 1);
      }
    }

    expect(historyInFirstFile.size).toBeGreaterThan(0);
  });
});
