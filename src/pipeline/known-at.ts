import { sqlIdent, scratchName } from '../engine/duckdb-session';
import type { Predicate } from '../iceberg/expressions';
import { tableFor } from './lake-tables';
import { LATEST_FIRST_ORDER } from './latest-version-sql';
import type { LakePorts } from './ports';
import { READINGS_HISTORY, READING_FIELDS } from './tables';
import { registerTableView } from './table-files';

/**
 * "As known at T": the latest version per reading among the history rows received at or before
 * T, rebuilt from readings_history alone — what meter_readings would have been with exactly
 * that knowledge. Same columns as meter_readings (without version_count and first_received_at
 * when `versionStats` is false). With `filter`, only history files that may hold matching rows are
 * read (the caller still filters the rows).
 */
export async function registerKnownAtView(ports: LakePorts, viewName: string, knownAtMs: number, opts: { versionStats?: boolean; filter?: Predicate } = {}): Promise<void> {
  const { filter } = opts;
  const history = scratchName('history_all');
  await registerTableView(ports.session, ports.store, await tableFor(ports, READINGS_HISTORY), history, { filter });
  const cols = READING_FIELDS.join(', ');
  if (opts.versionStats === false) {
    // Only the latest versions' own columns: one window instead of three (the forecast's features).
    await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(viewName)} AS
      SELECT ${cols} FROM ${history}
      WHERE received_at <= make_timestamptz(${Math.round(knownAtMs * 1000)}::BIGINT)
      QUALIFY row_number() OVER (PARTITION BY meter_id, interval_start ORDER BY ${LATEST_FIRST_ORDER}) = 1`);
    return;
  }
  await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(viewName)} AS
    SELECT ${cols}, version_count, first_received_at FROM (
      SELECT ${cols},
        CAST(count(*) OVER keyed AS INTEGER) AS version_count,
        min(received_at) OVER keyed AS first_received_at,
        row_number() OVER (PARTITION BY meter_id, interval_start ORDER BY ${LATEST_FIRST_ORDER}) AS rn
      FROM ${history}
      WHERE received_at <= make_timestamptz(${Math.round(knownAtMs * 1000)}::BIGINT)
      WINDOW keyed AS (PARTITION BY meter_id, interval_start)
    ) WHERE rn = 1`);
}
