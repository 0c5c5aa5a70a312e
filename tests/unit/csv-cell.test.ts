import { csvCell, type CsvValue } from '../../src/formats/csv-cell';

describe('csvCell', () => {
  const cases: [string, CsvValue, string][] = [
    ['plain text stays as it is', 'MTR-001', 'MTR-001'],
    ['a formula is prefixed with a quote and quoted', '=cmd|\' /C calc\'!A0', `"'=cmd|' /C calc'!A0"`],
    ['a leading + is escaped', '+SUM(1)', `"'+SUM(1)"`],
    ['a leading @ is escaped', '@SUM(A1)', `"'@SUM(A1)"`],
    ['a leading - in text is escaped, even when it reads as a number', '-1.5', `"'-1.5"`],
    ['a leading tab is escaped', '\tx', `"'\tx"`],
    ['a leading carriage return is escaped', '\r=x', `"'\r=x"`],
    ['a formula with quotes and commas is escaped and RFC 4180 quoted', '=HYPERLINK("a,b")', `"'=HYPERLINK(""a,b"")"`],
    ['formula characters later in the text are harmless', 'a=b+c-d@e', 'a=b+c-d@e'],
    ['a comma is quoted', 'a,b', '"a,b"'],
    ['quotes are doubled', 'say "hi"', '"say ""hi"""'],
    ['a newline is quoted', 'a\nb', '"a\nb"'],
    ['a carriage return inside is quoted', 'a\rb', '"a\rb"'],
    ['the empty string is empty', '', ''],
    ['null is empty', null, ''],
    ['undefined is empty', undefined, ''],
    ['a negative number of a number column stays a number', -1.5, '-1.5'],
    ['a negative bigint stays a number', -9007199254740993n, '-9007199254740993'],
    ['a boolean is its word', true, 'true'],
    ['-Infinity is no spreadsheet number: escaped as text', -Infinity, `"'-Infinity"`],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});
