import { deltasForDevice, readingsPerDevice } from '../../src/pipeline/stream/deltas';
import type { Measurement } from '../../src/pipeline/stream/measurements';

const origin = { topic: 't', partition: 0, offset: 0, receivedAtMs: 0 };
const at = (minute: number, cumulative: number, name = 'm'): Measurement =>
  ({ deviceId: 1, deviceName: name, timeMs: minute * 60_000, cumulativeEnergy: cumulative, origin });
const state = (minute: number, cumulative: number) => ({ deviceId: 1, deviceName: 'm', timeMs: minute * 60_000, cumulativeEnergy: cumulative, version: 4 });

describe('deltas of one device', () => {
  test('a first reading ever has null duration and delta, never 0 or the counter', () => {
    expect(deltasForDevice([at(0, 120.12)], undefined).deltas[0]).toMatchObject({ duration: null, deltaEnergy: null });
  });

  test('deltas are computed in double precision and rounded to float32 once', () => {
    const { deltas, next } = deltasForDevice([at(5, 122.45)], state(0, 120.12));
    expect(deltas[0]).toMatchObject({ duration: 5, deltaEnergy: Math.fround(122.45 - 120.12) });
    expect(next).toMatchObject({ timeMs: 300_000, cumulativeEnergy: 122.45, version: 5 });
  });

  test('a counter that goes down was reset: the delta is the new reading, and the reset is an event', () => {
    const { deltas, events } = deltasForDevice([at(5, 0.75)], state(0, 5000));
    expect(deltas[0].deltaEnergy).toBe(Math.fround(0.75));
    expect(events).toEqual([expect.objectContaining({ kind: 'counter_reset', stateCumulativeEnergy: 5000 })]);
  });

  test('a reading before the state is late: no delta now, an event for the repair, the state unchanged', () => {
    const { deltas, events, next } = deltasForDevice([at(3, 10)], state(5, 12));
    expect(deltas).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ kind: 'late', stateTimeMs: 300_000 })]);
    expect(next).toBeUndefined();
  });

  test('a duplicate of the state that wins (greater counter) becomes the state', () => {
    const { deltas, events, next } = deltasForDevice([at(5, 13)], state(5, 12));
    expect(deltas).toEqual([]);
    expect(events[0].kind).toBe('duplicate');
    expect(next).toMatchObject({ cumulativeEnergy: 13, version: 5 });
  });

  test('within a batch readings are ordered by time and duplicates collapse to the winner', () => {
    const { byDevice, duplicates } = readingsPerDevice([at(10, 3), at(5, 2), at(10, 4), at(10, 4, 'z')]);
    expect(byDevice.get(1)!.map((m) => [m.timeMs / 60_000, m.cumulativeEnergy, m.deviceName])).toEqual([[5, 2, 'm'], [10, 4, 'z']]);
    expect(duplicates).toHaveLength(2);
  });
});
