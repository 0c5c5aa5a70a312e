import { openTable } from '../../catalog/open-table';
import { currentSnapshot } from '../../iceberg/table-metadata';
import type { TableMetadata } from '../../iceberg/types';
import { formatRows } from '../format-rows';
import type { IngestTotals } from '../landing';
import type { LocalLake } from '../local-lake';
import { registerLakeTables } from '../tables-view';
import { out } from './support';

/** A count as the summary prints it: grouped by thousands (8,002,380). */
export const formatCount = (n: number | bigint): string => n.toLocaleString('en-US');

/** Decimals of every fractional number the summary prints (kWh to the watt-hour). */
export const SUMMARY_DECIMALS = 3;

/** Rows as the summary prints them: counts grouped by thousands, fractions to SUMMARY_DECIMALS decimals. */
export function readableRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const readable = (v: unknown): unknown => {
    if (typeof v === 'bigint') return formatCount(v);
    if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? formatCount(v) : v.toFixed(SUMMARY_DECIMALS);
    return v;
  };
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, readable(v)])));
}

/** The ingest totals line: each count names the table it matches. */
export function totalsLine(t: IngestTotals): string {
  const reference = t.referenceDrops ? `  reference rows: ${formatCount(t.referenceRows)} (${formatCount(t.referenceDrops)} drops)` : '';
  return `objects ingested: ${formatCount(t.objects)}  rows in: ${formatCount(t.rowsIn)}  readings accepted (→ readings_history): ${formatCount(t.accepted)}${reference}` +
    `  rejected (→ rejected_readings): ${formatCount(t.rejected)}  quarantined files: ${formatCount(t.quarantined.length)}` +
    `${t.duplicates ? `  already committed (skipped): ${formatCount(t.duplicates)}` : ''}`;
}

/** One line of ingest totals, plus the first quarantined files. */
export function printTotals(t: IngestTotals): void {
  out(totalsLine(t));
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

/** The daily tags meter_readings holds, oldest first. */
export function dailyTags(metadata: TableMetadata): string[] {
  return Object.keys(metadata.refs).filter((name) => name.startsWith('daily-')).sort();
}

/** How many daily tags meter_readings holds, and the first and last. */
export function dailyTagsLine(tags: string[]): string {
  if (!tags.length) return 'daily tags on meter_readings: none yet';
  return `daily tags on meter_readings: ${formatCount(tags.length)}, ${tags[0]}${tags.length > 1 ? ` … ${tags.at(-1)}` : ''}`;
}

/** Tables, snapshots, rows by outcome: what `npm start` prints at the end. */
export async function printLakeSummary(lake: LocalLake): Promise<void> {
  const tables = await registerLakeTables(lake);
  const rows = [];
  for (const name of tables) {
    rows.push(tableSummaryRow(name, await openTable(lake.catalog, name, lake.io).metadata()));
  }
  out('\nTables (live rows at the current snapshot)');
  out(formatRows(readableRows(rows), 'table'));
  if (tables.includes('rejected_readings')) {
    out('\nRejected rows by reason');
    out(formatRows(readableRows(await lake.session.all('SELECT reason, count(*) AS rows FROM rejected_readings GROUP BY reason ORDER BY rows DESC, reason')), 'table'));
  }
  if (tables.includes('ingest_log')) {
    const q = await lake.session.all(
      `SELECT split_part(reason, ':', 1) AS reason, count(*) AS files, min(quarantine_key) AS example FROM ingest_log WHERE status = 'quarantined' GROUP BY 1 ORDER BY files DESC, reason`,
    );
    out('\nQuarantined files by reason');
    out(q.length ? formatRows(readableRows(q), 'table') : 'none');
  }
}

/** A few rows of each gold table (the analytics tables the daily run rebuilds). */
export async function printGoldSamples(lake: LocalLake, rows = 3): Promise<void> {
  const gold = (await lake.catalog.listTables()).filter((t) => t.startsWith('gold_'));
  for (const name of gold) {
    out(`\n${name} (sample; fractions to ${SUMMARY_DECIMALS} decimals)`);
    out(formatRows(readableRows(await lake.session.all(`SELECT * FROM ${name} LIMIT ${rows}`)), 'table'));
  }
}
