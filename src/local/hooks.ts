import { dataQualityHook } from '../pipeline/data-quality';
import { goldTablesHook } from '../pipeline/gold';
import type { AfterCommitHook } from '../pipeline/snapshot';

/** The after-commit hooks of the daily run in the local runtime (data quality, gold tables). */
export function dailyHooks(): AfterCommitHook[] {
  return [dataQualityHook, goldTablesHook()];
}
