/**
 * daily-commit: after every day merged. Input {"run": DailyRunRef} → `commitDailyRun` (one
 * overwrite snapshot of meter_readings, tagged daily-<date>) → CommittedDailyRun. Emits the
 * freshness metric NewestSnapshotAgeHours (age of meter_readings' newest snapshot) for the alarm.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { commitDailyRun, type CommittedDailyRun, type DailyRunRef } from '../../src/pipeline/daily-run';
import type { LakePorts } from '../../src/pipeline/ports';
import { dailyLogKeys, dailyRunRefOf } from '../commons/daily-task-input';
import { logger } from '../commons/logger';
import { metrics } from '../commons/metrics';

/** Metric name the freshness alarm watches (namespace meterlake, dimension service=meterlake). */
export const NEWEST_SNAPSHOT_AGE_METRIC = 'NewestSnapshotAgeHours';

export interface DailyCommitInput { run: DailyRunRef; executionId?: string }

/** The daily-commit handler over its dependencies. */
export function createDailyCommitHandler(deps: { readonly ports: () => Promise<LakePorts> }) {
  return async (input: DailyCommitInput, context: Context): Promise<CommittedDailyRun> => {
    logger.addContext(context);
    const run = dailyRunRefOf('daily-commit', input);
    const keys = dailyLogKeys(input, run);
    logger.appendKeys(keys);
    try {
      const committed = await commitDailyRun(await deps.ports(), run);
      logger.info('daily run committed', { ...committed, snapshotId: committed.snapshotId });
      if (committed.newestSnapshotAgeMs !== null) {
        metrics.addMetric(NEWEST_SNAPSHOT_AGE_METRIC, MetricUnit.NoUnit, committed.newestSnapshotAgeMs / 3_600_000);
        metrics.publishStoredMetrics();
      }
      return committed;
    } finally {
      logger.removeKeys(Object.keys(keys));
    }
  };
}

const environment = readEnvironment('daily-commit');
export const handler = createDailyCommitHandler({ ports: () => lakePortsFromEnvironment(environment) });
