import type { Command } from 'commander';
import {
  maintainTables, type MaintenanceOptions, type MaintenanceReport, type TableMaintenanceReport,
} from '../../pipeline/maintenance';
import { DAY_MS } from '../../pipeline/snapshot';
import { positiveNumber } from '../option-parsers';
import { out, withExistingLake } from './support';

const MB = 1024 * 1024;

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per step that ran: what it removed or rewrote. */
export function formatTableReport(t: TableMaintenanceReport, dryRun: boolean): string[] {
  const lines = [t.table];
  const would = dryRun ? 'would ' : '';
  if (t.expire) {
    const e = t.expire;
    const files = e.deletedDataFiles.length + e.deletedManifests.length + e.deletedManifestLists.length;
    const refs = e.removedRefs.length ? ` (${e.removedRefs.join(', ')})` : '';
    lines.push(`  expire     ${would}expire ${plural(e.expiredSnapshotIds.length, 'snapshot')}, remove ${plural(e.removedRefs.length, 'tag')}${refs}` +
      (dryRun ? '' : `, deleted ${plural(files, 'file')} (${e.deletedDataFiles.length} data, ${e.deletedManifests.length} manifests, ${e.deletedManifestLists.length} manifest lists)`));
  }
  if (t.orphans) {
    const o = t.orphans;
    lines.push(`  orphans    ${would}delete ${plural(o.deleted.length, 'file')} (${mb(o.deletedBytes)}); ${o.keptTooYoung} unreferenced but too young, kept; ${o.scannedFiles} scanned`);
  }
  if (t.compact) {
    const c = t.compact;
    lines.push(c.removedFiles.length === 0
      ? '  compact    nothing to compact'
      : `  compact    ${would}rewrite ${plural(c.removedFiles.length, 'file')} (${mb(c.bytesBefore)}) in ${plural(c.partitions, 'partition')}` +
        (dryRun ? '' : ` into ${plural(c.addedFiles.length, 'file')} (${mb(c.bytesAfter)}), ${c.rows} rows, snapshot ${c.snapshotId ?? '-'}`));
  }
  if (t.manifests) {
    const mf = t.manifests;
    lines.push(mf.replacedManifests.length === 0
      ? `  manifests  ${plural(mf.manifestsBefore, 'data manifest')}, nothing to merge`
      : `  manifests  ${would}merge ${mf.manifestsBefore} → ${mf.manifestsAfter} data manifests${mf.snapshotId ? `, snapshot ${mf.snapshotId}` : ''}`);
  }
  return lines;
}

export function formatMaintenanceReport(report: MaintenanceReport): string {
  return [...(report.dryRun ? ['dry run: nothing was changed'] : []), ...report.tables.flatMap((t) => formatTableReport(t, report.dryRun))].join('\n');
}

/** `meterlake maintain` */
export function registerMaintain(program: Command): void {
  program.command('maintain')
    .description('expire old snapshots (tags kept by policy), remove orphan files, compact small files, merge manifests')
    .option('--retention-days <n>', 'expire untagged snapshots older than this', positiveNumber)
    .option('--daily-tag-days <n>', 'drop daily-YYYY-MM-DD tags older than this', positiveNumber)
    .option('--orphan-window-days <n>', 'keep unreferenced files younger than this', positiveNumber)
    .option('--target-file-mb <n>', 'compaction target file size', positiveNumber)
    .option('--table <name...>', 'tables to maintain (default: all)')
    .option('--dry-run', 'report what would be done, change nothing', false)
    .action(async (opts, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const options: MaintenanceOptions = {
        tables: opts.table as string[] | undefined,
        retentionMs: opts.retentionDays === undefined ? undefined : opts.retentionDays * DAY_MS,
        dailyTagMaxAgeMs: opts.dailyTagDays === undefined ? undefined : opts.dailyTagDays * DAY_MS,
        orphanWindowMs: opts.orphanWindowDays === undefined ? undefined : opts.orphanWindowDays * DAY_MS,
        targetFileSizeBytes: opts.targetFileMb === undefined ? undefined : opts.targetFileMb * MB,
        dryRun: Boolean(opts.dryRun),
        onProgress: (p) => process.stderr.write(`${p.table}: ${p.message}\n`),
      };
      out(formatMaintenanceReport(await maintainTables(lake, options)));
    }));
}
