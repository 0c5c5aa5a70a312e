/**
 * CSV ingest throughput and peak memory against the floor, each run in a fresh child process.
 *
 * Generates a canonical CSV (meter_id,interval_start,interval_minutes,kwh,quality; 35,000 meters,
 * 15-minute intervals, ISO timestamps with `Z`, ~2% corrections appended) with DuckDB COPY into
 * bench/data/, then runs, per size:
 *   floor          DuckDB COPY (SELECT * FROM read_csv(explicit types)) TO parquet zstd
 *   ours           ingestObject + commitBatches of the file as landing/default/readings/<file> in a fresh lake
 *   ours, 1GB      the same with DuckDbSession memory_limit 1GB (temp directory in the lake's .tmp/)
 *   stages         the same work step by step, with per-stage time, per-stage peak RSS and the slow SQL statements
 *   command        the whole `meterlake ingest <file>` in a fresh lake, as its own process: wall time from
 *                  start to exit (process start, module loading, copying the file into landing/ with its
 *                  MD5, the ingest, the commit); --no-command leaves it out
 * Peak RSS is `/usr/bin/time -v` "Maximum resident set size" of the child (for `command`, the largest of
 * the child and the command's process).
 *
 * With --quoted every field of the file is quoted (as spreadsheet exports write CSV).
 *
 * Usage: npx tsx bench/ingest-csv.ts [--rows 10000000[,33000000]] [--reps 1] [--memory -,1GB]
 *                                    [--threads <n>] [--no-stages] [--no-command] [--timeout-min 10] [--quoted]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { argValue, ChildTimeoutError, median, printTable, runChild, type ChildResult } from './bench-util';
import { generateReadingsCsv } from './readings-csv';

const sizes = (argValue('--rows') ?? '10000000').split(',').map(Number);
const reps = Number(argValue('--reps') ?? 1);
const memories = (argValue('--memory') ?? '-,1GB').split(',');
const threads = argValue('--threads') ?? '';
const withStages = !process.argv.includes('--no-stages');
const withCommand = !process.argv.includes('--no-command');
const quoted = process.argv.includes('--quoted');
const timeoutMs = Number(argValue('--timeout-min') ?? 10) * 60_000;
const dataDir = path.resolve(__dirname, 'data');
const child = path.resolve(__dirname, 'ingest-csv-child.ts');
type Row = (string | number)[];

async function measure(label: string, args: string[]): Promise<ChildResult | string> {
  try {
    const r = await runChild(child, args, timeoutMs);
    console.error(`  ${label}: ${Number(r.result.seconds).toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    return r;
  } catch (error) {
    const text = error instanceof ChildTimeoutError ? error.message : `failed: ${(error as Error).message.slice(0, 2000)}`;
    console.error(`  ${label}: ${text}`);
    return text.split('\n')[0];
  }
}

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  // Build the command now if its sources changed, so no measured run pays for the build.
  if (withCommand) execFileSync(process.execPath, [path.resolve(__dirname, '..', 'scripts', 'cli-build.cjs')], { stdio: 'inherit' });
  const stageReports: string[] = [];
  for (const rows of sizes) {
    const csv = await generateReadingsCsv(dataDir, rows, { quoted });
    const mb = (await stat(csv)).size / 1e6;
    const runs = new Map<string, ChildResult[]>();
    const failures = new Map<string, string>();
    const add = (label: string, r: ChildResult | string) => {
      if (typeof r === 'string') failures.set(label, r);
      else runs.set(label, [...(runs.get(label) ?? []), r]);
    };
    console.error(`${path.basename(csv)}: ${rows.toLocaleString()} rows, ${mb.toFixed(0)} MB`);
    for (let rep = 0; rep < reps; rep++) {
      // Alternate floor and ours within each repetition.
      add('floor', await measure('floor', ['floor', csv, path.join(dataDir, 'work-floor'), threads, '-']));
      for (const memory of memories) {
        const label = memory === '-' ? 'ours' : `ours, memory_limit ${memory}`;
        if (failures.has(label)) continue;
        add(label, await measure(label, ['ours', csv, path.join(dataDir, 'work-lake'), threads, memory]));
      }
      if (withCommand) {
        for (const memory of memories) {
          const label = `whole command: meterlake ingest${memory === '-' ? ', memory_limit none' : `, memory_limit ${memory}`}`;
          if (failures.has(label)) continue;
          add(label, await measure(label, ['command', csv, path.join(dataDir, 'work-command'), '', memory]));
        }
      }
    }
    if (withStages) {
      for (const memory of memories) {
        const label = memory === '-' ? 'stages' : `stages, memory_limit ${memory}`;
        const r = await measure(label, ['stages', csv, path.join(dataDir, 'work-lake'), threads, memory]);
        if (typeof r === 'string') { failures.set(label, r); continue; }
        add(label, r);
        stageReports.push(stageReport(`${rows.toLocaleString()} rows, ${label}`, r));
      }
    }

    const floorRuns = runs.get('floor') ?? [];
    const floorSeconds = median(floorRuns.map((r) => Number(r.result.seconds)));
    const table: Row[] = [];
    for (const [label, rs] of runs) {
      const seconds = median(rs.map((r) => Number(r.result.seconds)));
      table.push([
        label, rs.length, Number(rs[0].result.rows).toLocaleString(), seconds.toFixed(1), (rows / seconds / 1e3).toFixed(0),
        floorRuns.length ? (floorSeconds / seconds).toFixed(2) : 'n/a',
        Math.max(...rs.map((r) => r.peakRssMb)).toFixed(0), rs.map((r) => Number(r.result.seconds).toFixed(1)).join(' / '),
      ]);
    }
    for (const [label, why] of failures) table.push([label, 0, '-', '-', '-', '-', '-', why]);
    console.log(`\n### ${rows.toLocaleString()} rows, ${mb.toFixed(0)} MB CSV (threads ${threads || 'default'})\n`);
    printTable(['path', 'runs', 'rows', 'median s', 'k rows/s', 'x floor', 'peak RSS MB', 'runs (s)'], table);
  }
  for (const report of stageReports) console.log(report);
}

/** Per-stage time and peak RSS, plus the SQL statements of the parse that took ≥ 0.5 s. */
function stageReport(title: string, r: ChildResult): string {
  const stages = r.result.stages as Record<string, { seconds: number; peakRssMb: number }>;
  const total = Number(r.result.seconds);
  const lines = [`\n### Stages: ${title} (total ${total.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB)\n`,
    '| stage | s | share | peak RSS MB (sampled) |', '|---|---|---|---|'];
  for (const [name, s] of Object.entries(stages)) {
    lines.push(`| ${name} | ${s.seconds.toFixed(1)} | ${((100 * s.seconds) / total).toFixed(0)}% | ${s.peakRssMb} |`);
  }
  const statements = (r.result.parseStatements as { sql: string; ms: number }[]).filter((s) => s.ms >= 500);
  if (statements.length) {
    lines.push('', 'slow statements inside parse+validate:', '', '| s | statement (start) |', '|---|---|');
    for (const s of statements) lines.push(`| ${(s.ms / 1000).toFixed(1)} | \`${s.sql.replaceAll('|', '\\|')}\` |`);
  }
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
