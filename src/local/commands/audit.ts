import { InvalidArgumentError, type Command } from 'commander';
import { diffRuns, listRuns, openAuditRun, traceRun, verifyRun } from '../../pipeline/settlement/audit';
import { ExitCode, reportExitCode } from '../exit-codes';
import { formatRows, type OutputFormat } from '../format-rows';
import { calendarDate, integerAtLeast } from '../option-parsers';
import { formatOption, out, withExistingLake } from './support';

/** A settlement run id, or the path of a run's manifest.json (its folder name is the run id). */
function runIdOf(text: string): string {
  const fromPath = /(settlement-\d{4}-\d{2}-r\d+)\/manifest\.json$/.exec(text.replaceAll('\\', '/'));
  const id = fromPath?.[1] ?? text;
  if (!/^settlement-\d{4}-\d{2}-r\d+$/.test(id)) throw new InvalidArgumentError('expected a run id settlement-YYYY-MM-rN or the path of its manifest.json');
  return id;
}

/** `meterlake audit verify|trace|diff|list` */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('audit settlement runs: verify, trace, diff, list');

  audit.command('verify')
    .description('re-run a settlement from its stored SQL on its pinned snapshots and compare the bytes of every output')
    .argument('<run-id|manifest>', 'settlement-YYYY-MM-rN or the path of its manifest.json', runIdOf)
    .action(async (runId: string, _opts, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const result = await verifyRun(lake, await openAuditRun(lake, runId), (step) => process.stderr.write(`verify: ${step}\n`));
      for (const f of result.files) {
        out(`${f.identical ? 'identical' : 'DIFFERS  '} ${f.file}`);
        if (f.firstDifference) out(`  first difference at line ${f.firstDifference.line}:\n    stored: ${f.firstDifference.stored}\n    re-run: ${f.firstDifference.rerun}`);
      }
      out(result.identical ? `${runId}: identical` : `${runId}: differs`);
      if (!result.identical) reportExitCode(cmd, ExitCode.FAILED);
    }));

  audit.command('trace')
    .description('the readings behind a reported number: every version of each interval as of the run, and which one won')
    .argument('<run-id>', 'settlement-YYYY-MM-rN', runIdOf)
    .requiredOption('--partner <name>', 'the partner (source)')
    .requiredOption('--meter <id>', 'the meter id')
    .option('--day <YYYY-MM-DD>', 'one settlement day', calendarDate)
    .option('--period <n>', 'one period of that day (1-50)', integerAtLeast(1))
    .addOption(formatOption())
    .action(async (runId: string, opts: { partner: string; meter: string; day?: string; period?: number; format: OutputFormat }, cmd: Command) =>
      withExistingLake(cmd, async (lake) => {
        const rows = await traceRun(lake, await openAuditRun(lake, runId), opts);
        out(rows.length ? formatRows(rows, opts.format) : `no readings of meter ${JSON.stringify(opts.meter)} from ${opts.partner} in those periods`);
      }));

  audit.command('diff')
    .description('what a resettlement changed: meters whose totals moved and the intervals (with the versions) behind it')
    .argument('<run-a>', 'the earlier run', runIdOf)
    .argument('<run-b>', 'the later run of the same month', runIdOf)
    .addOption(formatOption())
    .action(async (a: string, b: string, opts: { format: OutputFormat }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const diff = await diffRuns(lake, await openAuditRun(lake, a), await openAuditRun(lake, b));
      out(`${diff.meters.length} meters changed, ${diff.intervals.length} intervals changed between ${a} and ${b}`);
      if (diff.meters.length) out(formatRows(diff.meters, opts.format));
      if (diff.intervals.length) out(formatRows(diff.intervals, opts.format));
    }));

  audit.command('list')
    .description('settlement runs with month, tag, status')
    .addOption(formatOption())
    .action(async (opts: { format: OutputFormat }, cmd: Command) => withExistingLake(cmd, async (lake) => {
      const runs = await listRuns(lake);
      out(runs.length ? formatRows(runs, opts.format) : 'no settlement runs yet (run `meterlake settle --month YYYY-MM`)');
    }));
}
