import { dataQualityHook } from './data-quality';
import type { AfterCommitHook } from './daily-plan';
import { goldTablesHook } from './gold';

/** The after-commit hooks of the daily run (data quality, gold tables), in the local runtime and in AWS alike. */
export function dailyHooks(): AfterCommitHook[] {
  return [dataQualityHook, goldTablesHook()];
}
