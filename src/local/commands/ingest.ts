import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { DEFAULT_SOURCE } from '../../formats/source-profiles';
import { emptyTotals, ingestAndCommit, landLocalFile } from '../landing';
import { progress } from '../progress';
import { printTotals } from './summary';
import { withLake } from './support';

/** `meterlake ingest` */
export function registerIngest(program: Command): void {
  program.command('ingest')
    .description('ingest local files as if they had landed at landing/<source>/<kind>/<file name>, and commit them')
    .argument('<file...>', 'files to ingest')
    .option('--source <name>', 'source profile (see `meterlake sources`)', DEFAULT_SOURCE)
    .addOption(new Option('--kind <kind>', 'what the files hold').choices(['readings', 'reference']).default('readings'))
    .action(async (files: string[], opts, cmd: Command) => withLake(cmd, async (lake) => {
      const totals = emptyTotals();
      const events = [];
      for (const file of files) {
        await stat(file);
        events.push(await landLocalFile(lake, file, `landing/${opts.source}/${opts.kind}`));
      }
      // Progress in hundredths of a file, so one large file moves the bar too.
      const bar = progress(`ingesting ${files.length} file(s), % of`, files.length * 100);
      await ingestAndCommit(lake, events, totals, (done) => bar.update(Math.round(done * 100)));
      bar.stop();
      printTotals(totals);
    }));
}
