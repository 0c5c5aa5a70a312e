import { InvalidArgumentError, type Command } from 'commander';
import { startDashboardServer } from '../dashboard-server';
import { watchLanding } from '../landing-watcher';
import type { LocalLake } from '../local-lake';
import { integerAtLeast } from '../option-parsers';
import { out, withExistingLake } from './support';

export const DEFAULT_DASHBOARD_PORT = 8080;

/** A TCP port number (0: any free port). */
function portNumber(text: string): number {
  const port = integerAtLeast(0)(text);
  if (port > 65_535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return port;
}

/** The --port option of commands that serve the dashboard. */
export const portOption = ['--port <n>', `dashboard port on 127.0.0.1 (default ${DEFAULT_DASHBOARD_PORT}; 0: any free port)`, portNumber] as const;

/**
 * Serve the dashboard over the lake until SIGINT/SIGTERM; with `watch`, also ingest files dropped
 * into landing/ meanwhile. Resolves once everything has stopped.
 */
export async function serveUntilStopped(lake: LocalLake, opts: { port?: number; watch: boolean }): Promise<void> {
  const server = await startDashboardServer(lake, { port: opts.port ?? DEFAULT_DASHBOARD_PORT });
  const watcher = opts.watch ? watchLanding(lake, {
    onRound: (totals, keys) => out(`ingested ${keys.join(', ')}: ${totals.accepted.toLocaleString('en-US')} readings, ${totals.rejected.toLocaleString('en-US')} rejected${totals.quarantined.length ? `, ${totals.quarantined.length} quarantined` : ''}`),
    onError: (error) => process.stderr.write(`landing watcher: ${error instanceof Error ? error.message : String(error)}\n`),
  }) : undefined;
  out(`\nDashboard: ${server.url}`);
  if (watcher) out(`Watching ${lake.dir}/landing/<source>/<kind>/ for new files (ingested within seconds).`);
  out('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  out('stopping…');
  await watcher?.stop();
  await server.close();
}

/** `meterlake serve` */
export function registerServe(program: Command): void {
  program.command('serve')
    .description('serve the dashboard (page and HTTP API) over an existing lake on http://127.0.0.1:8080')
    .option(...portOption)
    .option('--watch', 'also ingest files dropped into the landing folder while serving')
    .action(async (opts: { port?: number; watch?: boolean }, cmd: Command) => withExistingLake(cmd, (lake) => serveUntilStopped(lake, { port: opts.port, watch: Boolean(opts.watch) })));
}
