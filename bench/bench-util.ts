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

/** Run `npx tsx <script> <args…>` under `/usr/bin/time -v` and collect its JSON result line and peak RSS. */
export function runChild(script: string, args: string[], timeoutMs = 0): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // detached: its own process group, so a timeout can stop `time` and the node process under it.
    const child = spawn('/usr/bin/time', ['-v', process.execPath, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => { timedOut = true; process.kill(-child.pid!, 'SIGKILL'); }, timeoutMs)
      : undefined;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new ChildTimeoutError(`${script} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s (killed)`));
        return;
      }
      const wallMs = performance.now() - started;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const jsonLine = out.trim().split('\n').reverse().find((line) => line.startsWith('{'));
      if (code !== 0 || !jsonLine) {
        reject(new Error(`${script} ${args.join(' ')} exited with ${code}\n${out}\n${err.slice(-4000)}`));
        return;
      }
      resolve({ result: JSON.parse(jsonLine) as Record<string, unknown>, wallMs, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN });
    });
  });
}
