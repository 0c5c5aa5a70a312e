import { checkDrEnrollments, checkDrEvents, DrReferenceError } from '../../src/pipeline/settlement/dr-reference';

const partners = new Set(['default', 'octopus']);
const where = (i: number) => `events.csv row ${i + 1}`;
const event = (over: Record<string, string> = {}) => ({
  event_id: 'E1', program: 'P', partner: 'default', event_day: '2021-02-10', start_hour: '17', end_hour: '19', price_per_kwh: '0.3', floor_at_zero: 'true', ...over,
});

describe('demand-response reference rows', () => {
  test('a good event row is typed', () => {
    expect(checkDrEvents([event()], partners, where)).toEqual([{
      event_id: 'E1', program: 'P', partner: 'default', event_day: '2021-02-10', start_hour: 17, end_hour: 19, price_per_kwh: '0.3', floor_at_zero: true,
    }]);
  });

  test.each([
    [{ partner: 'nosuch' }, /events.csv row 1: partner "nosuch" — expected a source profile \(default, octopus\)/],
    [{ event_day: '2021-02-30' }, /event_day "2021-02-30" — expected a real date/],
    [{ start_hour: '19', end_hour: '17' }, /end_hour "17" — expected a whole hour after start_hour 19/],
    [{ price_per_kwh: '-1' }, /price_per_kwh "-1" — expected a price ≥ 0/],
    [{ floor_at_zero: 'yes' }, /floor_at_zero "yes" — expected true or false/],
  ])('a bad field refuses the drop naming file, row, field and value: %o', (over, message) => {
    expect(() => checkDrEvents([event(over)], partners, where)).toThrow(message);
  });

  test('an event id used twice is refused on its second row', () => {
    expect(() => checkDrEvents([event(), event()], partners, where)).toThrow(/events.csv row 2: event_id "E1" — expected an id used once/);
  });

  test('a meter enrolled twice in one program is refused', () => {
    const rows = [{ program: 'P', meter_id: 'M1' }, { program: 'P', meter_id: 'M1' }];
    expect(() => checkDrEnrollments(rows, (i) => `enrollments.csv row ${i + 1}`)).toThrow(DrReferenceError);
  });
});
