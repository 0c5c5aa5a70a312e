import type { DailyRunRef } from '../../src/pipeline/daily-run';

/** A Step Functions task input that is not what the step takes: names the field and the value. */
export class InvalidTaskInputError extends Error {
  override readonly name = 'InvalidTaskInputError';
  constructor(readonly step: string, problem: string) {
    super(`${step}: invalid task input: ${problem}`);
  }
}

const shown = (v: unknown) => JSON.stringify(v) ?? 'missing';

/** `input.run` as a DailyRunRef (the plan step's answer, passed on by the state machine). */
export function dailyRunRefOf(step: string, input: unknown): DailyRunRef {
  const run = (input as { run?: unknown } | null)?.run as Record<string, unknown> | undefined;
  if (!run || typeof run !== 'object') throw new InvalidTaskInputError(step, `run is ${shown(run)}, expected {runId, runDate, tag}`);
  for (const field of ['runId', 'runDate', 'tag'] as const) {
    if (typeof run[field] !== 'string' || !run[field]) throw new InvalidTaskInputError(step, `run.${field} is ${shown(run[field])}, expected a non-empty string`);
  }
  return { runId: run.runId as string, runDate: run.runDate as string, tag: run.tag as string };
}

/** An optional string field of the input. */
export function optionalString(step: string, input: unknown, field: string): string | undefined {
  const value = (input as Record<string, unknown> | null)?.[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidTaskInputError(step, `${field} is ${shown(value)}, expected a string`);
  return value;
}

/** Correlation keys of a daily step: the run, and the Step Functions execution when the state machine passes it. */
export function dailyLogKeys(input: unknown, run?: DailyRunRef): Record<string, string> {
  const executionId = (input as { executionId?: unknown } | null)?.executionId;
  return {
    ...(typeof executionId === 'string' ? { executionId } : {}),
    ...(run ? { runId: run.runId, tag: run.tag } : {}),
  };
}
