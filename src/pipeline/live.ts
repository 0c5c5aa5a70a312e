import { sqlIdent, scratchName } from '../engine/duckdb-session';
import { createScanView } from '../engine/snapshot-view';
import { fileMayMatch, type Predicate } from '../iceberg/expressions';
import { currentSchema } from '../iceberg/table-metadata';
import { tableFor } from './lake-tables';
import type { LakePorts } from './ports';
import { latestVersionSql } from './latest-version-sql';
import { newHistoryTasks, planDailySnapshot } from './snapshot';
import { METER_READINGS, READINGS_HISTORY } from './tables';
import { localPathResolver, registerTableView } from './table-files';

/**
 * meter_readings_live: the latest daily snapshot plus the history rows committed after it (the
 * files appended since the snapshot the last run consumed), latest version per reading — what
 * the dashboard shows between daily runs. Same columns as meter_readings.
 */
export async function registerLiveView(ports: LakePorts, viewName: string, filter?: Predicate): Promise<{ pendingFiles: number }> {
  const history = await tableFor(ports, READINGS_HISTORY);
  const meterReadings = await tableFor(ports, METER_READINGS);
  const plan = await planDailySnapshot(history, meterReadings);
  const current = scratchName('live_snapshot');
  const pending = scratchName('live_pending');
  await registerTableView(ports.session, ports.store, meterReadings, current, plan.meterReadingsSnapshotId === null ? { filter } : { snapshot: { snapshotId: plan.meterReadingsSnapshotId }, filter });
  const historyMeta = await history.metadata();
  const schema = currentSchema(historyMeta);
  const tasks = (await newHistoryTasks(history, historyMeta, plan)).filter((t) => !filter || fileMayMatch(filter, schema, t.dataFile));
  await createScanView(ports.session, pending, schema, tasks, localPathResolver(ports.store, ports.tempDir));
  await ports.session.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(viewName)} AS ${latestVersionSql(current, pending)}`);
  return { pendingFiles: tasks.length };
}
