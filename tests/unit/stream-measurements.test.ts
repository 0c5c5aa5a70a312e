import { decodeMeasurements } from '../../src/pipeline/stream/measurements';
import { BAD_SENSOR_MESSAGES } from '../helpers/bad-sensor-messages';

const origin = { topic: 'sensors', partition: 3, offset: 41, receivedAtMs: Date.UTC(2022, 6, 11, 3) };
const bytes = (v: unknown) => (v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

describe('decoding a sensor message', () => {
  test('the worked example gives two measurements, times as UTC instants', () => {
    const value = bytes({ measurements: [
      { device_id: 123456, device_name: 'Test Device', time: '2022-07-11T02:15:00Z', cumulative_energy: 120.12 },
      { device_id: 123456, device_name: 'Test Device', time: '2022-07-11T04:20:00+02:00', cumulative_energy: 122.45 },
    ] });
    expect(decodeMeasurements(value, origin)).toEqual({
      measurements: [
        { deviceId: 123456, deviceName: 'Test Device', timeMs: Date.UTC(2022, 6, 11, 2, 15), cumulativeEnergy: 120.12, origin },
        { deviceId: 123456, deviceName: 'Test Device', timeMs: Date.UTC(2022, 6, 11, 2, 20), cumulativeEnergy: 122.45, origin },
      ],
      rejects: [],
    });
  });

  test.each(BAD_SENSOR_MESSAGES)('$reason is rejected with its reason, field and the raw value, never thrown', ({ reason, value, field }) => {
    const { measurements, rejects } = decodeMeasurements(bytes(value), origin);
    expect(measurements).toEqual([]);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ origin, reason, field });
    expect(rejects[0].message.length).toBeGreaterThan(10);
    if (value !== null) expect(rejects[0].raw.length).toBeGreaterThan(0);
  });

  test('a bad measurement is rejected alone: the good ones of the same message are kept', () => {
    const good = { device_id: 1, device_name: 'a', time: '2022-07-11T02:15:00Z', cumulative_energy: 1 };
    const { measurements, rejects } = decodeMeasurements(bytes({ measurements: [good, { ...good, device_id: 'x' }, good] }), origin);
    expect(measurements).toHaveLength(2);
    expect(rejects).toEqual([expect.objectContaining({ index: 1, reason: 'wrong_type', field: 'device_id', value: '"x"' })]);
  });

  test('an impossible calendar date is not an instant', () => {
    const { rejects } = decodeMeasurements(bytes({ measurements: [{ device_id: 1, device_name: 'a', time: '2022-02-30T00:00:00Z', cumulative_energy: 1 }] }), origin);
    expect(rejects[0]).toMatchObject({ reason: 'time_not_iso8601', value: '2022-02-30T00:00:00Z' });
  });
});
