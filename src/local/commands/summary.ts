import { openTable } from '../../catalog/open-table';
import { currentSnapshot } from '../../iceberg/table-metadata';
import type { TableMetadata } from '../../iceberg/types';
import { formatRows } from '../format-rows';
import type { IngestTotals } from '../landing';
import type { LocalLake } from '../local-lake';
import { registerAllTables } from '../tables-view';
import { out } from './support';

/** One line of ingest totals, plus the first quarantined files. */
export function printTotals(t: IngestTotals): void {
  out(`objects ingested: ${t.objects}  rows in: ${t.rowsIn}  accepted: ${t.accepted}  rejected: ${t.rejected}  quarantined files: ${t.quarantined.length}${t.duplicates ? `  already committed (skipped): ${t.duplicates}` : ''}`);
  const shown = t.quarantined.slice(0, 5);
  for (const q of shown) out(`  quarantined ${q.key} → ${q.quarantineKey} (${q.reason})`);
  if (t.quarantined.length > shown.length) out(`  … and ${t.quarantined.length - shown.length} more (SELECT * FROM ingest_log WHERE status = 'quarantined')`);
}

/** A table's line in the summary: its snapshots, live rows, data and delete files at the current snapshot. */
export function tableSummaryRow(name: string, metadata: TableMetadata) {
  const summary = currentSnapshot(metadata)?.summary;
  // Live rows: each position delete we write removes one live row (merge-on-read daily days).
  const live = Number(summary?.['total-records'] ?? 0) - Number(summary?.['total-position-deletes'] ?? 0);
  return {
    table: name, snapshots: metadata.snapshots.length, rows: live,
    data_files: summary?.['total-data-files'] ?? '0', delete_files: summary?.['total-delete-files'] ?? '0',
  };
}

/** Tables, snapshots, rows by outcome: what `npm start` prints at the end. */
export async function printLakeSummary(lake: LocalLake): Promise<void> {
  const tables = await registerAllTables(lake);
  const rows = [];
  for (const name of tables) {
    rows.push(tableSummaryRow(name, await openTable(lake.catalog, name, lake.io).metadata()));
  }
  out('\nTables');
  out(formatRows(rows, 'table'));
  if (tables.includes('rejected_readings')) {
    out('\nRejected rows by reason');
    out(formatRows(await lake.session.all('SELECT reason, count(*) AS rows FROM rejected_readings GROUP BY reason ORDER BY rows DESC, reason'), 'table'));
  }
  if (tables.includes('ingest_log')) {
    const q = await lake.session.all(
      `SELECT split_part(reason, ':', 1) AS reason, count(*) AS files, min(quarantine_key) AS example FROM ingest_log WHERE status = 'quarantined' GROUP BY 1 ORDER BY files DESC, reason`,
    );
    out('\nQuarantined files by reason');
    out(q.length ? formatRows(q, 'table') : 'none');
  }
}

/** A few rows of each gold table (the analytics tables the daily run rebuilds). */
export async function printGoldSamples(lake: LocalLake, rows = 3): Promise<void> {
  const gold = (await lake.catalog.listTables()).filter((t) => t.startsWith('gold_'));
  for (const name of gold) {
    out(`\n${name} (sample)`);
    out(formatRows(await lake.session.all(`SELECT * FROM ${name} LIMIT ${rows}`), 'table'));
  }
}
