import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { committedBatchIds } from '../pipeline/commit';
import { batchIdOf } from '../pipeline/ingest';
import { tableFor } from '../pipeline/lake-tables';
import { INGEST_LOG } from '../pipeline/tables';
import { emptyTotals, ingestAndCommit, localLandingEvent, type IngestTotals } from './landing';
import type { LocalLake } from './local-lake';

export interface LandingWatcherOptions {
  /** How often the landing folder is listed. @default 2000 */
  readonly intervalMs?: number;
  /** Told about each commit round the watcher made. */
  readonly onRound?: (totals: IngestTotals, keys: string[]) => void;
  readonly onError?: (error: unknown) => void;
}

export interface LandingWatcher {
  /** Stops listing; resolves once a round in progress has committed. */
  stop(): Promise<void>;
}

const LANDING = 'landing';

/** Every file under landing/ with its size and modification time (names starting with '.' are skipped: partial copies). */
async function listLanding(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const info = await stat(full).catch(() => undefined);
        if (info) found.set(path.relative(root, full).split(path.sep).join('/'), `${info.size}:${info.mtimeMs}`);
      }
    }
  };
  await walk(path.join(root, LANDING));
  return found;
}

/**
 * Ingests files dropped into the lake's landing/<source>/<kind>/ folder through the same pipeline
 * as `meterlake ingest` (one commit round per listing that found new files). A file is taken once
 * its size and modification time held still for one interval (a copy in progress is left alone);
 * an object whose batch was committed already is skipped, so a restart re-ingests nothing.
 */
export function watchLanding(lake: LocalLake, opts: LandingWatcherOptions = {}): LandingWatcher {
  const intervalMs = opts.intervalMs ?? 2000;
  const handled = new Map<string, string>();
  let previous = new Map<string, string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const poll = async () => {
    const listing = await listLanding(lake.dir);
    const ready = [...listing].filter(([key, signature]) => handled.get(key) !== signature && previous.get(key) === signature).map(([key]) => key);
    previous = listing;
    if (!ready.length) return;
    const done = await committedBatchIds(await tableFor(lake, INGEST_LOG));
    const events = [];
    for (const key of ready.sort()) {
      const event = await localLandingEvent(lake, key);
      if (!done.has(batchIdOf(event))) events.push(event);
      handled.set(key, listing.get(key)!);
    }
    if (!events.length) return;
    const totals = emptyTotals();
    await ingestAndCommit(lake, events, totals);
    opts.onRound?.(totals, events.map((e) => e.key));
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = poll().catch((error: unknown) => opts.onError?.(error)).finally(schedule);
    }, intervalMs);
  };
  // The first listing is taken at once: files already there count as still after one interval.
  round = listLanding(lake.dir).then((listing) => { previous = listing; }, (error: unknown) => opts.onError?.(error)).finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
