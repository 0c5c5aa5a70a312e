import type { MessageValue } from './msk-events';

const good = { device_id: 7, device_name: 'Kitchen', time: '2022-07-11T02:15:00Z', cumulative_energy: 1.5 };
const withField = (field: string, value: unknown) => ({ measurements: [{ ...good, [field]: value }] });
const without = (field: string) => ({ measurements: [Object.fromEntries(Object.entries(good).filter(([k]) => k !== field))] });

/** One bad message per reject reason: the value sent, the reason, and the field named (null: the whole message). */
export const BAD_SENSOR_MESSAGES: { reason: string; value: MessageValue; field: string | null }[] = [
  { reason: 'empty_message', value: null, field: null },
  { reason: 'not_utf8', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), field: null },
  { reason: 'not_json', value: '{"measurements":[', field: null },
  { reason: 'message_not_object', value: '[1,2]', field: null },
  { reason: 'unknown_message_field', value: { measurements: [good], sensor: 'x' }, field: 'sensor' },
  { reason: 'missing_measurements', value: {}, field: 'measurements' },
  { reason: 'measurements_not_array', value: { measurements: { ...good } }, field: 'measurements' },
  { reason: 'no_measurements', value: { measurements: [] }, field: 'measurements' },
  { reason: 'measurement_not_object', value: { measurements: [42] }, field: null },
  { reason: 'unknown_field', value: withField('colour', 'red'), field: 'colour' },
  { reason: 'missing_field', value: without('time'), field: 'time' },
  { reason: 'null_field', value: withField('device_name', null), field: 'device_name' },
  { reason: 'wrong_type', value: withField('device_id', '7'), field: 'device_id' },
  { reason: 'device_id_not_integer', value: withField('device_id', 7.5), field: 'device_id' },
  { reason: 'device_id_out_of_range', value: withField('device_id', 2 ** 31), field: 'device_id' },
  { reason: 'empty_device_name', value: withField('device_name', '  '), field: 'device_name' },
  { reason: 'time_not_iso8601', value: withField('time', '11/07/2022 02:15'), field: 'time' },
  { reason: 'time_without_zone', value: withField('time', '2022-07-11T02:15:00'), field: 'time' },
  { reason: 'time_precision', value: withField('time', '2022-07-11T02:15:00.0000001Z'), field: 'time' },
  { reason: 'non_finite_energy', value: '{"measurements":[{"device_id":7,"device_name":"Kitchen","time":"2022-07-11T02:15:00Z","cumulative_energy":1e400}]}', field: 'cumulative_energy' },
  { reason: 'negative_energy', value: withField('cumulative_energy', -0.5), field: 'cumulative_energy' },
];
