/**
 * daily-plan: first task of the daily job. Input {"executionId"?: string, "request"?: the
 * execution's input, {"runDate"?: "YYYY-MM-DD", "runId"?: string, "Comment"?: any}} →
 * `planDailyRun` → PlannedDailyRun (the days the Map state merges). `Comment` is the Step
 * Functions console's default input and is ignored; any other field is refused.
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { planDailyRun, type PlannedDailyRun } from '../../src/pipeline/daily-run';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, InvalidTaskInputError, optionalString } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface DailyPlanRequest { runDate?: string; runId?: string; Comment?: unknown }
export interface DailyPlanInput { request?: DailyPlanRequest; executionId?: string }

/** The daily-plan handler over its dependencies. */
export function createDailyPlanHandler(deps: { readonly ports: () => Promise<LakePorts> }) {
  return async (input: DailyPlanInput, context: Context): Promise<PlannedDailyRun> => {
    logger.addContext(context);
    const keys = dailyLogKeys(input);
    logger.appendKeys(keys);
    try {
      const request = dailyPlanRequestOf(input);
      const runDate = optionalString('daily-plan', request, 'runDate');
      const runId = optionalString('daily-plan', request, 'runId');
      const planned = await planDailyRun(await deps.ports(), { ...(runDate ? { runDate } : {}), ...(runId ? { runId } : {}) });
      logger.info('daily run planned', { ...planned, runId: planned.runId, tag: planned.tag, days: planned.days.length });
      return planned;
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}

const PLAN_INPUT_FIELDS = ['executionId', 'request'];
const PLAN_REQUEST_FIELDS = ['runDate', 'runId', 'Comment'];

/** An object holding only `known` fields (a misspelt option is an error, never ignored). */
function objectOfKnownFields(value: unknown, what: string, known: string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTaskInputError('daily-plan', `${what} is ${JSON.stringify(value) ?? 'missing'}, expected an object`);
  }
  const unknown = Object.keys(value).filter((field) => !known.includes(field));
  if (unknown.length) throw new InvalidTaskInputError('daily-plan', `unknown field(s) ${unknown.join(', ')} in ${what}; it takes ${known.join(', ')}`);
  return value as Record<string, unknown>;
}

/** The execution's input, from the task input the state machine builds. */
function dailyPlanRequestOf(input: DailyPlanInput): DailyPlanRequest {
  const task = objectOfKnownFields(input, 'the task input', PLAN_INPUT_FIELDS);
  return objectOfKnownFields('request' in task ? task.request : {}, 'the execution input', PLAN_REQUEST_FIELDS) as DailyPlanRequest;
}

const environment = readEnvironment('daily-plan');
export const handler = createDailyPlanHandler({ ports: () => lakePortsFromEnvironment(environment) });
