/**
 * The daily job as Step Functions runs it — plan → Map over the days (one merge-day invocation per
 * day, `--concurrency` at once) → commit → hooks — against the local daily run on the same lake,
 * same run: the whole `meterlake snapshot --date 2024-03-03` command (the floor).
 *
 * Each function runs in its own warm "container" (bench/lambda-container.ts: a process that loads
 * the function's handler module and keeps its DuckDB session across invocations, as Lambda keeps a
 * warm container): one for the plan, `--concurrency` for the merges (each takes the next day when
 * it finishes one, as the Map state hands items out), one for the commit, one for the hooks. The
 * containers start when their step starts, so their cold starts are in the time, as they would be.
 * Both paths run over the same local lake folder (LocalStore + FileCatalog), so the difference is the
 * job's decomposition, not storage: S3 transfer is measured by bench/lambda-ingest.ts.
 *
 * DuckDB: the command runs with its defaults (a thread per core, memory_limit 1 GB); the plan,
 * commit and hooks containers get the same; the merge containers share them: each gets cores /
 * concurrency threads (at least 1) and 1 GB / concurrency, so both paths use the same cores and
 * memory. (In AWS each merge function has its own 10 GB and 6 vCPU.) The plan's staging is written
 * to and read from the same local folder; in AWS it crosses S3, which this does not count.
 * The order of the two paths alternates from rep to rep.
 *
 * Lake: bench/daily-lake.ts at `--meters` (default 3,500 = 10.08M rows, a 0.5M-row drop over 53
 * days), built once into bench/data/lambda-merge/m<meters>/ and restored from a pristine copy
 * before every run.
 *
 * Usage: npx tsx bench/lambda-merge.ts [--meters 3500] [--concurrency 2] [--reps 2] [--rebuild]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_DUCKDB_MEMORY_LIMIT, openLocalLake } from '../src/local/local-lake';
import type { PlannedDailyRun } from '../src/pipeline/daily-run';
import { argValue, median, printTable, runTimed } from './bench-util';
import { buildDailyBenchLake, copyLake, DROP_RUN_DATE, type DailyBenchLake } from './daily-lake';

const meters = Number(argValue('--meters') ?? 3_500);
const concurrency = Number(argValue('--concurrency') ?? 2);
const reps = Number(argValue('--reps') ?? 2);
const threads = cpus().length;
const memory = DEFAULT_DUCKDB_MEMORY_LIMIT;
const mergeThreads = Math.max(1, Math.floor(threads / concurrency));
if (!/^\d+GB$/.test(memory)) throw new Error(`expected the default memory limit in GB, got ${memory}`);
const mergeMemory = `${Math.floor(parseInt(memory, 10) * 1024 / concurrency)}MB`;
const ROOT = path.resolve(__dirname, '..');
const DIR = path.join(ROOT, 'bench', 'data', 'lambda-merge', `m${meters}`);
const LAKE = path.join(DIR, 'lake');
const PRISTINE = path.join(DIR, 'pristine');
const MARKER = path.join(PRISTINE, 'BUILD.json');

/** A warm container of one or more functions, answering invocations over IPC. */
class Container {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    // A container that dies fails what it had in hand (the bench stops instead of waiting forever).
    child.on('exit', (code, signal) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`container exited (code ${code}, signal ${signal})`));
      this.pending.clear();
    });
    child.on('message', (m: { id?: number; result?: unknown; error?: { name: string; message: string } }) => {
      if (m.id === undefined) return;
      const waiting = this.pending.get(m.id)!;
      this.pending.delete(m.id);
      if (m.error) waiting.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else waiting.resolve(m.result);
    });
  }

  static start(containerThreads: number, containerMemory = memory): Promise<Container> {
    const child = fork(path.join(__dirname, 'lambda-container.ts'), ['--lake', LAKE, '--threads', String(containerThreads), '--memory', containerMemory], {
      execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new Container(child)));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`container exited with ${code} before it was ready`)));
    });
  }

  invoke<T>(fn: string, event?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, fn, event });
    });
  }

  /** Peak RSS, then the container is stopped. */
  async stop(): Promise<number> {
    const { maxRssMb } = await this.invoke<{ maxRssMb: number }>('stats');
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
    return maxRssMb;
  }
}

interface StepsRun { seconds: number; days: number; steps: Record<string, number>; peakRssMb: Record<string, number>; rows: number }

/** The state machine's steps, each function in its own container(s). */
async function runSteps(): Promise<StepsRun> {
  const t0 = performance.now();
  const steps: Record<string, number> = {};
  const peakRssMb: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const s0 = performance.now();
    const result = await work();
    steps[name] = (performance.now() - s0) / 1000;
    return result;
  };
  const executionId = `bench-${Date.now()}`;
  const planned = await step('plan', async () => {
    const c = await Container.start(threads);
    const p = await c.invoke<PlannedDailyRun>('daily-plan', { executionId, request: { runDate: DROP_RUN_DATE } });
    peakRssMb.plan = await c.stop();
    return p;
  });
  const run = { runId: planned.runId, runDate: planned.runDate, tag: planned.tag };
  let rows = 0;
  await step('merge days', async () => {
    const queue = [...planned.days];
    const merges = await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      const c = await Container.start(mergeThreads, mergeMemory);
      for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
        rows += (await c.invoke<{ rows: number }>('daily-merge-day', { run, day, executionId })).rows;
      }
      return c.stop();
    }));
    if (merges.length) peakRssMb['merge-day'] = Math.max(...merges);
  });
  for (const [name, fn] of [['commit', 'daily-commit'], ['hooks', 'daily-hooks']] as const) {
    await step(name, async () => {
      const c = await Container.start(threads);
      await c.invoke(fn, { run, executionId });
      peakRssMb[name] = await c.stop();
    });
  }
  return { seconds: (performance.now() - t0) / 1000, days: planned.days.length, steps, peakRssMb, rows };
}

/** The floor: the whole local command. */
async function runFloor(): Promise<{ seconds: number; peakRssMb: number; line: string }> {
  const run = await runTimed(process.execPath, [
    path.join(ROOT, 'scripts', 'meterlake.cjs'), '--lake', LAKE, 'snapshot', '--date', DROP_RUN_DATE,
  ]);
  return { seconds: run.wallMs / 1000, peakRssMb: run.peakRssMb, line: run.stdout.trim().split('\n').pop() ?? '' };
}

async function ensureLake(): Promise<DailyBenchLake> {
  if (process.argv.includes('--rebuild') || !existsSync(MARKER)) {
    await rm(DIR, { recursive: true, force: true });
    const lake = await openLocalLake(LAKE, { threads, memoryLimit: memory });
    let built: DailyBenchLake;
    try {
      built = await buildDailyBenchLake(lake, meters);
    } finally {
      lake.close();
    }
    await copyLake(LAKE, PRISTINE);
    await writeFile(MARKER, JSON.stringify(built, null, 2));
  }
  return JSON.parse(await readFile(MARKER, 'utf8')) as DailyBenchLake;
}

async function main(): Promise<void> {
  const built = await ensureLake();
  // Build the command now if its sources changed, so no measured run pays for the build.
  await runTimed(process.execPath, [path.join(ROOT, 'scripts', 'meterlake.cjs'), '--help']);
  const load = loadavg();
  const floor: Awaited<ReturnType<typeof runFloor>>[] = [];
  const ours: StepsRun[] = [];
  const measureFloor = async () => {
    await copyLake(PRISTINE, LAKE);
    floor.push(await runFloor());
    console.error(`floor: ${floor.at(-1)!.seconds.toFixed(2)} s — ${floor.at(-1)!.line}`);
  };
  const measureSteps = async () => {
    await copyLake(PRISTINE, LAKE);
    ours.push(await runSteps());
    console.error(`steps: ${ours.at(-1)!.seconds.toFixed(2)} s ${JSON.stringify(ours.at(-1)!.steps)}`);
  };
  for (let rep = 0; rep < reps; rep++) {
    for (const measure of rep % 2 ? [measureSteps, measureFloor] : [measureFloor, measureSteps]) await measure();
  }
  if (!ours[0].days) throw new Error('the plan found no days to merge: the lake is not in its pristine state (run with --rebuild)');
  const fS = median(floor.map((r) => r.seconds));
  const oS = median(ours.map((r) => r.seconds));
  const mergeS = median(ours.map((r) => r.steps['merge days']));
  console.log(`\n${built.shape} = ${built.baseRows.toLocaleString()} rows; drop ${built.dropTotal.toLocaleString()} rows over ${ours[0].days} days; `
    + `Map concurrency ${concurrency}, DuckDB ${threads} threads and ${memory} (floor, plan, commit, hooks), ${mergeThreads} and ${mergeMemory} per merge container; `
    + `load avg at start ${load.map((l) => l.toFixed(2)).join(' ')}\n`);
  printTable(['path', 'median s', 'x floor', 'peak RSS MB', 'runs (s)'], [
    ['floor: `meterlake snapshot` (whole command)', fS.toFixed(2), '1.00', median(floor.map((r) => r.peakRssMb)).toFixed(0), floor.map((r) => r.seconds.toFixed(2)).join(' / ')],
    ['steps: plan → Map(merge-day) → commit → hooks', oS.toFixed(2), (fS / oS).toFixed(2),
      Object.entries(ours[0].peakRssMb).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '), ours.map((r) => r.seconds.toFixed(2)).join(' / ')],
  ]);
  const stepMedians = Object.keys(ours[0].steps).map((k) => `${k} ${median(ours.map((r) => r.steps[k])).toFixed(2)} s`);
  console.log(`\nsteps (median): ${stepMedians.join(', ')}; merge per day ${(mergeS * Math.min(concurrency, ours[0].days) / ours[0].days).toFixed(2)} s of container time; ${ours[0].rows.toLocaleString()} rows merged`);
  console.log(`ratio steps/floor = ${(fS / oS).toFixed(2)} (target >= 0.9)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
