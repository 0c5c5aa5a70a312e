/**
 * daily-plan: first task of the daily job. Input {"runDate"?: "YYYY-MM-DD", "runId"?: string,
 * "executionId"?: string} → `planDailyRun` → PlannedDailyRun (the days the Map state merges).
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { planDailyRun, type PlannedDailyRun } from '../../src/pipeline/daily-run';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, optionalString } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface DailyPlanInput { runDate?: string; runId?: string; executionId?: string }

/** The daily-plan handler over its dependencies. */
export function createDailyPlanHandler(deps: { readonly ports: () => Promise<LakePorts> }) {
  return async (input: DailyPlanInput, context: Context): Promise<PlannedDailyRun> => {
    logger.addContext(context);
    const keys = dailyLogKeys(input);
    logger.appendKeys(keys);
    try {
      const runDate = optionalString('daily-plan', input, 'runDate');
      const runId = optionalString('daily-plan', input, 'runId');
      const planned = await planDailyRun(await deps.ports(), { ...(runDate ? { runDate } : {}), ...(runId ? { runId } : {}) });
      logger.info('daily run planned', { ...planned, runId: planned.runId, tag: planned.tag, days: planned.days.length });
      return planned;
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}

const environment = readEnvironment('daily-plan');
export const handler = createDailyPlanHandler({ ports: () => lakePortsFromEnvironment(environment) });
