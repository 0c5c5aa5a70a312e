/**
 * daily-merge-day: one iteration of the daily job's Map state. Input {"run": DailyRunRef,
 * "day": number} → `mergeDailyRunDay` → MergedDay (the day's files staged; nothing committed).
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { mergeDailyRunDay, type DailyRunRef, type MergedDay } from '../../src/pipeline/daily-run';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, dailyRunRefOf, InvalidTaskInputError } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface DailyMergeDayInput { run: DailyRunRef; day: number; executionId?: string }

/** The daily-merge-day handler over its dependencies. */
export function createDailyMergeDayHandler(deps: { readonly ports: () => Promise<LakePorts> }) {
  return async (input: DailyMergeDayInput, context: Context): Promise<MergedDay> => {
    logger.addContext(context);
    const run = dailyRunRefOf('daily-merge-day', input);
    const day = input.day;
    if (!Number.isInteger(day)) throw new InvalidTaskInputError('daily-merge-day', `day is ${JSON.stringify(day) ?? 'missing'}, expected a whole number of days since 1970-01-01`);
    const keys = { ...dailyLogKeys(input, run), day: String(day) };
    logger.appendKeys(keys);
    try {
      const merged = await mergeDailyRunDay(await deps.ports(), run, day);
      logger.info('day merged', { ...merged });
      return merged;
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}

const environment = readEnvironment('daily-merge-day');
export const handler = createDailyMergeDayHandler({ ports: () => lakePortsFromEnvironment(environment) });
