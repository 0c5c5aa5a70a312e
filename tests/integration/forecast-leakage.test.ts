/**
 * Point-in-time correctness: features_hourly and the forecast as known at T read only the reading
 * versions received at or before T. A correction received later changes the features known at a
 * later time, never those known at T, and the forecast issued at T is re-issued byte for byte.
 */
import type { LocalLake } from '../../src/local/local-lake';
import { queryLake } from '../../src/local/query-lake';
import { buildFeaturesHourly, dropFeatures } from '../../src/pipeline/forecast/features';
import { issueDemandForecast, recomputeForecast } from '../../src/pipeline/forecast/demand-forecast';
import { arrivalOfDay, DAY_MS, deliver as deliverTo, deliverDay as deliverDayTo, FIRST_DAY_MS, HOUR_MS } from '../helpers/forecast-lake';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';

let lake: LocalLake;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-forecast-leak-');

const DAY = DAY_MS;
const deliver = (name: string, lines: string[], arrivalMs: number) => deliverTo(lake, name, lines, arrivalMs);
const deliverDay = (d: number) => deliverDayTo(lake, d);

/** Every column of features known at `knownAtMs` but known_at itself, one line per row in a fixed order. */
async function featuresText(knownAtMs: number): Promise<string> {
  const features = await buildFeaturesHourly(lake, knownAtMs);
  try {
    const rows = await lake.session.all(`SELECT * EXCLUDE (known_at) FROM ${features.table} ORDER BY group_kind, group_value, "hour"`);
    return rows.map((r) => Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : String(v))).join('|')).join('\n');
  } finally {
    await dropFeatures(lake, features);
  }
}

const CORRECTED_HOUR = new Date(FIRST_DAY_MS + 10 * DAY + 12 * HOUR_MS).toISOString();

describe('features and forecast as known at T', () => {
  let knownAt: number;
  beforeEach(async () => {
    for (let d = 0; d < 16; d++) await deliverDay(d);
    knownAt = arrivalOfDay(15) + HOUR_MS; // after day 15's file arrived
  });

  test('a correction received after T changes the features known later, never those known at T', async () => {
    const before = await featuresText(knownAt);
    await deliver('correction.csv', [`M1,${CORRECTED_HOUR},60,9.999,actual`], knownAt + DAY);
    const later = await featuresText(knownAt + DAY);
    expect(await featuresText(knownAt)).toBe(before);
    const beforeLines = new Set(before.split('\n'));
    const changed = later.split('\n').filter((line) => !beforeLines.has(line));
    expect(changed.map((l) => l.split('|').slice(0, 2).join('|')).sort()).toEqual(['fleet|all', 'product|none', 'region|unassigned']);
    expect(changed.map((l) => l.split('|')[2])).toEqual([CORRECTED_HOUR, CORRECTED_HOUR, CORRECTED_HOUR]);
  });

  test('the forecast issued at T is byte-identical when re-issued after a later correction, and is never appended twice', async () => {
    const issued = await issueDemandForecast(lake, { knownAtMs: knownAt });
    expect(issued.outcome).toBe('rebuilt');
    await deliver('correction.csv', [`M1,${CORRECTED_HOUR},60,9.999,actual`], knownAt + DAY);
    await deliverDay(16);

    const again = await issueDemandForecast(lake, { knownAtMs: knownAt });
    const recomputed = await recomputeForecast(lake, knownAt);
    expect(again.outcome).toBe('unchanged');
    expect(again.stored).toBe(issued.stored);
    expect(recomputed.text).toBe(issued.stored);
    const [{ n }] = await queryLake(lake, 'SELECT count(*)::INTEGER AS n FROM demand_forecast');
    expect(n).toBe(issued.issue!.rows.length);
  });

  test('the forecast known later does see the correction', async () => {
    const atT = await recomputeForecast(lake, knownAt);
    await deliver('correction.csv', [`M1,${CORRECTED_HOUR},60,9.999,actual`], knownAt + DAY);
    const later = await recomputeForecast(lake, knownAt + DAY);
    expect(later.issue.newestCompleteHourMs).toBe(atT.issue.newestCompleteHourMs);
    expect(later.text).not.toBe(atT.text);
  });
});
