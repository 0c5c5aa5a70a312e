/**
 * daily-plan: first task of the daily job. Input {"executionId"?: string, "request": the
 * execution's input, {"runDate"?: "YYYY-MM-DD", "runId"?: string}} → `planDailyRun` →
 * PlannedDailyRun (the days the Map state merges).
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { planDailyRun, type PlannedDailyRun } from '../../src/pipeline/daily-run';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, InvalidTaskInputError, optionalString } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface DailyPlanRequest { runDate?: string; runId?: string }
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

const PLAN_REQUEST_FIELDS = new Set(['runDate', 'runId']);

/** The execution's input: an object of known fields only (a misspelt option is an error, not ignored). */
function dailyPlanRequestOf(input: DailyPlanInput): DailyPlanRequest {
  const request: unknown = input?.request ?? {};
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new InvalidTaskInputError('daily-plan', `request is ${JSON.stringify(request)}, expected an object`);
  }
  const unknown = Object.keys(request).filter((field) => !PLAN_REQUEST_FIELDS.has(field));
  if (unknown.length) throw new InvalidTaskInputError('daily-plan', `unknown field(s) ${unknown.join(', ')}; the execution input takes runDate and runId`);
  return request as DailyPlanRequest;
}

const environment = readEnvironment('daily-plan');
export const handler = createDailyPlanHandler({ ports: () => lakePortsFromEnvironment(environment) });
