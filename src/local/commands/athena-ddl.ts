import type { Command } from 'commander';
import { athenaViewDdls } from '../../engine/athena-ddl';
import { out } from './support';

/** `meterlake athena-ddl` */
export function registerAthenaDdl(program: Command): void {
  program.command('athena-ddl')
    .description('print CREATE OR REPLACE VIEW statements for Athena, generated from sql/views')
    .option('--database <name>', 'Glue database', 'meterlake')
    .action((opts) => {
      for (const { name, ddl } of athenaViewDdls(undefined, opts.database)) out(`-- ${name}\n${ddl};\n`);
    });
}
