import { scratchName, sqlString } from '../../engine/duckdb-session';
import { tableFor } from '../lake-tables';
import type { LakePorts } from '../ports';
import { writeRowsAsDataFiles } from '../table-files';
import type { SettlementManifest } from './settle';
import { SETTLEMENT_RUNS } from './settlement-tables';

/** Append the settlement_runs row of a finished run (one append snapshot). */
export async function appendSettlementRun(ports: LakePorts, manifest: SettlementManifest, manifestKey: string, manifestSha256: string): Promise<void> {
  const runs = await tableFor(ports, SETTLEMENT_RUNS);
  const scratch = scratchName('settlement_run_row');
  const inputs = manifest.inputs.map((i) => `${i.table}@${i.snapshotId}`).join(',');
  const outputs = manifest.outputs.map((o) => `${o.file}:${o.rows ?? 0}`).join(',');
  await ports.session.run(`CREATE TEMP TABLE ${scratch} AS SELECT
    ${sqlString(manifest.run_id)} AS run_id, ${sqlString(manifest.month)} AS month, ${sqlString(manifest.as_of)} AS as_of,
    'succeeded' AS status, ${sqlString(inputs)} AS inputs, ${sqlString(outputs)} AS outputs, ${sqlString(manifestKey)} AS manifest_key,
    ${sqlString(manifestSha256)} AS manifest_sha256, CAST(${sqlString(manifest.settled_at)} AS TIMESTAMPTZ) AS settled_at`);
  try {
    const files = await writeRowsAsDataFiles(ports.session, ports.store, await runs.metadata(), { sourceSql: scratch });
    await runs.append(files, { 'meterlake.settlement-run': manifest.run_id });
  } finally {
    await ports.session.run(`DROP TABLE ${scratch}`);
  }
}
