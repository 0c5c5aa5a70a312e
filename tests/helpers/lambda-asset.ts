import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SynthesizedFunction } from './synthesized-assets';

/** A handler's answer: its result, or the error it threw (its name is Step Functions' error type). */
export type InvokeOutcome<R = unknown> = { result: R; error?: undefined } | { result?: undefined; error: { name: string; message: string; phase: 'init' | 'invoke' } };

/** What the runner reports once the module is loaded (or failed to load). */
export interface ColdStart {
  /** The error of the module's top-level code (a Lambda init error), if any. */
  readonly error?: { name: string; message: string };
  /** Where `require('@duckdb/node-api')` resolves from the asset folder. */
  readonly duckDbResolvedFrom?: string;
}

/** One warm "container" of a bundled function: a Node child process that loaded its index.js once. */
export interface LambdaContainer {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves when the module's top-level code has run (Lambda's init phase). */
  readonly coldStart: Promise<ColdStart>;
  invoke<R = unknown>(event: unknown): Promise<InvokeOutcome<R>>;
  /** The child's stdout and stderr so far (the function's logs). */
  logs(): string;
  /** SIGKILL, as when Lambda's sandbox dies mid-invocation; resolves once the process is gone. */
  kill(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartContainerOptions {
  /**
   * What CloudFormation resolves at deploy time, by variable name: used only for the function's
   * variables whose template value is a reference (a bucket's Ref, a queue's URL).
   */
  readonly deployed: Record<string, string>;
  /** What Lambda (or the test) adds: region, credentials, endpoints, log level. */
  readonly environment: Record<string, string>;
  /** A temp folder outside the repository: the child's cwd, HOME and TMPDIR live under it. */
  readonly workDir: string;
}

/**
 * The runner, plain JavaScript: loads the handler module at start (as Lambda's init phase does),
 * reports where @duckdb/node-api resolves from, then answers invocations one at a time over IPC
 * with a Lambda-like context.
 */
const RUNNER = `'use strict';
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const [assetDir, handlerName] = process.argv.slice(2);
const [file, exported] = handlerName.split('.');
const errorOf = (e) => ({ name: (e && e.name) || 'Error', message: (e && e.message) || String(e) });
let handler;
let initError;
try {
  handler = require(path.join(assetDir, file + '.js'))[exported];
  if (typeof handler !== 'function') throw Object.assign(new Error(handlerName + ' is not a function'), { name: 'Runtime.HandlerNotFound' });
} catch (e) {
  initError = errorOf(e);
}
let duckDbResolvedFrom;
try { duckDbResolvedFrom = require.resolve('@duckdb/node-api', { paths: [assetDir] }); } catch { /* reported as undefined */ }
process.send({ type: 'cold-start', error: initError, duckDbResolvedFrom });
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
process.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  if (initError) return process.send({ type: 'outcome', id: message.id, error: { ...initError, phase: 'init' } });
  const deadline = Date.now() + 15 * 60_000;
  const context = {
    functionName, functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + functionName,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, awsRequestId: randomUUID(), logGroupName: '/aws/lambda/' + functionName,
    logStreamName: 'local', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined, fail: () => undefined, succeed: () => undefined,
  };
  try {
    const result = await handler(message.event, context);
    process.send({ type: 'outcome', id: message.id, result: result === undefined ? null : result });
  } catch (e) {
    process.send({ type: 'outcome', id: message.id, error: { ...errorOf(e), phase: 'invoke' } });
  }
});
`;

const KEPT_LOG_CHARS = 200_000;

/**
 * Starts a "container" for a synthesized function: `node` running the runner in a fresh process
 * whose cwd, HOME and TMPDIR are in `workDir` (outside the repository, so nothing resolves from
 * its node_modules), NODE_PATH the layers' nodejs/node_modules (Lambda's /opt/nodejs/node_modules),
 * the environment the template gives the function plus `options.environment`, and no inherited
 * variables or execArgv (jest's own stay out).
 */
export function startContainer(fn: SynthesizedFunction, options: StartContainerOptions): LambdaContainer {
  const home = mkdtempSync(path.join(options.workDir, `${fn.name}-`));
  const tmp = path.join(home, 'tmp');
  mkdirSync(tmp);
  const runner = path.join(home, 'runner.cjs');
  writeFileSync(runner, RUNNER);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmp,
    NODE_PATH: fn.layerDirs.map((dir) => path.join(dir, 'nodejs', 'node_modules')).join(path.delimiter),
    AWS_LAMBDA_FUNCTION_NAME: `meterlake-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    LAMBDA_TASK_ROOT: fn.assetDir,
    ...Object.fromEntries(Object.entries(fn.environment).map(([name, value]) => [name, value.startsWith('<ref:') ? (options.deployed[name] ?? value) : value])),
    ...options.environment,
  };
  const unresolved = Object.entries(env).filter(([, value]) => value.startsWith('<ref:'));
  if (unresolved.length) throw new Error(`${fn.name}: no value for ${unresolved.map(([k, v]) => `${k} (${v})`).join(', ')}`);

  const child: ChildProcess = fork(runner, [fn.assetDir, fn.handler], { cwd: home, env, execArgv: [], silent: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_LOG_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const pending = new Map<number, (outcome: InvokeOutcome) => void>();
  let nextId = 0;
  let announceColdStart: (coldStart: ColdStart) => void = () => undefined;
  const coldStart = new Promise<ColdStart>((resolve) => (announceColdStart = resolve));
  child.on('message', (message: { type: string; id?: number; result?: unknown; error?: InvokeOutcome['error']; duckDbResolvedFrom?: string }) => {
    if (message.type === 'cold-start') announceColdStart({ error: message.error, duckDbResolvedFrom: message.duckDbResolvedFrom });
    if (message.type === 'outcome') {
      const settle = pending.get(message.id!);
      pending.delete(message.id!);
      settle?.(message.error ? { error: message.error } : { result: message.result });
    }
  });
  // A dead container fails what it had in hand, as Lambda reports Runtime.ExitError.
  void exited.then(({ code, signal }) => {
    const error = { name: 'Runtime.ExitError', message: `${fn.name} exited (code ${code}, signal ${signal}); logs:\n${output.slice(-4000)}`, phase: 'invoke' as const };
    announceColdStart({ error });
    for (const settle of pending.values()) settle({ error });
    pending.clear();
  });

  let queue: Promise<void> = Promise.resolve();
  const send = <R>(event: unknown) => new Promise<InvokeOutcome<R>>((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ error: { name: 'Runtime.ExitError', message: `${fn.name} is not running`, phase: 'invoke' } });
      return;
    }
    const id = nextId++;
    pending.set(id, resolve as (outcome: InvokeOutcome) => void);
    child.send({ type: 'invoke', id, event }, (error) => {
      if (error && pending.delete(id)) reject(error);
    });
  });

  return {
    name: fn.name,
    pid: child.pid,
    coldStart,
    exited,
    logs: () => output,
    // One invocation at a time, as a Lambda execution environment runs them.
    invoke: <R>(event: unknown) => {
      const turn = queue.then(() => send<R>(event));
      queue = turn.then(() => undefined, () => undefined);
      return turn;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The result of an invocation that must succeed; a failure throws with the function's logs. */
export async function resultOf<R>(container: LambdaContainer, event: unknown): Promise<R> {
  const outcome = await container.invoke<R>(event);
  if (outcome.error) {
    throw new Error(`${container.name} failed (${outcome.error.phase}): ${outcome.error.name}: ${outcome.error.message}\n--- logs ---\n${container.logs().slice(-6000)}`);
  }
  return outcome.result as R;
}
