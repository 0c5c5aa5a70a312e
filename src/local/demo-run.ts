import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { generateDemo, DROPS_KEY } from '../demo';
import type { Drop } from '../demo/types';
import { committedBatchIds } from '../pipeline/commit';
import { batchIdOf } from '../pipeline/ingest';
import { tableFor } from '../pipeline/lake-tables';
import { INGEST_LOG } from '../pipeline/tables';
import { emptyTotals, ingestAndCommit, localLandingEvent, type IngestTotals } from './landing';
import type { LocalLake } from './local-lake';
import { progress } from './progress';

export interface DemoRunOptions {
  meters?: number;
  days?: number;
  seed?: number;
  /** Called after the last drop of each arrival day (UTC) has been committed; `last` on the final day. */
  afterDay?: (day: string, last: boolean) => Promise<void>;
}

/** Load the drop schedule of an earlier generation, or generate the demo data set. */
async function demoDrops(lake: LocalLake, opts: DemoRunOptions): Promise<Drop[]> {
  const schedule = path.join(lake.dir, DROPS_KEY);
  if (existsSync(schedule)) {
    const drops = JSON.parse(await readFile(schedule, 'utf8')) as Drop[];
    return drops.map((d) => ({ ...d, arrivalTime: new Date(d.arrivalTime) }));
  }
  const bar = progress('generating demo data', 1);
  const result = await generateDemo({
    lakeDir: lake.dir, meters: opts.meters, days: opts.days, seed: opts.seed,
    // The Octopus parser reads any number of meterpoints per document; bundling a drop's
    // meterpoints in one file keeps the demo to hundreds of objects instead of ~90,000.
    octopusMetersPerFile: 1_000_000,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.stop();
  return result.drops;
}

/**
 * The main local job: generate the demo data (once), then ingest it drop by drop in arrival
 * order — each arrival moment is one commit round — skipping drops the lake already holds.
 */
export async function runDemoIngest(lake: LocalLake, opts: DemoRunOptions = {}): Promise<IngestTotals & { drops: number; alreadyIngested: number }> {
  const drops = await demoDrops(lake, opts);
  const log = await tableFor(lake, INGEST_LOG);
  const done = await committedBatchIds(log);
  // One commit round per arrival hour, like the FIFO commit queue batching the requests that
  // pile up while a commit runs: a day of daily files lands in one round, 15-minute drops in four.
  const groups = new Map<number, Drop[]>();
  for (const d of drops) {
    const hour = Math.floor(d.arrivalTime.getTime() / 3_600_000);
    const group = groups.get(hour);
    if (group) group.push(d);
    else groups.set(hour, [d]);
  }

  const totals = emptyTotals();
  let alreadyIngested = 0;
  let processed = 0;
  const bar = progress('ingesting drops', drops.length);
  const groupList = [...groups.values()];
  let dayHadNewDrops = false;
  for (const [i, group] of groupList.entries()) {
    const events = [];
    for (const d of group) {
      const event = await localLandingEvent(lake, d.key, d.arrivalTime);
      if (done.has(batchIdOf(event))) alreadyIngested++;
      else events.push(event);
    }
    if (events.length) {
      await ingestAndCommit(lake, events, totals);
      dayHadNewDrops = true;
    }
    processed += group.length;
    bar.update(processed, drops.length, group[0].arrivalTime.toISOString().slice(0, 16));
    const day = group[0].arrivalTime.toISOString().slice(0, 10);
    const nextDay = groupList[i + 1]?.[0].arrivalTime.toISOString().slice(0, 10);
    if (day !== nextDay && dayHadNewDrops) await opts.afterDay?.(day, nextDay === undefined);
    if (day !== nextDay) dayHadNewDrops = false;
  }
  bar.stop();
  return { ...totals, drops: drops.length, alreadyIngested };
}
