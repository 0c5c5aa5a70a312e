import { copyFile, mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_SOURCE } from '../../formats/source-profiles';
import { ExitCode, reportExitCode } from '../exit-codes';
import { emptyTotals, ingestAndCommit, localLandingEvent } from '../landing';
import { sourceProfileName } from '../option-parsers';
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
    .action(async (files: string[], opts, cmd: Command) => withLake(cmd, async (lake) => {
      const totals = emptyTotals();
      const events = [];
      for (const file of files) {
        await stat(file);
        const key = `landing/${opts.source}/${opts.kind}/${path.basename(file)}`;
        await mkdir(path.dirname(lake.store.localPath(key)!), { recursive: true });
        await copyFile(file, lake.store.localPath(key)!);
        events.push(await localLandingEvent(lake, key, new Date(lake.now())));
      }
      // Progress in hundredths of a file, so one large file moves the bar too.
      const bar = progress(`ingesting ${files.length} file(s), % of`, files.length * 100);
      await ingestAndCommit(lake, events, totals, (done) => bar.update(Math.round(done * 100)));
      bar.stop();
      printTotals(totals);
      if (totals.quarantined.length > 0) reportExitCode(cmd, ExitCode.DONE_WITH_QUARANTINE);
    }));
}
