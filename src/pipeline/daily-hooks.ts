import { dataQualityHook } from './data-quality';
import type { AfterCommitHook } from './daily-plan';
import { demandForecastHook } from './forecast/demand-forecast';
import { goldTablesHook } from './gold';
import { deviceEnergyRepairHook } from './stream/repair';

/** The after-commit hooks of the daily run (data quality, gold tables, device_energy repair, demand forecast), in the local runtime and in AWS alike. */
export function dailyHooks(): AfterCommitHook[] {
  return [dataQualityHook, goldTablesHook(), deviceEnergyRepairHook, demandForecastHook()];
}
