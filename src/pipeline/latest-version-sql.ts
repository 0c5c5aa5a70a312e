/**
 * The latest-version rule of meter_readings as SQL: per (meter_id, interval_start) the greatest
 * (received_at, source_file, source_row) wins, version_count adds up over every version seen and
 * first_received_at keeps the earliest.
 */
import { READING_FIELDS } from './tables';

const COLUMNS = READING_FIELDS.join(', ');
/** Window order that puts each key's winning version first. */
export const LATEST_FIRST_ORDER = 'received_at DESC, source_file DESC, source_row DESC';

/**
 * CTEs `fresh` (the new versions), `fresh_keys` and `candidates` (current rows of the touched
 * keys plus the new versions) and `ranked` (rn = 1 is each key's winner, with summed
 * version_count and the earliest first_received_at).
 */
function rankedCtes(currentView: string, newVersions: string): string {
  return `
fresh AS (SELECT ${COLUMNS} FROM ${newVersions}),
fresh_keys AS (SELECT DISTINCT meter_id, interval_start FROM fresh),
candidates AS (
  SELECT ${COLUMNS}, version_count, first_received_at FROM ${currentView} c
    SEMI JOIN fresh_keys k ON c.meter_id = k.meter_id AND c.interval_start = k.interval_start
  UNION ALL
  SELECT ${COLUMNS}, 1 AS version_count, received_at AS first_received_at FROM fresh
),
ranked AS (
  SELECT ${COLUMNS},
    CAST(sum(version_count) OVER keyed AS INTEGER) AS version_count,
    min(first_received_at) OVER keyed AS first_received_at,
    row_number() OVER (PARTITION BY meter_id, interval_start ORDER BY ${LATEST_FIRST_ORDER}) AS rn
  FROM candidates
  WINDOW keyed AS (PARTITION BY meter_id, interval_start)
)`;
}

/**
 * Latest version per reading of a current snapshot plus new versions: keys without a new version keep their row as it is (anti-join, no
 * re-deduplication); for keys with new versions the greatest (received_at, source_file,
 * source_row) among the current row and the new versions wins, version_count adds up and
 * first_received_at keeps the earliest.
 */
export function latestVersionSql(currentView: string, newVersions: string): string {
  return `
WITH __ml_winners AS (${touchedWinnersSql(currentView, newVersions)})
${withWinnersSql(currentView, '__ml_winners')}`;
}

/**
 * Only the winners of the keys that have new versions (merge-on-read): `currentView` needs to
 * hold at least the current rows of those keys; rows of other keys are ignored.
 */
export function touchedWinnersSql(currentView: string, newVersions: string): string {
  return `
WITH ${rankedCtes(currentView, newVersions)}
SELECT ${COLUMNS}, version_count, first_received_at FROM ranked WHERE rn = 1`;
}

/**
 * The day's rows once the winners of the touched keys (a table or CTE from touchedWinnersSql) are
 * known: every current row of an untouched key as it is (no re-deduplication), plus the winners.
 * The daily run's copy-on-write merge runs the two as separate statements (see rewriteDay).
 */
export function withWinnersSql(currentView: string, winners: string): string {
  return `
SELECT ${COLUMNS}, version_count, first_received_at FROM (
  SELECT c.* FROM ${currentView} c ANTI JOIN ${winners} w ON c.meter_id = w.meter_id AND c.interval_start = w.interval_start
)
UNION ALL
SELECT ${COLUMNS}, version_count, first_received_at FROM ${winners}`;
}
