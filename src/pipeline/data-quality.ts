import { sqlString, scratchName } from '../engine/duckdb-session';
import { createScanView } from '../engine/snapshot-view';
import { currentSchema } from '../iceberg/table-metadata';
import type { Predicate } from '../iceberg/expressions';
import { tableFor } from './lake-tables';
import { tagCurrentSnapshot } from './maintenance/tag-policy';
import { newHistoryTasks, type AfterCommitContext, type AfterCommitHook, type HookOutcome } from './snapshot';
import { DATA_QUALITY, READINGS_HISTORY } from './tables';
import { localPathResolver, registerTableView, writeRowsAsDataFiles } from './table-files';

/**
 * After-commit hook of the daily run: recompute the data quality summary of the days the run
 * changed (per source and day: expected vs received intervals, estimated share, corrections,
 * duplicate rows), replacing those days' rows in one overwrite snapshot.
 */
export const dataQualityHook: AfterCommitHook = {
  name: 'data_quality',
  async run(ctx: AfterCommitContext): Promise<HookOutcome> {
    const { ports } = ctx;
    const table = await tableFor(ports, DATA_QUALITY);
    // No day changed: the summary stands; it takes the run's tag so that time travel to the tag finds it.
    if (!ctx.days.length) return (await tagCurrentSnapshot(table, ctx.tag)) ? 'tagged' : 'unchanged';
    const readings = scratchName('dq_readings');
    const history = scratchName('dq_history');
    const previous = scratchName('dq_previous');
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
    // Duplicates are versions of their own, so they are counted in readings_history — but only in
    // the files this run consumed (a file is committed whole, so all its rows are there), added to
    // what the day's row already holds: each file is consumed by exactly one run, so the sum is
    // exact without re-reading the whole history, which grows with every drop.
    const historyTable = await tableFor(ports, READINGS_HISTORY);
    const historyMeta = await historyTable.metadata();
    const newTasks = await newHistoryTasks(historyTable, historyMeta, ctx.plan);
    await createScanView(ports.session, history, currentSchema(historyMeta), newTasks, localPathResolver(ports.store, ports.tempDir));
    await registerTableView(ports.session, ports.store, table, previous);
    const days = ctx.days.map((d) => `DATE '${new Date(d * 86_400_000).toISOString().slice(0, 10)}'`).join(', ');
    const rows = scratchName('dq_rows');
    await ports.session.run(`CREATE TEMP TABLE ${rows} AS
      WITH duplicates AS (
        SELECT source, day, sum(copies) AS duplicate_rows FROM (
          SELECT source, day, coalesce(duplicate_rows, 0) AS copies FROM ${previous} WHERE day IN (${days})
          UNION ALL
          SELECT source, CAST(interval_start AS DATE) AS day, count(*) - 1 AS copies
          FROM ${history} WHERE CAST(interval_start AS DATE) IN (${days})
          GROUP BY source, source_file, meter_id, interval_start, interval_minutes, kwh, quality
          HAVING count(*) > 1
        ) GROUP BY ALL
      ),
      per_meter AS (
        SELECT source, CAST(interval_start AS DATE) AS day, meter_id,
          max(1440 / interval_minutes) AS expected, count(*) AS received,
          count(*) FILTER (WHERE quality <> 'actual') AS estimated, sum(version_count - 1) AS corrections
        FROM ${readings} WHERE CAST(interval_start AS DATE) IN (${days})
        GROUP BY ALL
      )
      SELECT p.source, p.day, CAST(count(*) AS INTEGER) AS meters, CAST(sum(expected) AS BIGINT) AS expected_intervals,
        CAST(sum(received) AS BIGINT) AS received_intervals, CAST(greatest(sum(expected) - sum(received), 0) AS BIGINT) AS missing_intervals,
        sum(estimated) / sum(received) AS estimated_share, CAST(sum(corrections) AS BIGINT) AS corrections, ${sqlString(ctx.tag)} AS tag,
        CAST(coalesce(any_value(d.duplicate_rows), 0) AS BIGINT) AS duplicate_rows
      FROM per_meter p LEFT JOIN duplicates d ON d.source = p.source AND d.day = p.day
      GROUP BY p.source, p.day
      -- Sorted, so the same data gives the same file bytes on every rebuild.
      ORDER BY p.day, p.source`);
    try {
      const files = await writeRowsAsDataFiles(ports.session, ports.store, await table.metadata(), { sourceSql: rows });
      const changed = new Set(ctx.days);
      await table.commit({
        operation: 'overwrite', addDataFiles: files,
        removeWhere: (f) => changed.has(f.partition.day as number),
        summary: { 'meterlake.tag': ctx.tag },
      });
      await tagCurrentSnapshot(table, ctx.tag);
      return 'rebuilt';
    } finally {
      await ports.session.run(`DROP TABLE ${rows}; DROP VIEW IF EXISTS ${readings}; DROP VIEW IF EXISTS ${history}; DROP VIEW IF EXISTS ${previous}`);
    }
  },
};
