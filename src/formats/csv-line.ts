/** Split one CSV line (a header, or a row judged before the read) on the delimiter, honouring quotes ("" inside quotes is a quote); values trimmed. */
export function splitCsvLine(line: string, delimiter: string, quote: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === quote && line[i + 1] === quote) {
        current += quote;
        i += 1;
      } else if (ch === quote) quoted = false;
      else current += ch;
    } else if (ch === quote) quoted = true;
    else if (ch === delimiter) {
      fields.push(current.trim());
      current = '';
    } else current += ch;
  }
  fields.push(current.trim());
  return fields;
}
