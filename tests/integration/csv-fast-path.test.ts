import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { acceptedTableSink, loadSourceProfiles, type ParseContext, type SourceProfile } from '../../src/formats';
import { removeStalePartFiles } from '../../src/formats/csv-cut';
import { parseUtilityCsv } from '../../src/formats/utility-csv';
import { useDuckDbAndTempDir } from '../helpers/duckdb-and-temp-dir';

const HEADER = 'meter_id,interval_start,interval_minutes,kwh,quality';
const ctx: ParseContext = { source: 'default', sourceFile: 'landing/default/readings/t.csv', batchId: 'b1', receivedAt: new Date('2024-01-04T06:00:00Z') };
const defaultProfile = loadSourceProfiles().get('default')!;
/** The canonical layout for a utility whose meters also export (negative kWh allowed). */
const exportProfile: SourceProfile = { ...defaultProfile, name: 'default-export', allowNegative: true };

const env = useDuckDbAndTempDir('meterlake-fast-csv-');

/** Parse a file and return its accepted and rejected rows as JSON text, plus how it was read. */
async function parse(file: string, options: Parameters<typeof parseUtilityCsv>[5], profile = defaultProfile) {
  const paths: string[] = [];
  const parsed = await parseUtilityCsv(env.session, file, profile, ctx, acceptedTableSink(env.session), { ...options, onPath: (p, n) => paths.push(`${p}/${n}`) });
  const json = (rows: unknown[]) => JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  const accepted = json(await env.session.all(`SELECT * FROM ${parsed.written} ORDER BY source_row`));
  const rejected = json(await env.session.all(`SELECT * FROM ${parsed.rejectedTable} ORDER BY source_row`));
  await env.session.run(`DROP TABLE ${parsed.written}; DROP TABLE ${parsed.rejectedTable}`);
  return { accepted, rejected, rowsIn: parsed.rowsIn, paths };
}

const goodRow = (i: number) => `MTR-${i % 7},2021-01-0${1 + (i % 3)}T${String(i % 24).padStart(2, '0')}:${i % 2 ? '30' : '00'}:00Z,30,${(i % 50) / 10},actual`;

/** Field-level mutations, each a way real files go wrong or differ from the plain shape. */
const MUTATIONS: ((row: string[]) => void)[] = [
  (r) => { r[0] = ` ${r[0]}`; },
  (r) => { r[0] = `${r[0]} `; },
  (r) => { r[0] = `M\u0001X`; },
  (r) => { r[0] = ''; },
  (r) => { r[1] = r[1].replace('Z', '+01:00'); },
  (r) => { r[1] = r[1].replace('Z', ''); },
  (r) => { r[1] = r[1].replace('-01T', '-1T'); },
  (r) => { r[1] = '2021-02-30T00:00:00Z'; },
  (r) => { r[1] = ` ${r[1]} `; },
  (r) => { r[1] = r[1].replace('Z', 'z'); },
  (r) => { r[1] = r[1].replace(':00Z', ':00.000Z'); },
  (r) => { r[1] = r[1].replace(':00Z', ':00.123Z'); },
  (r) => { r[1] = r[1].replace(':00Z', ':00.0005Z'); },
  (r) => { r[1] = r[1].replace(':00Z', ':00.0000000Z'); },
  (r) => { r[1] = r[1].replace(':00Z', ':00.0000001Z'); },
  (r) => { r[1] = r[1].replace('T', 't'); },
  (r) => { r[0] = 'M'.repeat(65); },
  (r) => { r[0] = '\u00e9'.repeat(64); },
  (r) => { r[1] = '2021-01-01T24:00:00Z'; },
  (r) => { r[1] = r[1].replace('Z', '+00:00'); },
  (r) => { r[1] = '1999-12-31T23:30:00Z'; },
  (r) => { r[1] = r[1].replace(':00Z', ':07Z'); },
  (r) => { r[2] = '30.0'; },
  (r) => { r[2] = '29.6'; },
  (r) => { r[2] = ' 30'; },
  (r) => { r[2] = '7'; },
  (r) => { r[3] = '1_000'; },
  (r) => { r[3] = 'inf'; },
  (r) => { r[3] = 'NaN'; },
  (r) => { r[3] = '-Infinity'; },
  (r) => { r[3] = '-0.5'; },
  (r) => { r[3] = '1e1'; },
  (r) => { r[3] = ' 2.5 '; },
  (r) => { r[3] = '912.5'; },
  (r) => { r[4] = ' actual'; },
  (r) => { r[4] = 'guessed'; },
  (r) => { r[4] = ''; },
  (r) => { r.push('extra'); },
  (r) => { r[0] = `"${r[0]}"`; },
  (r) => { r[0] = `"M,${r[0]}"`; },
  (r) => { r[4] = `"${r[4]}"`; },
  (r) => { r[4] = `"ac""${r[4]}"`; },
  (r) => { r[0] = `M"${r[0]}`; },
  (r) => { r[3] = `"${r[3]}\n"`; },
  (r) => { r[0] = `"M\n${r[0]}"`; },
  (r) => { r[0] = `"M\r\n${r[0]}"`; },
  (r) => { r.splice(0, r.length); },
];

describe('CSV fast path', () => {
  it('reads a clean canonical file on the fast path, in parts when split', async () => {
    const file = join(env.dir, 'clean.csv');
    writeFileSync(file, `${HEADER}\n${Array.from({ length: 300 }, (_, i) => goodRow(i)).join('\n')}\n`);

    const split = await parse(file, { splitMinBytes: 0, parts: 3 });

    expect(split.paths).toEqual(['fast/3']);
    expect(split.rowsIn).toBe(300);
  });

  it('reads a file with rows failing checks in parts, with exactly the full path\'s accepted and rejected rows', async () => {
    const failing = ['M9,2021-01-01T00:07:00Z,30,0.5,actual', 'M9,2021-01-01T00:30:00Z,30,-0.5,actual', 'M9,2021-01-01T01:00:00Z,30,0.5,guessed'];
    const lines = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? failing[i % 3] : goodRow(i)));
    const file = join(env.dir, 'split-rejects.csv');
    writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);

    const full = await parse(file, { fastPath: false });
    const fast = await parse(file, { splitMinBytes: 0, parts: 3 });

    expect(fast.paths).toEqual(['fast/3']);
    expect(fast.rejected).not.toBe('[]');
    expect(fast.accepted).toEqual(full.accepted);
    expect(fast.rejected).toEqual(full.rejected);
  });

  /** Parse `lines` (after the header) by the full path and, cut in two, by the fast path. */
  async function fullThenSplit(name: string, lines: string[]) {
    const file = join(env.dir, `${name}.csv`);
    writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
    return { full: await parse(file, { fastPath: false }), fast: await parse(file, { splitMinBytes: 0, parts: 2 }) };
  }

  it('reads zero fractions of a second on the fast path and rejects a non-zero digit beyond microseconds there', async () => {
    const stamp = (i: number, fraction: string) => goodRow(i).replace(':00Z', `:00${fraction}Z`);
    const lines = Array.from({ length: 300 }, (_, i) => stamp(i, i === 150 ? '.0000001' : i % 2 ? '.000' : '.0000000'));
    const file = join(env.dir, 'fractions.csv');
    writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);

    const fast = await parse(file, {});

    expect(fast.paths).toEqual(['fast/1']);
    expect(JSON.parse(fast.rejected)).toEqual([expect.objectContaining({ source_row: '151', reason: 'misaligned_interval', value: lines[150].split(',')[1] })]);
  });

  it('reads a split file again in one statement when its first part holds an underscore its start did not show', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => (i === 1900 ? 'M1,2021-01-01T00:00:00Z,30,1_0,actual' : goodRow(i)));

    const { full, fast } = await fullThenSplit('late-underscore', lines);

    expect(fast.paths).toEqual(['fast/1']);
    expect(fast.accepted).toEqual(full.accepted);
    expect(fast.rejected).toEqual(full.rejected);
  });

  it('reads a split file again in one statement when it has fewer lines than its start promised', async () => {
    // Short lines first, then long ones: the first part asks for more records than the file has.
    const short = Array.from({ length: 1700 }, (_, i) => goodRow(i));
    const long = Array.from({ length: 300 }, (_, i) => `MTR-${i},2021-01-03T00:00:00Z,30,${i % 10}.${'0'.repeat(1000)},estimated`);

    const { full, fast } = await fullThenSplit('lines-grow', [...short, ...long]);

    expect(fast.paths).toEqual(['fast/1']);
    expect(fast.rowsIn).toBe(2000);
    expect(fast.accepted).toEqual(full.accepted);
  });

  it('leaves a split file to the full path when the first part, read in place, holds a record the reader refuses', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 10 ? `${goodRow(i)},extra` : goodRow(i)));

    const { full, fast } = await fullThenSplit('first-part-refused', lines);

    expect(fast.paths).toEqual(['full/1']);
    expect(fast.rejected).toEqual(full.rejected);
    expect(fast.accepted).toEqual(full.accepted);
  });

  it('leaves no table behind when the first part, read in place, holds a record the reader refuses', async () => {
    const lines = Array.from({ length: 20000 }, (_, i) => (i === 1500 ? `${goodRow(i)},extra` : goodRow(i)));
    const file = join(env.dir, 'refused-tables.csv');
    writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
    const tables = async () => (await env.session.all<{ n: bigint }>(`SELECT count(*) AS n FROM duckdb_tables()`))[0].n;
    const before = await tables();

    await parse(file, { splitMinBytes: 0, parts: 3 });

    expect(await tables()).toBe(before);
  });

  it('reads a file with quoted fields in parts when no line break is inside quotes', async () => {
    // Every field quoted in even rows (the first row too), the meter id holding the delimiter in odd rows.
    const lines = Array.from({ length: 3000 }, (_, i) => {
      const [meter, ...rest] = goodRow(i).split(',');
      return i % 2 ? [`"${meter},x"`, ...rest].join(',') : [meter, ...rest].map((field) => `"${field}"`).join(',');
    });

    const { full, fast } = await fullThenSplit('quoted', lines);

    expect(fast.paths).toEqual(['fast/2']);
    expect(fast.accepted).toEqual(full.accepted);
    expect(fast.rejected).toEqual(full.rejected);
  });

  it('reads like the full path a file whose stray quotes (plain characters to DuckDB) surround a quoted line break', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 6 ? 'MTR"X,2021-01-01T00:00:00Z,30,"1\n",actual"' : goodRow(i)));

    const { full, fast } = await fullThenSplit('stray-quotes', lines);

    expect(fast.rowsIn).toBe(full.rowsIn);
    expect(fast.accepted).toEqual(full.accepted);
    expect(fast.rejected).toEqual(full.rejected);
  });

  it('reads like the full path a file whose header leaves a quote open', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => (i === 2 ? 'MTR-1",2021-01-01T00:00:00Z,30,1,act"ual' : goodRow(i)));
    const file = join(env.dir, 'header-open-quote.csv');
    writeFileSync(file, `meter_id,interval_start,interval_minutes,kwh,"quality\n${lines.join('\n')}\n`);

    const full = await parse(file, { fastPath: false });
    const fast = await parse(file, { splitMinBytes: 0, parts: 2 });

    expect(fast.rowsIn).toBe(full.rowsIn);
    expect(fast.accepted).toEqual(full.accepted);
  });

  it('rejects a quoted meter id holding a line break, as the full path does', async () => {
    const { full, fast } = await fullThenSplit('quoted-line-break', [goodRow(0), '"M\n1",2021-01-01T00:00:00Z,30,1,actual', '"M\r\n2",2021-01-01T00:00:00Z,30,1,actual']);

    expect(fast.paths).toEqual(['fast/1']);
    expect(JSON.parse(fast.accepted)).toHaveLength(1);
    expect(fast.rejected).toEqual(full.rejected);
  });

  it('removes part files an hour old that a killed parse left behind, and keeps newer ones', async () => {
    const stale = join(env.dir, 'meterlake-part-stale.csv');
    const fresh = join(env.dir, 'meterlake-part-fresh.csv');
    writeFileSync(stale, HEADER);
    writeFileSync(fresh, HEADER);
    const now = Date.now();
    utimesSync(stale, new Date(now - 2 * 3600_000), new Date(now - 2 * 3600_000));

    await removeStalePartFiles(env.dir, now);

    expect([existsSync(stale), existsSync(fresh)]).toEqual([false, true]);
  });

  it.each([['default', defaultProfile], ['export-allowing', exportProfile]])('gives exactly the full path\'s accepted and rejected rows for any mix of good and malformed rows, whole or split (%s profile)', async (_name, profile) => {
    let fastWithRejects = 0;
    let splitReads = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ good: fc.integer({ min: 0, max: 1000 }), mutation: fc.option(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), { freq: 3 }) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        // A clean stretch longer than the 64 KiB the cut plan looks at puts the rows where the
        // first part's read must discover them, not plan for them.
        fc.boolean(),
        async (rows, parts, longCleanStart) => {
          const lines = rows.map(({ good, mutation }) => {
            const fields = goodRow(good).split(',');
            if (mutation !== null) MUTATIONS[mutation](fields);
            return fields.join(',');
          });
          // The first data row decides the timestamp shape; keep it plain so the fast path is tried.
          const file = join(env.dir, `mix-${parts}.csv`);
          const start = longCleanStart ? Array.from({ length: 2000 }, (_, i) => goodRow(i)) : [goodRow(0)];
          writeFileSync(file, `${HEADER}\n${start.join('\n')}\n${lines.join('\n')}\n`);

          const full = await parse(file, { fastPath: false }, profile);
          const fast = await parse(file, { splitMinBytes: 0, parts }, profile);

          expect(fast.accepted).toEqual(full.accepted);
          expect(fast.rejected).toEqual(full.rejected);
          expect(fast.rowsIn).toBe(full.rowsIn);
          if (fast.paths[0].startsWith('fast') && full.rejected !== '[]') fastWithRejects++;
          if (parts > 1 && fast.paths[0] === `fast/${parts}`) splitReads++;
        },
      ),
      { numRuns: Number(process.env.FAST_CSV_RUNS ?? 60) },
    );
    // The comparison must not only ever see the fast path give up, nor only whole-file reads.
    expect(fastWithRejects).toBeGreaterThan(5);
    expect(splitReads).toBeGreaterThan(0);
  });
});
