import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DEFAULT_SOURCE } from '../../formats/source-profiles';
import { ExitCode, reportExitCode, usageError } from '../exit-codes';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../landing';
import { sourceProfileName } from '../option-parsers';
import type { LocalLake } from '../local-lake';
import { progress } from '../progress';
import { printTotals } from './summary';
import { withLake } from './support';

/** `meterlake ingest` */
export function registerIngest(program: Command): void {
  program.command('ingest')
    .description('ingest local files as if they had landed at landing/<source>/<kind>/<file name>, and commit them')
    .argument('<file...>', 'files to ingest')
    .option('--source <name>', 'source profile (see `meterlake sources`)', sourceProfileName, DEFAULT_SOURCE)
    .addOption(new Option('--kind <kind>', 'what the files hold').choices(['readings', 'reference']).default('readings'))
    .action(async (files: string[], opts, cmd: Command) => {
      // Every file is checked before any is landed: a typo in the last name lands nothing.
      for (const file of files) {
        const isFile = await stat(file).then((s) => s.isFile(), () => false);
        if (!isFile) usageError(cmd, `error: ${file} is not a file`);
      }
      return withLake(cmd, (lake) => ingestFiles(lake, files, opts, cmd));
    });
}

/** Land each file (atomically, never over another object), ingest them and commit them as one round. */
async function ingestFiles(lake: LocalLake, files: string[], opts: { source: string; kind: string }, cmd: Command): Promise<void> {
  const totals = emptyTotals();
  const events = [];
  for (const file of files) events.push(await landLocalFile(lake, file, `landing/${opts.source}/${opts.kind}`));
  // Progress in hundredths of a file, so one large file moves the bar too.
  const bar = progress(`ingesting ${files.length} file(s), % of`, files.length * 100);
  await ingestAndCommit(lake, events, totals, (done) => bar.update(Math.round(done * 100)));
  bar.stop();
  printTotals(totals);
  if (totals.quarantined.length > 0) reportExitCode(cmd, ExitCode.DONE_WITH_QUARANTINE);
}
