import { splitCsvLine } from '../../src/formats/csv-line';

describe('splitCsvLine', () => {
  test.each([
    { line: 'a,b,c', delimiter: ',', expected: ['a', 'b', 'c'] },
    { line: 'MPAN;Period End;Energy (Wh)', delimiter: ';', expected: ['MPAN', 'Period End', 'Energy (Wh)'] },
    { line: '"a,1","b ""x""",c', delimiter: ',', expected: ['a,1', 'b "x"', 'c'] },
    { line: ' a , b ', delimiter: ',', expected: ['a', 'b'] },
    { line: 'a,,b', delimiter: ',', expected: ['a', '', 'b'] },
  ])('$line → $expected', ({ line, delimiter, expected }) => {
    // Act
    const names = splitCsvLine(line, delimiter, '"');

    // Assert
    expect(names).toEqual(expected);
  });
});
