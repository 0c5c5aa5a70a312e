/** Small helpers shared by the benches: arguments, statistics, tables, child processes. */
import { spawn } from 'node:child_process';

/** The value after `--name` on the command line, if any. */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Print a Markdown table (so results paste straight into bench/README.md). */
export function printTable(header: string[], rows: (string | number)[][]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** A child run stopped because it exceeded its time limit. */
export class ChildTimeoutError extends Error {
  override readonly name = 'ChildTimeoutError';
}

export interface ChildResult {
  /** The last line the child printed that parses as JSON. */
  result: Record<string, unknown>;
  wallMs: number;
  /** Peak RSS in MB from `/usr/bin/time -v` (includes everything the child process mapped). */
  peakRssMb: number;
}

/** A command's run under `/usr/bin/time -v`: its output, wall time and peak RSS. */
export interface TimedRun {
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Peak RSS in MB from `/usr/bin/time -v` (includes everything the process mapped). */
  peakRssMb: number;
}

/** Run a command under `/usr/bin/time -v`; a non-zero exit or a timeout rejects. */
export function runTimed(command: string, args: string[], timeoutMs = 0): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // detached: its own process group, so a timeout can stop `time` and the process under it.
    const child = spawn('/usr/bin/time', ['-v', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => { timedOut = true; process.kill(-child.pid!, 'SIGKILL'); }, timeoutMs)
      : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const shown = [command, ...args].join(' ');
      if (timedOut) {
        reject(new ChildTimeoutError(`${shown} did not finish within ${timeoutMs / 1000} s (killed)`));
        return;
      }
      if (code !== 0) {
        reject(new Error(`${shown} exited with ${code}\n${stdout}\n${stderr.slice(-4000)}`));
        return;
      }
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ stdout, stderr, wallMs: performance.now() - started, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN });
    });
  });
}

/** Run `npx tsx <script> <args…>` under `/usr/bin/time -v` and collect its JSON result line and peak RSS. */
export async function runChild(script: string, args: string[], timeoutMs = 0): Promise<ChildResult> {
  const run = await runTimed(process.execPath, ['--import', 'tsx', script, ...args], timeoutMs);
  const jsonLine = run.stdout.trim().split('\n').reverse().find((line) => line.startsWith('{'));
  if (!jsonLine) throw new Error(`${script} ${args.join(' ')} printed no JSON result\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  return { result: JSON.parse(jsonLine) as Record<string, unknown>, wallMs: run.wallMs, peakRssMb: run.peakRssMb };
}
