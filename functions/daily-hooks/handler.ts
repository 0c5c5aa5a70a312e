/**
 * daily-hooks: last task of the daily job. Input {"run": DailyRunRef} → `runDailyRunHooks` with
 * the daily hooks (data quality, gold tables, demand forecast) on the run's tagged snapshot → {hooks: [...]}.
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { dailyHooks } from '../../src/pipeline/daily-hooks';
import { runDailyRunHooks, type DailyRunRef } from '../../src/pipeline/daily-run';
import type { HookOutcome } from '../../src/pipeline/daily-plan';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, dailyRunRefOf } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface DailyHooksInput { run: DailyRunRef; executionId?: string }

/** The daily-hooks handler over its dependencies. */
export function createDailyHooksHandler(deps: { readonly ports: () => Promise<LakePorts> }) {
  return async (input: DailyHooksInput, context: Context): Promise<{ hooks: { name: string; outcome: HookOutcome }[] }> => {
    logger.addContext(context);
    const run = dailyRunRefOf('daily-hooks', input);
    const keys = dailyLogKeys(input, run);
    logger.appendKeys(keys);
    try {
      const hooks = await runDailyRunHooks(await deps.ports(), run, dailyHooks());
      for (const hook of hooks) logger.info('after-commit hook ran', { hook: hook.name, outcome: hook.outcome });
      return { hooks };
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}

const environment = readEnvironment('daily-hooks');
export const handler = createDailyHooksHandler({ ports: () => lakePortsFromEnvironment(environment) });
