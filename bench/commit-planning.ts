/**
 * Commit-protocol cost as appends accumulate: append commit time and planning time after N prior
 * appends, on a FileCatalog over a LocalStore. Each commit appends ONE hand-made DataFile (a path,
 * a partition, realistic metrics; no Parquet is written or read), so only the Iceberg metadata path
 * is measured: load metadata.json, write manifest, manifest list (and merges), metadata.json, marker.
 *
 * Usage: npx tsx bench/commit-planning.ts [--checkpoints 1,100,1000,10000] [--samples 20] [--dir <folder>]
 *                                         [--max-minutes 15]
 * At each checkpoint c (the table holds c snapshots) it times `samples` plans, then the next
 * `samples` commits (c+1 … c+samples). It stops early, saying so, when --max-minutes is exceeded.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FileCatalog } from '../src/catalog/file-catalog';
import { ensureTable } from '../src/catalog/open-table';
import { toBinary } from '../src/iceberg/conversions';
import { readManifestList } from '../src/iceberg/manifest';
import { planFiles } from '../src/iceberg/scan';
import { FileContent, type DataFile } from '../src/iceberg/types';
import { READINGS_HISTORY } from '../src/pipeline/tables';
import { fileIOFor } from '../src/storage/file-io';
import { LocalStore } from '../src/storage/local-store';
import { argValue, median, printTable } from './bench-util';

const checkpoints = (argValue('--checkpoints') ?? '1,100,1000,10000').split(',').map(Number);
const samples = Number(argValue('--samples') ?? 20);
const maxMinutes = Number(argValue('--max-minutes') ?? 15);
const FIRST_DAY = 19723; // 2024-01-01
const US_PER_DAY = 86_400_000_000n;

/** One data file as ingest would describe it: a 15-minute drop in day partition `i / 96`. */
function handMadeDataFile(location: string, i: number): DataFile {
  const day = FIRST_DAY + Math.floor(i / 96);
  const receivedUs = BigInt(day) * US_PER_DAY + BigInt(i % 96) * 900_000_000n;
  const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    content: FileContent.DATA,
    file_path: `${location}/data/received_at_day=${day}/bench-${String(i).padStart(6, '0')}.parquet`,
    file_format: 'PARQUET',
    partition: { received_at_day: day },
    record_count: 50_000,
    file_size_in_bytes: 1_200_000 + i,
    column_sizes: ids.map((key) => ({ key, value: 100_000 + key })),
    value_counts: ids.map((key) => ({ key, value: 50_000 })),
    null_value_counts: ids.map((key) => ({ key, value: 0 })),
    lower_bounds: [
      { key: 1, value: toBinary('string', 'm000001') },
      { key: 2, value: toBinary('timestamptz', receivedUs - 2n * US_PER_DAY) },
      { key: 4, value: toBinary('double', 0) },
      { key: 10, value: toBinary('timestamptz', receivedUs) },
    ],
    upper_bounds: [
      { key: 1, value: toBinary('string', 'm035000') },
      { key: 2, value: toBinary('timestamptz', receivedUs) },
      { key: 4, value: toBinary('double', 3.5) },
      { key: 10, value: toBinary('timestamptz', receivedUs) },
    ],
    split_offsets: [4],
    sort_order_id: null,
  };
}

async function main(): Promise<void> {
  const dir = argValue('--dir') ?? (await mkdtemp(path.join(tmpdir(), 'meterlake-bench-commit-')));
  const store = new LocalStore(dir);
  const io = fileIOFor(store);
  const catalog = new FileCatalog({ io, warehouse: `${store.url}/warehouse` });
  const table = await ensureTable(catalog, 'bench_history', io, READINGS_HISTORY.definition);
  const location = (await table.metadata()).location;
  const started = performance.now();
  const rows: (string | number)[][] = [];
  const growth: (string | number)[][] = [];
  let commits = 0;
  let stoppedEarly = '';
  let windowStart = performance.now();

  const commitOne = async (): Promise<number> => {
    const t0 = performance.now();
    await table.append([handMadeDataFile(location, commits)], { 'meterlake.batch-ids': `bench-${commits}` });
    commits++;
    return performance.now() - t0;
  };

  for (const checkpoint of checkpoints) {
    while (commits < checkpoint) {
      await commitOne();
      if (commits % 500 === 0) {
        const perCommit = (performance.now() - windowStart) / 500;
        growth.push([commits, perCommit.toFixed(1)]);
        process.stderr.write(`  ${commits} commits, last 500 at ${perCommit.toFixed(1)} ms/commit, ${((performance.now() - started) / 60000).toFixed(1)} min\n`);
        windowStart = performance.now();
      }
      if (performance.now() - started > maxMinutes * 60_000) {
        stoppedEarly = `stopped at ${commits} commits after ${maxMinutes} min (before checkpoint ${checkpoint})`;
        break;
      }
    }
    if (stoppedEarly) break;

    // Planning: table.planFiles() (loads metadata.json, reads manifest list + manifests) and the
    // manifest part alone on already-loaded metadata.
    const metadata = await table.metadata();
    const planMs: number[] = [];
    const manifestOnlyMs: number[] = [];
    let files = 0;
    for (let s = 0; s < samples; s++) {
      let t0 = performance.now();
      files = (await table.planFiles()).length;
      planMs.push(performance.now() - t0);
      t0 = performance.now();
      await planFiles(io, metadata, {});
      manifestOnlyMs.push(performance.now() - t0);
    }
    const manifests = await readManifestList(io, metadata.snapshots.at(-1)!['manifest-list']);
    const loadMs: number[] = [];
    for (let s = 0; s < Math.min(samples, 5); s++) {
      const t0 = performance.now();
      await table.metadata();
      loadMs.push(performance.now() - t0);
    }
    const metadataFiles = (await readdir(path.join(fileURLToPath(location), 'metadata'))).filter((f) => f.endsWith('.metadata.json')).sort();
    const metadataBytes = (await stat(path.join(fileURLToPath(location), 'metadata', metadataFiles.at(-1)!))).size;
    const commitMs: number[] = [];
    for (let s = 0; s < samples; s++) commitMs.push(await commitOne());
    rows.push([
      checkpoint, median(commitMs).toFixed(1), median(planMs).toFixed(1), median(manifestOnlyMs).toFixed(1),
      median(loadMs).toFixed(1), files, manifests.length, (metadataBytes / 1024).toFixed(0),
    ]);
    process.stderr.write(`checkpoint ${checkpoint} done at ${((performance.now() - started) / 60000).toFixed(1)} min\n`);
  }

  printTable(
    ['prior appends', 'commit ms (median)', 'plan ms (median)', 'plan ms, metadata preloaded', 'load metadata ms', 'live files', 'manifests', 'metadata.json KiB'],
    rows,
  );
  const at = (c: number) => rows.find((r) => r[0] === c);
  const p100 = at(100);
  const p10k = at(10000);
  if (p100 && p10k) {
    console.log(`\nplanning ratio 10,000 / 100 commits: ${(Number(p10k[2]) / Number(p100[2])).toFixed(2)}x (target <= 2x); ` +
      `manifest part only: ${(Number(p10k[3]) / Number(p100[3])).toFixed(2)}x`);
  }
  if (growth.length) {
    console.log('\ncommit time while building history (mean ms per commit over each 500):');
    printTable(['commits', 'ms/commit'], growth);
  }
  if (stoppedEarly) console.log(`\n${stoppedEarly}`);
  console.log(`\ntotal ${((performance.now() - started) / 60000).toFixed(1)} min, ${commits} commits, lake at ${dir}`);
  if (!argValue('--dir') && !process.argv.includes('--keep')) await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
