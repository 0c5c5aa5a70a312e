/**
 * A daily tag names what one run left behind: meter_readings and every table the run wrote
 * (data_quality, snapshot_log, gold). Time travel to the tag reads each of them as that run left it,
 * and a table the run did not write is an error, never another run's output.
 */
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { dataQualityHook } from '../../src/pipeline/data-quality';
import { tableFor } from '../../src/pipeline/lake-tables';
import { DailyTagPlacedError, runDailySnapshot } from '../../src/pipeline/snapshot';
import { METER_READINGS } from '../../src/pipeline/tables';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../../src/local/landing';
import type { LocalLake } from '../../src/local/local-lake';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';
import { queryLake } from '../../src/local/query-lake';

let lake: LocalLake;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-as-of-run-');

async function ingestDay(day: string): Promise<void> {
  const file = path.join(lake.tempDir, `readings-${day}.csv`);
  await writeFile(file, `meter_id,interval_start,interval_minutes,kwh,quality\nM1,${day}T00:00:00Z,30,0.5,actual\nM1,${day}T00:30:00Z,30,0.25,actual\n`);
  await ingestAndCommit(lake, [await landLocalFile(lake, file, 'landing/default/readings')], emptyTotals());
}

const at = async (sql: string, tag: string) => queryLake(lake, sql, { asOf: { ref: tag } });

test('the tables a run wrote read at its tag as that run left them', async () => {
  for (const day of ['2021-01-01', '2021-01-02']) {
    await ingestDay(day);
    await runDailySnapshot(lake, { runDate: day, hooks: [dataQualityHook] });
  }
  const quality = await at('SELECT strftime(max(day), \'%Y-%m-%d\') AS newest FROM data_quality', 'daily-2021-01-02');
  const log = await at('SELECT list(tag ORDER BY tag) AS tags FROM snapshot_log', 'daily-2021-01-02');
  const earlier = await at('SELECT count(*)::INTEGER AS rows FROM data_quality', 'daily-2021-01-01');
  expect([quality[0].newest, log[0].tags, earlier[0].rows]).toEqual(['2021-01-02', ['daily-2021-01-01', 'daily-2021-01-02'], 1]);
});

test('a table other runs tagged but this run did not write is an error at this run\'s tag', async () => {
  await ingestDay('2021-01-01');
  await runDailySnapshot(lake, { runDate: '2021-01-01' });
  await ingestDay('2021-01-02');
  await runDailySnapshot(lake, { runDate: '2021-01-02', hooks: [dataQualityHook] });
  await expect(at('SELECT count(*) FROM data_quality', 'daily-2021-01-01')).rejects.toThrow(/data_quality has no tag 'daily-2021-01-01'/);
});

test('a run for a date whose tag is placed, with new readings waiting, is refused and moves no tag', async () => {
  await ingestDay('2021-01-01');
  const first = await runDailySnapshot(lake, { runDate: '2021-01-01' });
  await ingestDay('2021-01-02');
  await expect(runDailySnapshot(lake, { runDate: '2021-01-01' })).rejects.toBeInstanceOf(DailyTagPlacedError);
  const refs = (await (await tableFor(lake, METER_READINGS)).metadata()).refs;
  expect(refs['daily-2021-01-01']['snapshot-id']).toBe(first.snapshot!['snapshot-id']);
});
