import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROFILE, loadSourceProfiles, parseSourceProfiles, SourceProfileError } from '../../src/formats/source-profiles';

describe('source profiles', () => {
  test('the shipped config has default, octopus and greenbutton', () => {
    // Act
    const profiles = loadSourceProfiles();

    // Assert
    expect([...profiles.keys()].sort()).toEqual(['default', 'greenbutton', 'octopus']);
    expect(profiles.get('octopus')).toMatchObject({ format: 'octopus-json', intervalMinutes: 30, referenceFormat: 'sqlite' });
    expect(profiles.get('greenbutton')?.quality.map['8']).toBe('estimated');
  });

  test('the default profile exists even when the file does not define it', () => {
    // Act
    const profiles = parseSourceProfiles({ version: 1, sources: {} });

    // Assert
    expect(profiles.get('default')).toEqual(DEFAULT_PROFILE);
  });

  test('a profile is merged over the defaults of its format', () => {
    // Act
    const profiles = parseSourceProfiles({ version: 1, sources: { tiny: { format: 'csv', maxKwhPerInterval: 5 } } });

    // Assert
    expect(profiles.get('tiny')).toMatchObject({ name: 'tiny', delimiter: ',', unit: 'kWh', maxKwhPerInterval: 5 });
  });

  test('every problem is reported in one error', () => {
    // Prepare
    const document = {
      version: 2,
      sources: {
        bad: { format: 'csv', unit: 'MWh', delimiter: ';;', timestamp: { format: '%d.%m.%Y', labels: 'middle' }, maxKwhPerInterval: -1, colour: 'red' },
        worse: { format: 'parquet' },
      },
    };

    // Act
    const parse = () => parseSourceProfiles(document, 'sources.json');

    // Assert
    expect(parse).toThrow(SourceProfileError);
    const problems = (() => {
      try {
        parse();
        return [];
      } catch (error) {
        return (error as SourceProfileError).problems;
      }
    })();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('version: expected 1'),
        expect.stringContaining('sources.bad.unit'),
        expect.stringContaining('sources.bad.delimiter'),
        expect.stringContaining('sources.bad.timestamp.timezone'),
        expect.stringContaining('sources.bad.timestamp.labels'),
        expect.stringContaining('sources.bad.maxKwhPerInterval'),
        expect.stringContaining('sources.bad.colour: unknown setting'),
        expect.stringContaining('sources.worse.format'),
      ]),
    );
  });

  test('a quote character longer than one byte is refused (DuckDB reads one-byte quotes only)', () => {
    // Act
    const parse = () => parseSourceProfiles({ version: 1, sources: { x: { format: 'csv', quote: '«' } } });

    // Assert
    expect(parse).toThrow(/sources\.x\.quote: expected one ASCII character different from the delimiter, got "«"/);
  });

  test('an unknown time zone is named', () => {
    // Act
    const parse = () =>
      parseSourceProfiles({ version: 1, sources: { x: { format: 'csv', settlementTimezone: 'Mars/Olympus' } } });

    // Assert
    expect(parse).toThrow(/sources\.x\.settlementTimezone: unknown IANA time zone "Mars\/Olympus"/);
  });

  test('a profile may set a meter-id pattern', () => {
    // Act
    const profiles = parseSourceProfiles({ version: 1, sources: { mpan: { format: 'csv', meterIdPattern: '[0-9]{13}' } } });

    // Assert
    expect(profiles.get('mpan')?.meterIdPattern).toBe('[0-9]{13}');
  });

  test.each([
    ['not a string', 13, /sources\.x\.meterIdPattern: expected a regular expression, got 13/],
    ['not a regular expression', '[0-9', /sources\.x\.meterIdPattern: not a valid regular expression .*, got "\[0-9"/],
    ['a lookahead (RE2 has none)', '(?!=)[A-Z]+', /sources\.x\.meterIdPattern: lookaround and backreferences are not supported/],
    ['a backreference (RE2 has none)', '(a)\\1', /sources\.x\.meterIdPattern: lookaround and backreferences are not supported/],
  ])('a meter-id pattern that is %s is refused', (_case, pattern, problem) => {
    // Act
    const parse = () => parseSourceProfiles({ version: 1, sources: { x: { format: 'csv', meterIdPattern: pattern } } });

    // Assert
    expect(parse).toThrow(problem);
  });

  test('a misspelt meter-id pattern key is an unknown setting', () => {
    // Act
    const parse = () => parseSourceProfiles({ version: 1, sources: { x: { format: 'csv', meterIdRegex: '[0-9]+' } } });

    // Assert
    expect(parse).toThrow(/sources\.x\.meterIdRegex: unknown setting/);
  });

  test('a file that is not JSON is reported with its path', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'profiles-')), 'sources.json');
    writeFileSync(path, '{ version: 1');

    // Act
    const load = () => loadSourceProfiles(path);

    // Assert
    expect(load).toThrow(new RegExp(`invalid source profiles in ${path}[\\s\\S]*not valid JSON`));
  });
});
