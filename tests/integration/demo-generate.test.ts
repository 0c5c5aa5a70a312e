import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sax from 'sax';
import initSqlJs from 'sql.js';
import { DemoAlreadyGeneratedError, DROPS_KEY, expectedReadingVersions, generateDemo, type DemoContentOptions, type DemoResult, type Drop } from '../../src/demo';

const SMALL: DemoContentOptions = { meters: 20, days: 3, seed: 5 };
const dirs: string[] = [];

function freshLake(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meterlake-demo-'));
  dirs.push(dir);
  return dir;
}

async function generate(options: DemoContentOptions): Promise<{ lakeDir: string; result: DemoResult }> {
  const lakeDir = freshLake();
  return { lakeDir, result: await generateDemo({ ...options, lakeDir }) };
}

function readingDrops(result: DemoResult, source: string): Drop[] {
  return result.drops.filter((drop) => drop.source === source && drop.kind === 'readings' && !drop.badFile);
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('generateDemo', () => {
  let small: { lakeDir: string; result: DemoResult };

  beforeAll(async () => {
    small = await generate(SMALL);
  });

  it('writes byte-identical files for the same seed', async () => {
    const again = await generate(SMALL);
    const sample = small.result.drops.filter((_, i) => i % 25 === 0);

    expect(again.result.drops.map((drop) => drop.key)).toEqual(small.result.drops.map((drop) => drop.key));
    for (const drop of sample) {
      expect(readFileSync(join(again.lakeDir, drop.key))).toEqual(readFileSync(drop.localPath));
    }
  });

  it('writes different readings for a different seed', async () => {
    const other = await generate({ ...SMALL, seed: 6 });
    const firstCsv = (result: DemoResult) => readFileSync(readingDrops(result, 'default')[0].localPath, 'utf8');

    expect(firstCsv(other.result)).not.toEqual(firstCsv(small.result));
  });

  it('returns the drop schedule sorted by arrival time and saves it as drops.json', () => {
    const times = small.result.drops.map((drop) => drop.arrivalTime.getTime());
    const saved = JSON.parse(readFileSync(join(small.lakeDir, DROPS_KEY), 'utf8')) as Array<{ key: string; arrivalTime: string }>;

    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(saved.map((drop) => [drop.key, drop.arrivalTime])).toEqual(
      small.result.drops.map((drop) => [drop.key, drop.arrivalTime.toISOString()]),
    );
  });

  it('counts as many expected rows in the drops as the expected-versions iterator yields', () => {
    const fromDrops = small.result.drops.reduce((sum, drop) => sum + (drop.expectedRows ?? 0), 0);

    expect(fromDrops).toBe(small.result.stats.readingVersions);
    expect([...expectedReadingVersions(SMALL)]).toHaveLength(fromDrops);
  });

  it('writes canonical CSV lines for every expected and bad row', () => {
    const drops = readingDrops(small.result, 'default');

    expect(drops).not.toHaveLength(0);
    for (const drop of drops) {
      const lines = readFileSync(drop.localPath, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('meter_id,interval_start,interval_minutes,kwh,quality');
      expect(lines.length - 1).toBe((drop.expectedRows ?? 0) + (drop.badRows ?? 0));
    }
  });

  it('writes expected versions exactly as the CSV rows say', () => {
    const csvDrop = readingDrops(small.result, 'default')[0];
    const lines = readFileSync(csvDrop.localPath, 'utf8').trimEnd().split('\n').slice(1);
    const expected = [...expectedReadingVersions(SMALL)].filter((row) => row.source_file === csvDrop.key);

    expect(expected).toHaveLength(csvDrop.expectedRows ?? -1);
    for (const row of expected) {
      expect(lines[row.source_row - 1]).toBe(
        `${row.meter_id},${row.interval_start},${row.interval_minutes},${row.kwh.toFixed(3)},${row.quality}`,
      );
    }
  });

  it('writes Octopus split JSON documents, one meterpoint per file', () => {
    const drops = readingDrops(small.result, 'octopus');

    expect(drops).not.toHaveLength(0);
    for (const drop of drops) {
      const doc = JSON.parse(readFileSync(drop.localPath, 'utf8')) as { columns: string[]; data: unknown[][] };
      expect(doc.columns).toEqual(['interval_start', 'consumption_delta', 'meterpoint_id']);
      expect(doc.data).toHaveLength((drop.expectedRows ?? 0) + (drop.badRows ?? 0));
      expect(new Set(doc.data.map((entry) => entry[2])).size).toBe(1);
    }
  });

  it('writes namespaced ESPI Green Button feeds that a strict XML parser reads', () => {
    const drops = readingDrops(small.result, 'greenbutton');

    expect(drops).not.toHaveLength(0);
    for (const drop of drops) {
      let intervalReadings = 0;
      let readingTypeUom = '';
      let element = '';
      const parser = sax.parser(true, { xmlns: true });
      parser.onopentag = (tag) => {
        const node = tag as sax.QualifiedTag;
        element = node.local;
        if (node.local === 'IntervalReading' && node.uri === 'http://naesb.org/espi') intervalReadings++;
      };
      parser.onclosetag = () => {
        element = '';
      };
      parser.ontext = (text) => {
        if (element === 'uom') readingTypeUom = text;
      };
      parser.onerror = (error) => {
        throw new Error(`${drop.key}: ${error.message}`);
      };
      parser.write(readFileSync(drop.localPath, 'utf8')).close();

      expect(intervalReadings).toBe((drop.expectedRows ?? 0) + (drop.badRows ?? 0));
      expect(readingTypeUom).toBe('72');
    }
  });

  it('plants one malformed file a day and bad rows in the readings', () => {
    const badFiles = small.result.drops.filter((drop) => drop.badFile);

    expect(badFiles.map((drop) => drop.badFile)).toEqual(['wrong-header', 'empty-file', 'unparseable-xml']);
    expect(small.result.stats.badRows).toBeGreaterThan(0);
    expect(readFileSync(badFiles[1].localPath)).toHaveLength(0);
  });

  it('writes the reference data as a SQLite database matching the returned objects', async () => {
    const last = small.result.drops.filter((drop) => drop.kind === 'reference').at(-1) as Drop;
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(last.localPath));
    const rows = (sql: string) => db.exec(sql)[0]?.values ?? [];

    expect(rows('SELECT count(*) FROM meterpoint')).toEqual([[small.result.reference.meterpoints.length]]);
    expect(rows('SELECT product_id, display_name, is_variable FROM product ORDER BY id')).toEqual(
      small.result.reference.products.map((p) => [p.product_id, p.display_name, p.is_variable ? 1 : 0]),
    );
    expect(rows('SELECT agreement_id, agreement_valid_from, agreement_valid_to, product_id, meterpoint_id, account_id FROM agreement ORDER BY agreement_id')).toEqual(
      [...small.result.reference.agreements]
        .sort((a, b) => a.agreement_id - b.agreement_id)
        .map((a) => [a.agreement_id, a.agreement_valid_from, a.agreement_valid_to, a.product_id, a.meterpoint_id, a.account_id]),
    );
    db.close();
  });

  it('lists a reference drop at midnight before the first readings', () => {
    const first = small.result.drops[0];

    expect([first.kind, first.key, first.arrivalTime.toISOString()]).toEqual([
      'reference',
      'landing/octopus/reference/reference-2021-02-27.sqlite',
      '2021-02-27T00:00:00.000Z',
    ]);
  });

  it('reports progress up to the number of files', async () => {
    const calls: Array<[number, number]> = [];

    const result = await generateDemo({ ...SMALL, days: 1, recentDays: 0, lakeDir: freshLake(), onProgress: (done, total) => calls.push([done, total]) });

    expect(calls.at(-1)).toEqual([result.drops.length, result.drops.length]);
    expect(calls.every(([done, total]) => done <= total)).toBe(true);
  });
});

describe('generateDemo across the autumn clock change', () => {
  it('sends the repeated London hour of an Octopus meter in one file, earlier instant first', async () => {
    const { result } = await generate({ ...SMALL, endDate: '2021-10-31', recentDays: 1, correctionShare: 0, gapShare: 0, badRowsPerSourceDay: 0 });
    const octopus = result.meters.find((meter) => meter.source === 'octopus' && meter.firstDelivery <= '2021-10-29');
    const files = readingDrops(result, 'octopus').filter((drop) => drop.key.includes(`/2021-10-31/${octopus?.meterId}-`));
    const withRepeat = files
      .map((drop) => (JSON.parse(readFileSync(drop.localPath, 'utf8')) as { data: [string, number, string][] }).data.map((entry) => entry[0]))
      .filter((times) => times.includes('2021-10-31 01:00:00'));
    const expected = [...expectedReadingVersions({ ...SMALL, endDate: '2021-10-31', recentDays: 1, correctionShare: 0, gapShare: 0, badRowsPerSourceDay: 0 })]
      .filter((row) => row.meter_id === octopus?.meterId && row.interval_start >= '2021-10-31T00:00:00Z' && row.interval_start < '2021-10-31T02:00:00Z')
      .map((row) => row.interval_start);

    expect(withRepeat).toEqual([['2021-10-31 01:00:00', '2021-10-31 01:30:00', '2021-10-31 01:00:00', '2021-10-31 01:30:00']]);
    expect(expected).toEqual(['2021-10-31T00:00:00Z', '2021-10-31T00:30:00Z', '2021-10-31T01:00:00Z', '2021-10-31T01:30:00Z']);
  });

  it('keeps both occurrences in order in a daily Octopus file', async () => {
    const { result } = await generate({ ...SMALL, endDate: '2021-11-01', recentDays: 0, correctionShare: 0, gapShare: 0, badRowsPerSourceDay: 0 });
    const drop = readingDrops(result, 'octopus').find((d) => d.key.includes('/2021-10-31/')) as Drop;
    const times = (JSON.parse(readFileSync(drop.localPath, 'utf8')) as { data: [string, number, string][] }).data.map((entry) => entry[0]);

    expect(times.slice(0, 6)).toEqual([
      '2021-10-31 01:00:00', '2021-10-31 01:30:00', '2021-10-31 01:00:00', '2021-10-31 01:30:00', '2021-10-31 02:00:00', '2021-10-31 02:30:00',
    ]);
  });
});

test('generating into a lake that already holds a demo data set is refused and overwrites nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meterlake-demo-twice-'));
  try {
    const first = await generateDemo({ lakeDir: dir, seed: 1, meters: 4, days: 2, recentDays: 1 });
    const before = readFileSync(join(dir, first.drops[0].key));
    await expect(generateDemo({ lakeDir: dir, seed: 2, meters: 3, days: 2, recentDays: 1 })).rejects.toBeInstanceOf(DemoAlreadyGeneratedError);
    expect(readFileSync(join(dir, first.drops[0].key))).toEqual(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
