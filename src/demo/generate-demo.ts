import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { demoFiles, estimateFileCount, CORRECTION, GAP_FILL, type ReadingsFile } from './demo-files';
import { ChunkedFileWriter } from './file-writer';
import { meterInfo, planDemo, referenceAsOf } from './meter-plan';
import { isoDate, resolveDemoOptions, DAY_MS } from './options';
import { referenceDatabaseBytes } from './reference-sqlite';
import { badFileBytes } from './serializers/bad-files';
import { canonicalCsvChunks } from './serializers/canonical-csv';
import { greenButtonXmlChunks } from './serializers/green-button-xml';
import { octopusJsonChunks } from './serializers/octopus-json';
import type { DemoOptions, DemoResult, DemoStats, Drop } from './types';

/** Where the drop schedule is saved, relative to the lake folder. */
export const DROPS_KEY = 'landing/_demo/drops.json';

/** The bytes of a readings file, in chunks. */
export function readingsFileChunks(file: ReadingsFile): Iterable<string | Uint8Array> {
  if (file.badFile) return [badFileBytes(file.badFile)];
  switch (file.source) {
    case 'default':
      return canonicalCsvChunks(file.records);
    case 'octopus':
      return octopusJsonChunks(file.records);
    case 'greenbutton':
      return greenButtonXmlChunks(file.records, file.key, file.arrivalMs);
  }
}

/** Order drops by arrival; ties by key so the schedule is stable. */
export function compareDrops(a: Drop, b: Drop): number {
  return a.arrivalTime.getTime() - b.arrivalTime.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function* dropsJsonChunks(drops: readonly Drop[]): Generator<string> {
  yield '[\n';
  for (let i = 0; i < drops.length; i++) yield `${JSON.stringify(drops[i])}${i < drops.length - 1 ? ',' : ''}\n`;
  yield ']\n';
}

/** The lake already holds a demo data set; generating another would overwrite landed files. */
export class DemoAlreadyGeneratedError extends Error {
  override readonly name = 'DemoAlreadyGeneratedError';
  constructor(readonly lakeDir: string) {
    super(`${lakeDir} already holds a demo data set (${DROPS_KEY}); landed files are never overwritten: use a new --lake for another one`);
  }
}

/**
 * Generate the deterministic demo data set into `<lakeDir>/landing/`: readings from three sources,
 * corrections, late gap fills, late-joining meters, planted bad rows and files, and reference
 * SQLite drops. Returns the drop schedule (also saved as landing/_demo/drops.json).
 */
export async function generateDemo(options: DemoOptions): Promise<DemoResult> {
  const resolved = resolveDemoOptions(options);
  const plan = planDemo(resolved);
  const lakeDir = resolve(options.lakeDir);
  // Landed objects are never overwritten: a second data set would replace files already ingested.
  if (existsSync(join(lakeDir, DROPS_KEY))) throw new DemoAlreadyGeneratedError(lakeDir);
  const writer = new ChunkedFileWriter();
  const stats: DemoStats = { files: 0, readingVersions: 0, corrections: 0, gapFills: 0, badRows: 0, badFiles: 0 };
  const drops: Drop[] = [];
  let total = estimateFileCount(plan);
  for (const file of demoFiles(plan)) {
    const localPath = join(lakeDir, file.key);
    const arrivalTime = new Date(file.arrivalMs);
    if (file.kind === 'reference') {
      const bytes = await referenceDatabaseBytes(referenceAsOf(plan, file.asOfDay));
      await writer.submit(localPath, [bytes]);
      const asOf = isoDate(resolved.windowStartMs + file.asOfDay * DAY_MS);
      drops.push({ key: file.key, localPath, source: 'demo', kind: 'reference', arrivalTime, asOf });
    } else {
      let expectedRows = 0;
      let badRows = 0;
      for (const record of file.records) {
        if (record.bad) {
          badRows++;
          continue;
        }
        expectedRows++;
        if (record.origin === CORRECTION) stats.corrections++;
        else if (record.origin === GAP_FILL) stats.gapFills++;
      }
      stats.readingVersions += expectedRows;
      stats.badRows += badRows;
      const drop: Drop = { key: file.key, localPath, source: file.source, kind: 'readings', arrivalTime, expectedRows, badRows };
      if (file.badFile) {
        drop.badFile = file.badFile.kind;
        stats.badFiles++;
      }
      drops.push(drop);
      await writer.submit(localPath, readingsFileChunks(file));
    }
    total = Math.max(total, drops.length);
    options.onProgress?.(drops.length, total);
  }
  await writer.drain();
  drops.sort(compareDrops);
  stats.files = drops.length;
  await writer.submit(join(lakeDir, DROPS_KEY), dropsJsonChunks(drops));
  await writer.drain();
  options.onProgress?.(drops.length, drops.length);
  return {
    drops,
    meters: plan.meters.map((meter) => meterInfo(plan, meter)),
    reference: referenceAsOf(plan, resolved.days - 1),
    stats,
  };
}
