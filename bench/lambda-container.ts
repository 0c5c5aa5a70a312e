/**
 * One warm "Lambda container" of the daily job for bench/lambda-merge.ts: a process that imports
 * the functions' handler modules (functions/daily-*) and answers invocations sent over IPC with the
 * handler built over a local lake's ports — built on the first invocation and reused, as the
 * deployed handler reuses its container's DuckDB session. Reports its peak RSS when asked.
 *
 * Messages in: {id, fn, event} | {id, fn: 'stats'}; out: {id, result} | {id, error}.
 */
import type { Context } from 'aws-lambda';
import { openLocalLake, type LocalLake } from '../src/local/local-lake';
import type { LakePorts } from '../src/pipeline/ports';
import { argValue } from './bench-util';

const lakeDir = argValue('--lake')!;
const threads = Number(argValue('--threads'));
const memoryLimit = argValue('--memory')!;

// The handler modules read their environment at import (a cold start); these satisfy it, and the
// handlers below are built over the local lake instead of the AWS adapters.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1', METERLAKE_LAKE_BUCKET: 'bench', METERLAKE_GLUE_DATABASE: 'meterlake',
  POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true',
});

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const FACTORIES: Record<string, () => Promise<(deps: { ports: () => Promise<LakePorts> }) => Handler>> = {
  'daily-plan': async () => (await import('../functions/daily-plan/handler')).createDailyPlanHandler as never,
  'daily-merge-day': async () => (await import('../functions/daily-merge-day/handler')).createDailyMergeDayHandler as never,
  'daily-commit': async () => (await import('../functions/daily-commit/handler')).createDailyCommitHandler as never,
  'daily-hooks': async () => (await import('../functions/daily-hooks/handler')).createDailyHooksHandler as never,
};

let lake: Promise<LocalLake> | undefined;
const handlers = new Map<string, Handler>();
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;

async function invoke(fn: string, event: unknown): Promise<unknown> {
  let handler = handlers.get(fn);
  if (!handler) {
    const factory = FACTORIES[fn];
    if (!factory) throw new Error(`unknown function ${fn}; known: ${Object.keys(FACTORIES).join(', ')}`);
    handler = (await factory())({ ports: () => (lake ??= openLocalLake(lakeDir, { threads, memoryLimit })) });
    handlers.set(fn, handler);
  }
  return handler(event, context);
}

process.on('message', (message: { id: number; fn: string; event?: unknown }) => {
  const answer = message.fn === 'stats'
    ? Promise.resolve({ maxRssMb: process.resourceUsage().maxRSS / 1024 })
    : invoke(message.fn, message.event);
  answer.then(
    (result) => process.send!({ id: message.id, result }),
    (error: Error) => process.send!({ id: message.id, error: { name: error.name, message: error.message, stack: error.stack } }),
  );
});
process.on('disconnect', () => {
  const closed = lake ? lake.then((l) => l.close()) : Promise.resolve();
  void closed.finally(() => process.exit(0));
});
process.send!({ ready: true });
