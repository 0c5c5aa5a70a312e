import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  detectFormat,
  dropParseResult,
  FILE_REJECT_REASONS,
  FileRejectedError,
  loadSourceProfiles,
  parseReadingsFile,
  parseSourceProfiles,
  ROW_REJECT_REASONS,
  type SourceProfile,
} from '../../src/formats';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';

const FIXTURES = join(__dirname, '..', 'fixtures', 'formats');
const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const GOOD = 'M1,2021-01-01T00:00:00Z,30,0.5,actual';

/** A default-profile CSV with one good row and the bad one. */
const csv = (bad: string) => `${HEADER}\n${GOOD}\n${bad}\n`;
const acme = (bad: string) => `MPAN;Period End;Energy (Wh);Flag\n19;01/01/2021 00:30;100;A\n${bad}\n`;
const octopus = (bad: string) =>
  `{"columns":["interval_start","consumption_delta","meterpoint_id"],"data":[["2021-01-01 00:30:00",0.052,"0f3a"],${bad}]}`;
const gbReading = (inner: string) => `<IntervalReading>${inner}</IntervalReading>`;
const greenButton = (readings: string, uom = '72') => `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:uuid:usage-point-9</id><link rel="self" href="/espi/1_1/resource/UsagePoint/9"/><title>GB-9</title>
<content><UsagePoint xmlns="http://naesb.org/espi"/></content></entry>
<entry><link rel="self" href="/espi/1_1/resource/ReadingType/1"/><content><ReadingType xmlns="http://naesb.org/espi">
<intervalLength>900</intervalLength><powerOfTenMultiplier>0</powerOfTenMultiplier><uom>${uom}</uom></ReadingType></content></entry>
<entry><link rel="self" href="/espi/1_1/resource/UsagePoint/9/MeterReading/1"/><link rel="related" href="/espi/1_1/resource/ReadingType/1"/>
<content><MeterReading xmlns="http://naesb.org/espi"/></content></entry>
<entry><link rel="self" href="/espi/1_1/resource/UsagePoint/9/MeterReading/1/IntervalBlock/1"/><content><IntervalBlock xmlns="http://naesb.org/espi">
${gbReading('<timePeriod><duration>900</duration><start>1609459200</start></timePeriod><value>250</value>')}
${readings}</IntervalBlock></content></entry></feed>`;
const gb = (inner: string) => greenButton(gbReading(inner));

interface RowCase {
  name: string;
  source: string;
  ext: string;
  content: string | Buffer;
  reason: string;
  field?: string | null;
}

const ROW_CASES: RowCase[] = [
  { name: 'empty meter id', source: 'default', ext: 'csv', content: csv(',2021-01-01T00:30:00Z,30,0.5,actual'), reason: 'missing_field', field: 'meter_id' },
  { name: 'meter id with a control character', source: 'default', ext: 'csv', content: csv('M\u00072,2021-01-01T00:30:00Z,30,0.5,actual'), reason: 'invalid_meter_id', field: 'meter_id' },
  { name: 'meter id longer than 64 characters', source: 'default', ext: 'csv', content: csv(`${'M'.repeat(65)},2021-01-01T00:30:00Z,30,0.5,actual`), reason: 'invalid_meter_id', field: 'meter_id' },
  { name: 'empty timestamp', source: 'default', ext: 'csv', content: csv('M2,,30,0.5,actual'), reason: 'missing_field', field: 'interval_start' },
  { name: 'timestamp is not a date', source: 'default', ext: 'csv', content: csv('M2,yesterday,30,0.5,actual'), reason: 'invalid_timestamp', field: 'interval_start' },
  { name: 'timestamp on 30 February', source: 'default', ext: 'csv', content: csv('M2,2021-02-30T00:00:00Z,30,0.5,actual'), reason: 'invalid_timestamp', field: 'interval_start' },
  { name: 'timestamp without offset', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00,30,0.5,actual'), reason: 'timestamp_missing_offset', field: 'interval_start' },
  { name: 'timestamp before 2000', source: 'default', ext: 'csv', content: csv('M2,1999-12-31T23:30:00Z,30,0.5,actual'), reason: 'timestamp_out_of_range', field: 'interval_start' },
  { name: 'interval start not on a 30-minute boundary', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:07:00Z,30,0.5,actual'), reason: 'misaligned_interval', field: 'interval_start' },
  { name: 'interval start with milliseconds', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00.123Z,30,0.5,actual'), reason: 'misaligned_interval', field: 'interval_start' },
  { name: 'interval start half a millisecond past the boundary', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00.0005Z,30,0.5,actual'), reason: 'misaligned_interval', field: 'interval_start' },
  { name: 'interval start with a non-zero digit beyond microseconds', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00.0000001Z,30,0.5,actual'), reason: 'misaligned_interval', field: 'interval_start' },
  { name: 'JSON local time with milliseconds', source: 'octopus', ext: 'json', content: octopus('["2021-01-01 01:00:00.250",0.1,"0f3a"]'), reason: 'misaligned_interval', field: 'interval_start' },
  { name: 'empty interval_minutes', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,,0.5,actual'), reason: 'missing_field', field: 'interval_minutes' },
  { name: 'interval_minutes not a number', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,half-hour,0.5,actual'), reason: 'invalid_number', field: 'interval_minutes' },
  { name: 'interval_minutes 7', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,7,0.5,actual'), reason: 'interval_minutes_not_allowed', field: 'interval_minutes' },
  { name: 'interval_minutes 30.5', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30.5,0.5,actual'), reason: 'interval_minutes_not_allowed', field: 'interval_minutes' },
  { name: 'empty kwh', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,,actual'), reason: 'missing_field', field: 'kwh' },
  { name: 'kwh not a number', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,lots,actual'), reason: 'invalid_number', field: 'kwh' },
  { name: 'kwh with digit separators', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,1_000,actual'), reason: 'invalid_number', field: 'kwh' },
  { name: 'kwh NaN', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,NaN,actual'), reason: 'kwh_not_finite', field: 'kwh' },
  { name: 'kwh Infinity', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,-Infinity,actual'), reason: 'kwh_not_finite', field: 'kwh' },
  { name: 'negative kwh where export is not allowed', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,-0.5,actual'), reason: 'negative_kwh', field: 'kwh' },
  { name: 'kwh above the profile maximum', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,912.5,actual'), reason: 'kwh_above_max', field: 'kwh' },
  { name: 'empty quality', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,0.5,'), reason: 'missing_field', field: 'quality' },
  { name: 'unknown quality code', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,0.5,guessed'), reason: 'unknown_quality', field: 'quality' },
  { name: 'too few fields', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30'), reason: 'wrong_field_count', field: null },
  { name: 'too many fields', source: 'default', ext: 'csv', content: csv('M2,2021-01-01T00:30:00Z,30,0.5,actual,extra'), reason: 'wrong_field_count', field: null },
  { name: 'unterminated quote', source: 'default', ext: 'csv', content: csv('M2,"2021-01-01T00:30:00Z,30,0.5,actual'), reason: 'bad_quoting', field: null },
  { name: 'local time in the spring-forward gap', source: 'acme', ext: 'csv', content: acme('19;28/03/2021 01:30;100;A'), reason: 'nonexistent_local_time', field: 'Period End' },
  { name: 'local time not in the profile pattern', source: 'acme', ext: 'csv', content: acme('19;2021-01-01 01:00;100;A'), reason: 'invalid_timestamp', field: 'Period End' },
  { name: 'energy above maximum after Wh conversion', source: 'acme', ext: 'csv', content: acme('19;01/01/2021 01:00;10000,5;A'), reason: 'kwh_above_max', field: 'Energy (Wh)' },
  { name: 'JSON row with too few values', source: 'octopus', ext: 'json', content: octopus('["2021-01-01 01:00:00",0.05]'), reason: 'wrong_field_count', field: null },
  { name: 'JSON row that is not an array', source: 'octopus', ext: 'json', content: octopus('{"interval_start":"2021-01-01 01:00:00"}'), reason: 'malformed_record', field: null },
  { name: 'JSON consumption as text', source: 'octopus', ext: 'json', content: octopus('["2021-01-01 01:00:00","n/a","0f3a"]'), reason: 'invalid_number', field: 'consumption_delta' },
  { name: 'JSON consumption null', source: 'octopus', ext: 'json', content: octopus('["2021-01-01 01:00:00",null,"0f3a"]'), reason: 'missing_field', field: 'consumption_delta' },
  {
    name: 'third occurrence of an ambiguous fall-back time',
    source: 'octopus',
    ext: 'json',
    content: octopus(['["2021-10-31 01:00:00",0.1,"0f3a"]', '["2021-10-31 01:00:00",0.2,"0f3a"]', '["2021-10-31 01:00:00",0.3,"0f3a"]'].join(',')),
    reason: 'ambiguous_local_time',
    field: 'interval_start',
  },
  { name: 'Green Button unknown quality code', source: 'greenbutton', ext: 'xml', content: gb('<ReadingQuality><quality>99</quality></ReadingQuality><timePeriod><duration>900</duration><start>1609460100</start></timePeriod><value>1</value>'), reason: 'unknown_quality', field: 'ReadingQuality.quality' },
  { name: 'Green Button reading without value', source: 'greenbutton', ext: 'xml', content: gb('<timePeriod><duration>900</duration><start>1609460100</start></timePeriod>'), reason: 'missing_field', field: 'value' },
  { name: 'Green Button 90-second duration', source: 'greenbutton', ext: 'xml', content: gb('<timePeriod><duration>90</duration><start>1609460100</start></timePeriod><value>1</value>'), reason: 'interval_minutes_not_allowed', field: 'timePeriod.duration (minutes)' },
  { name: 'Green Button start not epoch seconds', source: 'greenbutton', ext: 'xml', content: gb('<timePeriod><duration>900</duration><start>2021-01-01</start></timePeriod><value>1</value>'), reason: 'invalid_timestamp', field: 'timePeriod.start' },
];

interface FileCase {
  name: string;
  source: string;
  ext: string;
  content: string | Buffer;
  reason: string;
}

const FILE_CASES: FileCase[] = [
  { name: 'empty CSV', source: 'default', ext: 'csv', content: '', reason: 'empty_file' },
  { name: 'whitespace-only CSV', source: 'default', ext: 'csv', content: '\n  \n', reason: 'empty_file' },
  { name: 'CSV header missing kwh', source: 'default', ext: 'csv', content: 'meter_id,interval_start,interval_minutes,quality\nM1,2021-01-01T00:00:00Z,30,actual\n', reason: 'wrong_header' },
  { name: 'CSV header with an unexpected column', source: 'default', ext: 'csv', content: `${HEADER},tariff\n${GOOD},x\n`, reason: 'wrong_header' },
  { name: 'CSV header with a duplicate column', source: 'default', ext: 'csv', content: `${HEADER},kwh\n${GOOD},1\n`, reason: 'wrong_header' },
  { name: 'CSV with the wrong delimiter', source: 'acme', ext: 'csv', content: 'MPAN,Period End,Energy (Wh),Flag\n19,01/01/2021 00:30,100,A\n', reason: 'wrong_header' },
  { name: 'CSV with Latin-1 bytes in a row', source: 'default', ext: 'csv', content: Buffer.concat([Buffer.from(`${HEADER}\n${GOOD}\nM\u00e9`, 'latin1'), Buffer.from(',2021-01-01T00:30:00Z,30,0.5,actual\n')]), reason: 'not_utf8' },
  { name: 'CSV with Latin-1 bytes in the header', source: 'default', ext: 'csv', content: Buffer.from(`${HEADER}\u00e9\n${GOOD}\n`, 'latin1'), reason: 'not_utf8' },
  { name: 'JSON that does not parse', source: 'octopus', ext: 'json', content: '{"columns":["interval_start",', reason: 'unparseable_file' },
  { name: 'JSON without data', source: 'octopus', ext: 'json', content: '{"columns":["interval_start","consumption_delta","meterpoint_id"]}', reason: 'unparseable_file' },
  { name: 'JSON columns missing consumption_delta', source: 'octopus', ext: 'json', content: '{"columns":["interval_start","meterpoint_id"],"data":[]}', reason: 'wrong_header' },
  { name: 'JSON in Latin-1', source: 'octopus', ext: 'json', content: Buffer.from('{"columns":["interval_start","consumption_delta","meterpoint_id"],"data":[["2021-01-01 00:30:00",0.1,"caf\u00e9"]]}', 'latin1'), reason: 'not_utf8' },
  { name: 'empty JSON', source: 'octopus', ext: 'json', content: '   ', reason: 'empty_file' },
  { name: 'XML cut off mid-element', source: 'greenbutton', ext: 'xml', content: '<feed xmlns="http://www.w3.org/2005/Atom"><entry><content><IntervalBlock><IntervalReading><value>1', reason: 'unparseable_file' },
  { name: 'XML that is not an Atom feed', source: 'greenbutton', ext: 'xml', content: '<html><body>not a feed</body></html>', reason: 'unparseable_file' },
  { name: 'Green Button in therms (uom 169)', source: 'greenbutton', ext: 'xml', content: greenButton('', '169'), reason: 'unsupported_unit' },
  { name: 'empty XML', source: 'greenbutton', ext: 'xml', content: '', reason: 'empty_file' },
];

describe('bad input', () => {
  const env = useDuckDbAndTempDir('formats-bad-');
  let profiles: Map<string, SourceProfile>;
  let counter = 0;

  const write = (ext: string, content: string | Buffer) => {
    counter += 1;
    const path = join(env.dir, `case-${counter}.${ext}`);
    writeFileSync(path, content);
    return path;
  };
  const parse = (source: string, path: string) =>
    parseReadingsFile(env.session, path, profiles.get(source)!, {
      source,
      sourceFile: `landing/${source}/readings/${path.split('/').pop()}`,
      batchId: 'batch-bad',
      receivedAt: new Date('2021-11-01T00:00:00Z'),
    });

  beforeAll(async () => {
    const testProfiles = [...loadSourceProfiles(join(FIXTURES, 'sources.json'))].filter(([name]) => name !== 'default');
    profiles = new Map([...loadSourceProfiles(), ...testProfiles]);
  });


  test('the suite covers at least 30 distinct malformed rows and files', () => {
    expect(new Set([...ROW_CASES, ...FILE_CASES].map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  test.each(ROW_CASES)('row: $name → $reason', async ({ source, ext, content, reason, field }) => {
    // Prepare
    const path = write(ext, content);

    // Act
    const result = await parse(source, path);

    // Assert
    const rejects = await env.session.all<{ reason: string; field: string | null; raw: string; message: string; source_row: bigint }>(
      `SELECT * FROM ${result.rejectedTable}`,
    );
    expect(rejects.map((r) => r.reason)).toEqual([reason]);
    const [reject] = rejects;
    expect(reject.field).toBe(field);
    expect(reject.raw.length).toBeGreaterThan(0);
    expect(reject.message.length).toBeGreaterThan(0);
    expect(Object.keys(ROW_REJECT_REASONS)).toContain(reason);
    expect(result.accepted).toBeGreaterThanOrEqual(1);
    expect(result.rowsIn).toBe(result.accepted + result.rejected);
    await dropParseResult(env.session, result);
  });

  test.each(FILE_CASES)('file: $name → $reason', async ({ source, ext, content, reason }) => {
    // Prepare
    const path = write(ext, content);

    // Act
    const outcome = parse(source, path);

    // Assert
    await expect(outcome).rejects.toThrow(FileRejectedError);
    await expect(outcome).rejects.toMatchObject({ reason, file: `landing/${source}/readings/${path.split('/').pop()}` });
    expect(Object.keys(FILE_REJECT_REASONS)).toContain(reason);
  });

  test('a row rejection message names the value and the limit', async () => {
    // Prepare
    const path = write('csv', csv('M2,2021-01-01T00:30:00Z,30,912.5,actual'));

    // Act
    const result = await parse('default', path);

    // Assert
    const [reject] = await env.session.all<{ message: string; value: string; source_row: bigint; raw: string }>(`SELECT * FROM ${result.rejectedTable}`);
    expect(reject).toMatchObject({
      message: 'kwh 912.5 above the profile maximum 50 (profile default)',
      value: '912.5',
      source_row: 2n,
      raw: 'M2,2021-01-01T00:30:00Z,30,912.5,actual',
    });
    await dropParseResult(env.session, result);
  });

  test.each([`=cmd|' /C calc'!A0`, '+SUM(1)'])('a meter id outside the profile pattern is rejected with the value as received: %s', async (meterId) => {
    // Prepare
    const [[, strict]] = parseSourceProfiles({ version: 1, sources: { strict: { format: 'csv', meterIdPattern: '[A-Z0-9][A-Z0-9-]{0,31}' } } })
      .entries();
    const path = write('csv', `${HEADER}\n${GOOD}\n"${meterId}",2021-01-01T00:30:00Z,30,0.5,actual\n`);

    // Act
    const result = await parseReadingsFile(env.session, path, strict, { source: 'strict', sourceFile: 'landing/strict/readings/ids.csv', batchId: 'b', receivedAt: new Date() });

    // Assert
    const rejects = await env.session.all<Record<string, unknown>>(`SELECT source_file, source_row, field, value, reason, message FROM ${result.rejectedTable}`);
    expect(rejects).toEqual([{
      source_file: 'landing/strict/readings/ids.csv',
      source_row: 2n,
      field: 'meter_id',
      value: meterId,
      reason: 'invalid_meter_id',
      message: `meter_id ${meterId} does not match the meter id pattern [A-Z0-9][A-Z0-9-]{0,31} of profile strict`,
    }]);
    expect(result.accepted).toBe(1);
    await dropParseResult(env.session, result);
  });

  test('Green Button readings of a usage point without an atom id have no meter and are rejected', async () => {
    // Prepare
    const path = write('xml', greenButton('').replace('<id>urn:uuid:usage-point-9</id>', ''));

    // Act
    const result = await parse('greenbutton', path);

    // Assert
    const rejects = await env.session.all<{ reason: string; field: string; message: string }>(`SELECT reason, field, message FROM ${result.rejectedTable}`);
    expect(rejects).toEqual([{ reason: 'missing_field', field: 'UsagePoint id', message: 'UsagePoint id is empty' }]);
    expect(result.accepted).toBe(0);
    await dropParseResult(env.session, result);
  });

  test('a timestamp rejection message quotes the value exactly as received', async () => {
    // Prepare
    const path = write('csv', csv('M2,2021-01-01t00:30:00.123z,30,0.5,actual'));

    // Act
    const result = await parse('default', path);

    // Assert
    const [reject] = await env.session.all<{ message: string; value: string }>(`SELECT * FROM ${result.rejectedTable}`);
    expect(reject).toEqual(expect.objectContaining({
      value: '2021-01-01t00:30:00.123z',
      message: 'interval_start 2021-01-01t00:30:00.123z is not aligned to 30 minutes',
    }));
    await dropParseResult(env.session, result);
  });

  test('accepts the RFC 3339 forms: lower-case t and z, a space separator, zero fractions of any length', async () => {
    // Prepare
    const forms = ['2021-01-01t00:30:00Z', '2021-01-01T00:30:00z', '2021-01-01 00:30:00Z', '2021-01-01T00:30:00.000Z', '2021-01-01T00:30:00.000000000+00:00', '2021-01-01t01:30:00.0+01:00'];
    const path = write('csv', `${HEADER}\n${forms.map((ts, i) => `M${i},${ts},30,0.5,actual`).join('\n')}\n`);

    // Act
    const result = await parse('default', path);

    // Assert
    const starts = await env.session.all<{ start: string }>(`SELECT strftime(interval_start, '%Y-%m-%dT%H:%M:%S.%fZ') AS start FROM ${result.acceptedTable}`);
    expect(result.rejected).toBe(0);
    expect(starts.map((r) => r.start)).toEqual(forms.map(() => '2021-01-01T00:30:00.000000Z'));
    await dropParseResult(env.session, result);
  });

  test('reads a lower-case t in a JSON local time as the separator', async () => {
    // Prepare
    const path = write('json', octopus('["2021-07-01t12:00:00",0.1,"0f3a"]'));

    // Act
    const result = await parse('octopus', path);

    // Assert
    const starts = await env.session.all<{ start: string }>(`SELECT strftime(interval_start, '%Y-%m-%dT%H:%M:%SZ') AS start FROM ${result.acceptedTable} ORDER BY source_row`);
    expect(result.rejected).toBe(0);
    expect(starts.map((r) => r.start)).toEqual(['2021-01-01T00:30:00Z', '2021-07-01T11:00:00Z']);
    await dropParseResult(env.session, result);
  });

  test('rows after a record the reader could not split keep their data row numbers', async () => {
    // Prepare
    const path = write('csv', `${HEADER}\n${GOOD}\nM2,x\nM3,2021-01-01T00:00:00Z,30,0.1,actual\nM4,y\nM5,2021-01-01T00:00:00Z,30,0.1,actual\n`);

    // Act
    const result = await parse('default', path);

    // Assert
    const accepted = await env.session.all<{ meter_id: string; source_row: bigint }>(`SELECT meter_id, source_row FROM ${result.acceptedTable} ORDER BY source_row`);
    const rejected = await env.session.all<{ source_row: bigint; raw: string }>(`SELECT source_row, raw FROM ${result.rejectedTable} ORDER BY source_row`);
    expect(accepted).toEqual([{ meter_id: 'M1', source_row: 1n }, { meter_id: 'M3', source_row: 3n }, { meter_id: 'M5', source_row: 5n }]);
    expect(rejected).toEqual([{ source_row: 2n, raw: 'M2,x' }, { source_row: 4n, raw: 'M4,y' }]);
    await dropParseResult(env.session, result);
  });
});

describe('detectFormat', () => {
  const profiles = loadSourceProfiles();

  test.each([
    { name: 'JSON content under a CSV source', key: 'landing/default/readings/a.csv', head: '{"columns":[]}', reason: 'unknown_format' },
    { name: 'CSV content under a JSON source', key: 'landing/octopus/readings/a.json', head: 'a,b\n1,2', reason: 'unknown_format' },
    { name: 'JSON content under an XML source', key: 'landing/greenbutton/readings/a.xml', head: '{"a":1}', reason: 'unknown_format' },
    { name: 'an unconfigured source', key: 'landing/nobody/readings/a.csv', head: 'a,b', reason: 'unknown_source' },
    { name: 'a key outside landing/', key: 'incoming/a.csv', head: 'a,b', reason: 'unknown_format' },
    { name: 'an unknown kind', key: 'landing/default/tariffs/a.csv', head: 'a,b', reason: 'unknown_format' },
    { name: 'a reference file for a source without reference data', key: 'landing/default/reference/a.db', head: 'SQLite format 3\0', reason: 'unknown_format' },
    { name: 'an empty object', key: 'landing/default/readings/a.csv', head: '', reason: 'empty_file' },
  ])('rejects $name with $reason', ({ key, head, reason }) => {
    // Act
    const detect = () => detectFormat(key, Buffer.from(head, 'latin1'), profiles);

    // Assert
    expect(detect).toThrow(expect.objectContaining({ name: 'FileRejectedError', reason, file: key }));
  });

  test.each([
    { key: 'landing/default/readings/2021/01/a.csv', head: '\ufeffmeter_id,interval_start', format: 'csv' },
    { key: 'landing/octopus/readings/a.json', head: '  {"columns":[]}', format: 'octopus-json' },
    { key: 'landing/greenbutton/readings/a.xml', head: '<?xml version="1.0"?><feed/>', format: 'green-button-xml' },
    { key: 'landing/octopus/reference/octopus.db', head: 'SQLite format 3\0....', format: 'sqlite' },
  ])('detects $format for $key', ({ key, head, format }) => {
    // Act
    const detected = detectFormat(key, Buffer.from(head, 'utf8'), profiles);

    // Assert
    expect(detected).toMatchObject({ source: key.split('/')[1], format });
  });
});
