import { copyFile, mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { parseSnapshotSelector } from './local/snapshot-arg';
import { formatRows, type OutputFormat } from './local/format-rows';
import { emptyTotals, ingestAndCommit, localLandingEvent, type IngestTotals } from './local/landing';
import { openLocalLake, type LocalLake } from './local/local-lake';
import { runDemoIngest } from './local/demo-run';
import { progress } from './local/progress';
import { registerAllTables, requireTable } from './local/tables-view';
import { generateDemo } from './demo';
import { DEFAULT_SOURCE } from './formats/source-profiles';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function withLake<T>(cmd: Command, fn: (lake: LocalLake) => Promise<T>): Promise<T> {
  const lake = await openLocalLake(cmd.optsWithGlobals().lake as string);
  try {
    return await fn(lake);
  } finally {
    lake.close();
  }
}

function printTotals(t: IngestTotals): void {
  out(`objects ingested: ${t.objects}  rows in: ${t.rowsIn}  accepted: ${t.accepted}  rejected: ${t.rejected}  quarantined files: ${t.quarantined.length}${t.duplicates ? `  already committed (skipped): ${t.duplicates}` : ''}`);
  const shown = t.quarantined.slice(0, 5);
  for (const q of shown) out(`  quarantined ${q.key} → ${q.quarantineKey} (${q.reason})`);
  if (t.quarantined.length > shown.length) out(`  … and ${t.quarantined.length - shown.length} more (SELECT * FROM ingest_log WHERE status = 'quarantined')`);
}

/** Tables, snapshots, rows by outcome: what `npm start` prints at the end. */
async function printLakeSummary(lake: LocalLake): Promise<void> {
  await registerAllTables(lake);
  const tables = await lake.catalog.listTables();
  const rows = [];
  for (const name of tables) {
    const m = await (await requireTable(lake, name)).metadata();
    const current = m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id']);
    rows.push({ table: name, snapshots: m.snapshots.length, rows: current?.summary['total-records'] ?? '0', data_files: current?.summary['total-data-files'] ?? '0' });
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

export function buildCli(): Command {
  const program = new Command('meterlake')
    .description('Serverless lakehouse for electricity meter data (local runtime: a folder as the lake, DuckDB as the engine)')
    .addOption(new Option('--lake <dir>', 'local lake folder').default('./.meterlake'))
    .showHelpAfterError();

  program.command('start')
    .description('the main job: generate the demo data set (once), ingest it drop by drop, print a summary')
    .option('--once', 'run to completion and exit (the default when CI=true)')
    .option('--meters <n>', 'demo meters', (v) => Number(v))
    .option('--days <n>', 'demo days', (v) => Number(v))
    .option('--seed <n>', 'demo seed', (v) => Number(v))
    .action(async (opts, cmd: Command) => withLake(cmd, async (lake) => {
      const started = Date.now();
      out(`meterlake: lake at ${lake.dir}`);
      const totals = await runDemoIngest(lake, opts);
      out(`\n${totals.drops} demo drops; ${totals.alreadyIngested} were already in the lake`);
      printTotals(totals);
      await printLakeSummary(lake);
      out(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Try:`);
      out(`  npx meterlake query "SELECT source, count(*) AS readings FROM readings_history GROUP BY source"`);
      out('  npx meterlake history readings_history');
      out('  npx meterlake ingest my-readings.csv --source default');
      out('  npx meterlake sources');
    }));

  program.command('generate')
    .description('write the deterministic demo data set into <lake>/landing (does not ingest)')
    .option('--meters <n>', 'number of meters', (v) => Number(v), 2000)
    .option('--days <n>', 'number of days', (v) => Number(v), 60)
    .option('--seed <n>', 'random seed', (v) => Number(v), 42)
    .action(async (opts, cmd: Command) => {
      const lakeDir = path.resolve(cmd.optsWithGlobals().lake as string);
      const bar = progress('generating', 1);
      const result = await generateDemo({ lakeDir, meters: opts.meters, days: opts.days, seed: opts.seed, onProgress: (d, t) => bar.update(d, t) });
      bar.stop();
      out(`${result.stats.files} files, ${result.stats.readingVersions} reading versions (${result.stats.corrections} corrections, ${result.stats.badRows} bad rows, ${result.stats.badFiles} bad files) under ${lakeDir}/landing`);
    });

  program.command('ingest')
    .description('ingest local files as if they had landed at landing/<source>/<kind>/<file name>, and commit them')
    .argument('<file...>', 'files to ingest')
    .option('--source <name>', 'source profile (see `meterlake sources`)', DEFAULT_SOURCE)
    .addOption(new Option('--kind <kind>', 'what the files hold').choices(['readings', 'reference']).default('readings'))
    .action(async (files: string[], opts, cmd: Command) => withLake(cmd, async (lake) => {
      const totals = emptyTotals();
      const bar = progress('ingesting', files.length);
      const events = [];
      for (const [i, file] of files.entries()) {
        await stat(file);
        const key = `landing/${opts.source}/${opts.kind}/${path.basename(file)}`;
        await mkdir(path.dirname(lake.store.localPath(key)!), { recursive: true });
        await copyFile(file, lake.store.localPath(key)!);
        events.push(await localLandingEvent(lake, key, new Date(lake.now())));
        bar.update(i + 1);
      }
      await ingestAndCommit(lake, events, totals);
      bar.stop();
      printTotals(totals);
    }));

  program.command('sources')
    .description('list the source profiles (config/sources.json)')
    .action(async (_opts, cmd: Command) => withLake(cmd, async (lake) => {
      const rows = [...lake.profiles.values()].map((p) => ({ name: p.name, format: p.format, reference: p.referenceFormat ?? '', description: p.description ?? '' }));
      out(formatRows(rows, 'table'));
    }));

  program.command('tables')
    .description('list the tables with their current row counts')
    .action(async (_opts, cmd: Command) => withLake(cmd, printLakeSummary));

  program.command('history')
    .description('snapshots of a table: operations, summaries, tags')
    .argument('<table>')
    .option('--format <format>', 'table | csv | json', 'table')
    .action(async (name: string, opts, cmd: Command) => withLake(cmd, async (lake) => {
      const m = await (await requireTable(lake, name)).metadata();
      const tags = new Map<bigint, string[]>();
      for (const [ref, r] of Object.entries(m.refs)) tags.set(r['snapshot-id'], [...(tags.get(r['snapshot-id']) ?? []), ref]);
      const rows = m.snapshots.map((s) => ({
        snapshot_id: s['snapshot-id'].toString(),
        committed_at: new Date(s['timestamp-ms']).toISOString(),
        operation: s.summary.operation,
        added_records: s.summary['added-records'] ?? '0',
        deleted_records: s.summary['deleted-records'] ?? '0',
        total_records: s.summary['total-records'],
        refs: (tags.get(s['snapshot-id']) ?? []).join(' '),
      }));
      out(formatRows(rows, opts.format as OutputFormat));
    }));

  program.command('query')
    .description('run SQL over the tables (each table is a view of the same name)')
    .argument('<sql>')
    .option('--as-of <tag|snapshot-id|time>', 'read tables at a tag, snapshot id or ISO time')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(async (sql: string, opts, cmd: Command) => withLake(cmd, async (lake) => {
      await registerAllTables(lake, opts.asOf ? parseSnapshotSelector(opts.asOf) : undefined);
      out(formatRows(await lake.session.all(sql), opts.format as OutputFormat));
    }));

  return program;
}

/** Entry point of the `meterlake` command. */
export async function main(argv: string[]): Promise<void> {
  await buildCli().parseAsync(argv);
}
