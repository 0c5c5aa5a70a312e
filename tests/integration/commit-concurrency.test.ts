import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { commitBatches } from '../../src/pipeline/commit';
import { ingestObject } from '../../src/pipeline/ingest';
import { landLocalFile } from '../../src/local/landing';
import type { LocalLake } from '../../src/local/local-lake';
import { freshLocalLakePerTest } from '../helpers/fresh-local-lake';
import { registerLakeTables } from '../../src/local/tables-view';

let lake: LocalLake;
freshLocalLakePerTest((l) => { lake = l; }, () => lake, 'meterlake-commit-race-');

test('two committers racing with the same batch: the loser re-checks the new base and appends nothing twice', async () => {
  const file = path.join(lake.tempDir, 'x.csv');
  await writeFile(file, 'meter_id,interval_start,interval_minutes,kwh,quality\nA,2021-01-01T00:00:00Z,30,0.5,actual\nA,2021-01-01T00:30:00Z,30,oops,actual\n');
  const event = await landLocalFile(lake, file, 'landing/default/readings');
  // Two workers each parsed the same delivery: same batch id, data files of their own.
  const requests = [await ingestObject(lake, event), await ingestObject(lake, event)];
  const summaries = await Promise.all(requests.map((r) => commitBatches(lake, [r])));
  await registerLakeTables(lake);
  const count = async (table: string) => Number((await lake.session.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  expect([await count('readings_history'), await count('rejected_readings'), await count('ingest_log')]).toEqual([1, 1, 1]);
  expect(summaries.map((s) => s.committed.length).sort()).toEqual([0, 1]);
});
