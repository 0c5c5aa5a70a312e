/**
 * Where the time of the CSV parse goes: captures the accepted-rows SQL that parseUtilityCsv
 * streams into its sink for a canonical CSV, then times reading it (no write) with one ingredient
 * removed at a time, next to a typed read_csv of the same file and the floor's COPY to Parquet.
 * Same session, alternating, so the ratios hold on a busy box.
 *
 * Usage: npx tsx bench/validate-breakdown.ts <csv> [--threads 2]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbSession, sqlString } from '../src/engine/duckdb-session';
import { dropRejectedTable, loadSourceProfiles, parseReadingsFileInto } from '../src/formats';
import { argValue, printTable } from './bench-util';

const csv = process.argv[2];
const threads = Number(argValue('--threads') ?? 2);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meterlake-bench-validate-'));
  const session = await DuckDbSession.create({ threads, tempDirectory: path.join(dir, 'tmp') });
  const profile = loadSourceProfiles().get('default')!;
  const columns = `{'meter_id': 'VARCHAR', 'interval_start': 'TIMESTAMPTZ', 'interval_minutes': 'INTEGER', 'kwh': 'DOUBLE', 'quality': 'VARCHAR'}`;
  const typedRead = `read_csv(${sqlString(csv)}, header = true, auto_detect = false, columns = ${columns})`;
  const aggregate = (from: string) => `SELECT count(*), max(meter_id), max(interval_start), max(interval_minutes), max(kwh), max(quality) FROM ${from}`;

  // The real parse, with a sink that aggregates instead of writing (and keeps the SQL it was given).
  let acceptedSql = '';
  const t0 = performance.now();
  const parsed = await parseReadingsFileInto(session, csv, profile, {
    source: 'default', sourceFile: 'landing/default/readings/bench.csv', batchId: 'b', receivedAt: new Date('2024-01-04T06:00:00Z'),
  }, {
    async write(sql) {
      acceptedSql = sql;
      return { result: null, rows: Number(await session.scalar(`SELECT count(*) FROM (${sql})`)) };
    },
    async discard() {},
  });
  const parseMs = performance.now() - t0;
  await dropRejectedTable(session, parsed);

  // The parse dropped its reject counter; the variants need one.
  const counter = /nextval\('([^']+)'\)/.exec(acceptedSql)![1];
  await session.run(`CREATE TEMP SEQUENCE ${counter} START 1`);
  const noRegexp = (sql: string) => sql.replace(`regexp_matches(meter_id, '[[:cntrl:]]')`, 'false');
  const variants: [string, string][] = [
    ['reference: typed read_csv, no validation', aggregate(typedRead)],
    ['accepted rows as streamed (text read + numbering + every check)', aggregate(`(${acceptedSql})`)],
    ["accepted rows without regexp_matches(meter_id, '[[:cntrl:]]')", aggregate(`(${noRegexp(acceptedSql)})`)],
    ['floor: COPY typed read_csv TO parquet', `COPY (SELECT * FROM ${typedRead}) TO ${sqlString(path.join(dir, 'f.parquet'))} (FORMAT parquet, COMPRESSION zstd)`],
    ['COPY accepted rows TO parquet', `COPY (${acceptedSql}) TO ${sqlString(path.join(dir, 'a.parquet'))} (FORMAT parquet, COMPRESSION zstd)`],
  ];
  const rows: (string | number)[][] = [];
  for (const [label, sql] of variants) {
    const t = performance.now();
    await session.run(sql);
    rows.push([label, ((performance.now() - t) / 1000).toFixed(2)]);
  }
  console.log(`parse of ${path.basename(csv)} into a counting sink: ${(parseMs / 1000).toFixed(1)} s (${parsed.accepted} accepted, ${parsed.rejected} rejected)\n`);
  printTable(['variant', 's'], rows);
  session.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
