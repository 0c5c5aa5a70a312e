import * as path from 'node:path';
import { sqlIdent } from '../../engine/duckdb-session';
import { loadSqlTemplate, renderSql } from '../../engine/sql-template';
import type { LakePorts } from '../ports';
import { SQL_FORECAST_DIR } from './features';

/** The forecast's views (sql/forecast) and the table each reads. */
export const FORECAST_VIEWS: Readonly<Record<string, string>> = { demand_forecast_latest: 'demand_forecast' };

/** Register the forecast views whose table is registered (as a view of its own name) in the session. */
export async function registerForecastViews(ports: LakePorts, registered: readonly string[]): Promise<string[]> {
  const created: string[] = [];
  for (const [view, table] of Object.entries(FORECAST_VIEWS)) {
    if (!registered.includes(table)) continue;
    const rendered = renderSql(loadSqlTemplate(path.join(SQL_FORECAST_DIR, `${view}.sql`)), { table: (slot) => sqlIdent(slot) });
    await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(view)} AS ${rendered.sql}`);
    created.push(view);
  }
  return created;
}
