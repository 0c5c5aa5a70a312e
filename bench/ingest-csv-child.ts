/**
 * One measured run of bench/ingest-csv.ts, in its own fresh process (so peak RSS is this run's alone).
 * Prints one JSON line: { mode, rows, seconds, maxRssMb, stages?, statements? }.
 *
 *   floor  <csv> <outDir> [threads] [memoryLimit]   DuckDB COPY (SELECT * FROM read_csv(explicit types)) TO parquet zstd
 *   ours   <csv> <lakeDir> [threads] [memoryLimit]  ingestObject + commitBatches of landing/default/readings/<csv name>
 *   stages <csv> <lakeDir> [threads] [memoryLimit]  the same work step by step (parse, write history, write rejects,
 *                                                   commit), timing every SQL statement and sampling RSS per stage
 *   command <csv> <lakeDir> [-] [memoryLimit]       the whole `meterlake ingest <csv>` in a fresh lake, as a user runs
 *                                                   it: wall time from starting the process to its exit
 * memoryLimit '-' = DuckDB's default (80% of RAM; the lake gets 'none', overriding its 1GB default). The lake's DuckDB
 * temp directory is <lakeDir>/.tmp/duckdb.
 */
import { spawnSync } from 'node:child_process';
import { link, mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDbSession, sqlString, sqlIdent } from '../src/engine/duckdb-session';
import { dropRejectedTable, parseReadingsFileInto, REJECTED_COLUMNS } from '../src/formats';
import { openLocalLake } from '../src/local/local-lake';
import { commitBatches } from '../src/pipeline/commit';
import { batchIdOf, historyFilesSink, ingestObject, type CommitRequest, type LandedObject } from '../src/pipeline/ingest';
import { tableLayout } from '../src/pipeline/lake-tables';
import { READINGS_HISTORY, REJECTED_READINGS } from '../src/pipeline/tables';
import { writeRowsAsDataFiles } from '../src/pipeline/table-files';

const [mode, csv, workDir, threadsArg, memoryArg] = process.argv.slice(2);
const threads = threadsArg ? Number(threadsArg) : undefined;
/** '-' = DuckDB's default (no limit of ours): the floor's session gets none, the lake gets 'none'. */
const memoryLimit = memoryArg && memoryArg !== '-' ? memoryArg : undefined;

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Samples RSS every 50 ms and keeps the peak per named stage. */
class RssSampler {
  private stage = 'start';
  private readonly peaks = new Map<string, number>();
  private readonly timer = setInterval(() => this.sample(), 50);

  enter(stage: string): void {
    this.sample();
    this.stage = stage;
    this.sample();
  }

  private sample(): void {
    const rss = process.memoryUsage.rss() / 1024 / 1024;
    this.peaks.set(this.stage, Math.max(this.peaks.get(this.stage) ?? 0, rss));
  }

  stop(): Record<string, number> {
    this.sample();
    clearInterval(this.timer);
    return Object.fromEntries([...this.peaks].map(([k, v]) => [k, Math.round(v)]));
  }
}

/** Wrap session.run/all/scalar so every statement's time is recorded (first 90 characters of its SQL). */
function timeStatements(session: DuckDbSession): { sql: string; ms: number }[] {
  const log: { sql: string; ms: number }[] = [];
  for (const method of ['run', 'all', 'scalar'] as const) {
    const original = session[method].bind(session) as (sql: string, params?: unknown) => Promise<unknown>;
    (session as unknown as Record<string, unknown>)[method] = async (sql: string, params?: unknown) => {
      const t0 = performance.now();
      try {
        return await original(sql, params);
      } finally {
        log.push({ sql: sql.replace(/\s+/g, ' ').trim().slice(0, 90), ms: Math.round(performance.now() - t0) });
      }
    };
  }
  return log;
}

async function floor(): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const session = await DuckDbSession.create({ threads, memoryLimit, tempDirectory: path.join(workDir, 'duckdb-tmp') });
  const out = path.join(workDir, 'floor.parquet');
  const columns = `{'meter_id': 'VARCHAR', 'interval_start': 'TIMESTAMPTZ', 'interval_minutes': 'INTEGER', 'kwh': 'DOUBLE', 'quality': 'VARCHAR'}`;
  const t0 = performance.now();
  await session.run(
    `COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true, auto_detect = false, columns = ${columns})) ` +
      `TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  const seconds = (performance.now() - t0) / 1000;
  const rows = Number(await session.scalar(`SELECT num_rows FROM parquet_file_metadata(${sqlString(out)})`));
  session.close();
  await rm(workDir, { recursive: true, force: true });
  console.log(JSON.stringify({ mode, rows, seconds, maxRssMb: maxRssMb() }));
}

/** A fresh lake with the CSV hard-linked in as a landing object (no 600 MB copy). */
async function landedLake() {
  await rm(workDir, { recursive: true, force: true });
  const lake = await openLocalLake(workDir, { threads, memoryLimit: memoryLimit ?? 'none' });
  const key = `landing/default/readings/${path.basename(csv)}`;
  await mkdir(path.dirname(lake.store.localPath(key)!), { recursive: true });
  await link(csv, lake.store.localPath(key)!);
  // The ETag an S3 event would carry; the local runtime's MD5 of the file is not part of ingest.
  const event: LandedObject = { bucket: 'local', key, etag: 'bench', arrivalTime: new Date('2024-01-04T06:00:00Z') };
  return { lake, event };
}

async function ours(): Promise<void> {
  const { lake, event } = await landedLake();
  const t0 = performance.now();
  const request = await ingestObject(lake, event);
  const ingestSeconds = (performance.now() - t0) / 1000;
  const summary = await commitBatches(lake, [request]);
  const seconds = (performance.now() - t0) / 1000;
  lake.close();
  await rm(workDir, { recursive: true, force: true });
  console.log(JSON.stringify({
    mode, rows: request.rowsIn, accepted: request.accepted, rejected: request.rejected, status: request.status,
    committed: summary.committed.length, files: request.historyFiles.length, seconds, ingestSeconds, maxRssMb: maxRssMb(),
  }));
}

async function stages(): Promise<void> {
  const { lake, event } = await landedLake();
  const statements = timeStatements(lake.session);
  const rss = new RssSampler();
  const times: Record<string, number> = {};
  const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    rss.enter(name);
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      times[name] = (performance.now() - t0) / 1000;
    }
  };
  const history = await tableLayout(lake, READINGS_HISTORY);
  const rejectedLayout = await tableLayout(lake, REJECTED_READINGS);
  const profile = lake.profiles.get('default')!;
  const batchId = batchIdOf(event);
  const mark = statements.length;
  // The sink ingestObject uses: the parse streams straight into history files (in parts on a large file).
  const historySink = historyFilesSink(lake, history);
  const parsed = await stage('parse+validate+write readings_history files (parseReadingsFileInto)', () =>
    parseReadingsFileInto(lake.session, lake.store.localPath(event.key)!, profile, {
      source: 'default', sourceFile: event.key, batchId, receivedAt: event.arrivalTime,
    }, historySink));
  const parseStatements = statements.slice(mark).filter((s) => s.ms >= 50);
  const select = (table: string, columns: readonly string[]) => `SELECT ${columns.map(sqlIdent).join(', ')} FROM ${table}`;
  const historyFiles = parsed.written;
  const rejectedFiles = await stage('write rejected_readings files', async () => parsed.rejected > 0
    ? writeRowsAsDataFiles(lake.session, lake.store, rejectedLayout, { sourceSql: select(parsed.rejectedTable, REJECTED_COLUMNS), expectSinglePartition: true })
    : []);
  await stage('drop temp tables', () => dropRejectedTable(lake.session, parsed));
  const request: CommitRequest = {
    batchId, source: 'default', key: event.key, receivedAt: event.arrivalTime.toISOString(), status: 'ingested',
    rowsIn: parsed.rowsIn, accepted: parsed.accepted, rejected: parsed.rejected, historyFiles, rejectedFiles,
  };
  await stage('commitBatches', () => commitBatches(lake, [request]));
  const peaks = rss.stop();
  lake.close();
  await rm(workDir, { recursive: true, force: true });
  const seconds = Object.values(times).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    mode, rows: parsed.rowsIn, accepted: parsed.accepted, rejected: parsed.rejected, seconds, maxRssMb: maxRssMb(),
    stages: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { seconds: v, peakRssMb: peaks[k] }])),
    parseStatements,
  }));
}

/** `meterlake ingest <csv>` as its own process (the lake's default memory limit unless one is given). */
async function command(): Promise<void> {
  await rm(workDir, { recursive: true, force: true });
  const cli = path.resolve(__dirname, '..', 'scripts', 'meterlake.cjs');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (memoryArg) env.METERLAKE_DUCKDB_MEMORY_LIMIT = memoryLimit ?? 'none';
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [cli, '--lake', workDir, 'ingest', csv], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  await rm(workDir, { recursive: true, force: true });
  const rows = /rows in: (\d+)/.exec(run.stdout)?.[1];
  if (run.status !== 0 || !rows) throw new Error(`meterlake ingest exited with ${run.status}\n${run.stdout}\n${run.stderr}`);
  const accepted = /accepted: (\d+)/.exec(run.stdout)?.[1];
  console.log(JSON.stringify({ mode, rows: Number(rows), accepted: Number(accepted), seconds }));
}

const modes: Record<string, () => Promise<void>> = { floor, ours, stages, command };
if (!modes[mode] || !csv || !workDir) {
  console.error('usage: ingest-csv-child.ts floor|ours|stages|command <csv> <workDir> [threads] [memoryLimit|-]');
  process.exit(2);
}
modes[mode]().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
