import { sqlString, scratchName } from '../engine/duckdb-session';
import type { Predicate } from '../iceberg/expressions';
import { tableFor } from './lake-tables';
import type { AfterCommitContext, AfterCommitHook, HookOutcome } from './snapshot';
import { DATA_QUALITY } from './tables';
import { registerTableView, writeRowsAsDataFiles } from './table-files';

/**
 * After-commit hook of the daily run: recompute the data quality summary of the days the run
 * changed (per source and day: expected vs received intervals, estimated share, corrections),
 * replacing those days' rows in one overwrite snapshot.
 */
export const dataQualityHook: AfterCommitHook = {
  name: 'data_quality',
  async run(ctx: AfterCommitContext): Promise<HookOutcome> {
    if (!ctx.days.length) return 'unchanged';
    const { ports } = ctx;
    const table = await tableFor(ports, DATA_QUALITY);
    const readings = scratchName('dq_readings');
    // Plan only the changed days' partitions: the rest of the table is not read.
    const filter: Predicate = {
      op: 'or',
      args: ctx.days.map((d) => ({
        op: 'and',
        args: [
          { op: 'gte', field: 'interval_start', value: new Date(d * 86_400_000) },
          { op: 'lt', field: 'interval_start', value: new Date((d + 1) * 86_400_000) },
        ],
      })),
    };
    await registerTableView(ports.session, ports.store, ctx.meterReadings, readings, { snapshot: { snapshotId: ctx.snapshot['snapshot-id'] }, filter });
    const days = ctx.days.map((d) => `DATE '${new Date(d * 86_400_000).toISOString().slice(0, 10)}'`).join(', ');
    const rows = scratchName('dq_rows');
    await ports.session.run(`CREATE TEMP TABLE ${rows} AS
      WITH per_meter AS (
        SELECT source, CAST(interval_start AS DATE) AS day, meter_id,
          max(1440 / interval_minutes) AS expected, count(*) AS received,
          count(*) FILTER (WHERE quality <> 'actual') AS estimated, sum(version_count - 1) AS corrections
        FROM ${readings} WHERE CAST(interval_start AS DATE) IN (${days})
        GROUP BY ALL
      )
      SELECT source, day, CAST(count(*) AS INTEGER) AS meters, CAST(sum(expected) AS BIGINT) AS expected_intervals,
        CAST(sum(received) AS BIGINT) AS received_intervals, CAST(greatest(sum(expected) - sum(received), 0) AS BIGINT) AS missing_intervals,
        sum(estimated) / sum(received) AS estimated_share, CAST(sum(corrections) AS BIGINT) AS corrections, ${sqlString(ctx.tag)} AS tag
      FROM per_meter GROUP BY ALL`);
    try {
      const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: rows });
      const changed = new Set(ctx.days);
      await table.commit({
        operation: 'overwrite', addDataFiles: files,
        removeWhere: (f) => changed.has(f.partition.day as number),
        summary: { 'meterlake.tag': ctx.tag },
      });
      return 'rebuilt';
    } finally {
      await ports.session.run(`DROP TABLE ${rows}; DROP VIEW IF EXISTS ${readings}`);
    }
  },
};
