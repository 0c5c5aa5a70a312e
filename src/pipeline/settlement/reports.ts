/** The settlement reports: which SQL each runs and the columns of its files. */
import * as path from 'node:path';
import { SQL_ROOT, loadSqlTemplates, type SqlTemplate } from '../../engine/sql-template';
import { drSettlementRows } from './dr';
import type { SettlementReport } from './report-files';

const kwh = (name: string) => ({ name, type: 'kwh' as const });

/** Energy settlement: per period, per meter, and the missing intervals behind the counts. */
export const ENERGY_REPORTS: readonly SettlementReport[] = [
  {
    name: 'energy_periods',
    columns: [
      { name: 'partner', type: 'text' }, { name: 'settlement_day', type: 'date' }, { name: 'period', type: 'int' },
      { name: 'period_start', type: 'timestamp' }, kwh('kwh_total'), kwh('kwh_actual'), kwh('kwh_estimated'), kwh('kwh_substituted'),
      { name: 'meters_expected', type: 'int' }, { name: 'meters_reporting', type: 'int' }, { name: 'meters_missing', type: 'int' },
    ],
  },
  {
    name: 'energy_meters',
    columns: [
      { name: 'partner', type: 'text' }, { name: 'meter_id', type: 'text' },
      kwh('kwh_total'), kwh('kwh_actual'), kwh('kwh_estimated'), kwh('kwh_substituted'),
      { name: 'periods_expected', type: 'int' }, { name: 'periods_reported', type: 'int' }, { name: 'periods_missing', type: 'int' },
    ],
  },
  {
    name: 'energy_missing',
    columns: [
      { name: 'partner', type: 'text' }, { name: 'meter_id', type: 'text' }, { name: 'settlement_day', type: 'date' },
      { name: 'period', type: 'int' }, { name: 'period_start', type: 'timestamp' }, { name: 'covered_minutes', type: 'int' },
    ],
  },
];

/** Demand-response settlement: one row per event and enrolled meter. */
export const DR_REPORTS: readonly SettlementReport[] = [
  {
    name: 'dr_settlement',
    sql: 'dr_meter_hours',
    derive: (rows) => drSettlementRows(rows),
    columns: [
      { name: 'event_id', type: 'text' }, { name: 'program', type: 'text' }, { name: 'partner', type: 'text' },
      { name: 'event_day', type: 'date' }, { name: 'start_hour', type: 'int' }, { name: 'end_hour', type: 'int' },
      { name: 'meter_id', type: 'text' }, { name: 'baseline_days', type: 'int' },
      kwh('kwh_baseline_unadjusted'), { name: 'adjustment_ratio', type: 'price' }, kwh('kwh_baseline'), kwh('kwh_actual'),
      kwh('kwh_reduction'), { name: 'price_per_kwh', type: 'price' }, { name: 'payment', type: 'money' },
      { name: 'status', type: 'text' },
    ],
  },
];

/** The settlement's own views (settlement/views): each computed once per run and shared by the reports. */
export function settlementOwnViews(sqlRoot = SQL_ROOT): string[] {
  return [...loadSqlTemplates(path.join(sqlRoot, 'settlement', 'views')).keys()];
}

/**
 * The views the settlement SQL may read: the analysts' (`views/`) and the settlement's own
 * (`settlement/views/`) under a SQL root — the repository's, or a run's stored copy when verifying.
 */
export function settlementViews(sqlRoot = SQL_ROOT): Map<string, SqlTemplate> {
  return new Map([...loadSqlTemplates(path.join(sqlRoot, 'views')), ...loadSqlTemplates(path.join(sqlRoot, 'settlement', 'views'))]);
}
