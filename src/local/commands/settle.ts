import { InvalidArgumentError, type Command } from 'commander';
import { parseSettlementMonth } from '../../pipeline/settlement/calendar';
import { settleMonth } from '../../pipeline/settlement/settle';
import { sourceRevision } from '../source-revision';
import { out, withExistingLake } from './support';

/** A YYYY-MM month. */
function month(text: string): string {
  try {
    parseSettlementMonth(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return text;
}

/** `meterlake settle` */
export function registerSettle(program: Command): void {
  program.command('settle')
    .description('monthly settlement reports from pinned snapshots: tags every input settlement-YYYY-MM-rN, writes audit/<run>/ (reports, SQL, manifest.json)')
    .requiredOption('--month <YYYY-MM>', 'the month to settle', month)
    .option('--as-of <daily-tag>', 'settle from this daily tag (default: the latest daily tag of meter_readings)')
    .action(async (opts: { month: string; asOf?: string }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const { runId, manifest, manifestKey } = await settleMonth(lake, {
        month: opts.month, asOf: opts.asOf, sourceRevision: sourceRevision(), onProgress: (step) => process.stderr.write(`settle: ${step}\n`),
      });
      out(`${runId}: ${opts.month} settled from ${manifest.as_of} (${manifest.inputs.map((i) => `${i.table}@${i.snapshotId}`).join(', ')})`);
      for (const o of manifest.outputs.filter((f) => f.file.endsWith('.csv'))) out(`  ${o.file}: ${o.rows} rows`);
      out(`  manifest: ${lake.dir}/${manifestKey}`);
    }));
}
