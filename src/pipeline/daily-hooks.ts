import { dataQualityHook } from './data-quality';
import type { AfterCommitHook } from './daily-plan';
import { demandForecastHook } from './forecast/demand-forecast';
import { goldTablesHook } from './gold';

/** The after-commit hooks of the daily run (data quality, gold tables, demand forecast), in the local runtime and in AWS alike. */
export function dailyHooks(): AfterCommitHook[] {
  return [dataQualityHook, goldTablesHook(), demandForecastHook()];
}
