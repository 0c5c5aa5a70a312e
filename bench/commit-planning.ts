/**
 * Commit-protocol cost as appends accumulate: append commit time and planning time after N prior
 * appends, on a FileCatalog over a LocalStore. Each commit appends ONE hand-made DataFile (a path,
 * a partition, realistic metrics; no Parquet is written or read), so only the Iceberg metadata path
 * is measured: load metadata.json, write manifest, manifest list (and merges), metadata.json, marker.
 *
 * Usage: npx tsx bench/commit-planning.ts [--checkpoints 1,100,1000,10000] [--samples 20] [--dir <folder>]
 *                                         [--max-minutes 15] [--fast-build]
 * At each checkpoint c (the table holds c snapshots) it times `samples` plans, then the next
 * `samples` commits (c+1 … c+samples), all through the real FileCatalog. Plans are timed in full
 * and as a typical time-range plan (filter received_at >= the latest day: manifests whose partition
 * summaries exclude that day are pruned; and the previous, complete day, 96 files at every
 * checkpoint past the first day, which compares like for like). It also times the catalog's metadata.json parse/serialize
 * (`parseTableMetadata` / `serializeTableMetadata`) against plain native JSON.
 * It stops early, saying so, when --max-minutes is exceeded.
 *
 * --fast-build: the history BETWEEN checkpoints is built by the same commit code (commitSnapshot:
 * real manifests, manifest lists and manifest merges on disk) but with an in-memory committer that
 * skips writing and re-parsing metadata.json for each intermediate version; at each checkpoint the
 * accumulated metadata is committed once through the FileCatalog, and every measured commit and
 * plan runs against the real catalog. The table state is the same as with real commits (same
 * snapshots, manifests and metadata size); only the metadata-log names files that were never written.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FileCatalog } from '../src/catalog/file-catalog';
import { parseMetadataVersion, newMetadataFileUri } from '../src/catalog/metadata-files';
import { ensureTable } from '../src/catalog/open-table';
import { parseTableMetadata, serializeTableMetadata } from '../src/iceberg/metadata-json';
import type { TableVersion } from '../src/iceberg/snapshot-producer';
import { IcebergTable } from '../src/iceberg/table';
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
const fastBuild = process.argv.includes('--fast-build');

/** Median ms of `fn` over `n` runs. */
function timeMs(n: number, fn: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/** A single-writer committer that keeps metadata in memory (used only by --fast-build between checkpoints). */
class InMemoryCommitter {
  constructor(public current: TableVersion) {}
  async load(): Promise<TableVersion> {
    return this.current;
  }
  async commit(base: TableVersion, updated: TableVersion['metadata']): Promise<TableVersion> {
    if (base !== this.current) throw new Error('in-memory committer: single writer only');
    const next = parseMetadataVersion(base.metadataLocation) + 1;
    this.current = { metadata: updated, metadataLocation: newMetadataFileUri(updated.location, next) };
    return this.current;
  }
}
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
  const memory = new InMemoryCommitter(await table.load());
  const fastTable = new IcebergTable('bench_history', io, memory);
  let builder: IcebergTable = fastBuild ? fastTable : table;
  const started = performance.now();
  const rows: (string | number)[][] = [];
  const growth: (string | number)[][] = [];
  let commits = 0;
  let stoppedEarly = '';
  let windowStart = performance.now();

  const commitOne = async (): Promise<number> => {
    const t0 = performance.now();
    await builder.append([handMadeDataFile(location, commits)], { 'meterlake.batch-ids': `bench-${commits}` });
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
    if (fastBuild) {
      // Publish the in-memory history as one real catalog commit; measure against the real catalog.
      await catalog.commit(await catalog.loadTable('bench_history'), memory.current.metadata);
      builder = table;
    }

    // Planning: table.planFiles() (loads metadata.json, reads manifest list + manifests) and the
    // manifest part alone on already-loaded metadata.
    const metadata = await table.metadata();
    const planMs: number[] = [];
    const rangePlanMs: number[] = [];
    const manifestOnlyMs: number[] = [];
    const latestDay = FIRST_DAY + Math.floor((commits - 1) / 96);
    const latestDayFilter = { op: 'gte' as const, field: 'received_at', value: BigInt(latestDay) * US_PER_DAY };
    let rangeFiles = 0;
    // The previous day is complete (96 files) at every checkpoint past the first day, so its plans compare like for like.
    const fullDay = Math.max(FIRST_DAY, latestDay - 1);
    const fullDayFilter = {
      op: 'and' as const,
      args: [
        { op: 'gte' as const, field: 'received_at', value: BigInt(fullDay) * US_PER_DAY },
        { op: 'lt' as const, field: 'received_at', value: BigInt(fullDay + 1) * US_PER_DAY },
      ],
    };
    const fullDayMs: number[] = [];
    let fullDayFiles = 0;
    let files = 0;
    for (let s = 0; s < samples; s++) {
      let t0 = performance.now();
      files = (await table.planFiles()).length;
      planMs.push(performance.now() - t0);
      t0 = performance.now();
      await planFiles(io, metadata, {});
      manifestOnlyMs.push(performance.now() - t0);
      t0 = performance.now();
      rangeFiles = (await table.planFiles({ filter: latestDayFilter })).length;
      rangePlanMs.push(performance.now() - t0);
      t0 = performance.now();
      fullDayFiles = (await table.planFiles({ filter: fullDayFilter })).length;
      fullDayMs.push(performance.now() - t0);
    }
    const manifests = await readManifestList(io, metadata.snapshots.at(-1)!['manifest-list']);
    const loadMs: number[] = [];
    const coldLoadMs: number[] = [];
    for (let s = 0; s < Math.min(samples, 5); s++) {
      const t0 = performance.now();
      await table.metadata();
      loadMs.push(performance.now() - t0);
      const t1 = performance.now();
      await new FileCatalog({ io, warehouse: catalog.warehouse }).loadTable('bench_history');
      coldLoadMs.push(performance.now() - t1);
    }
    const metadataFiles = (await readdir(path.join(fileURLToPath(location), 'metadata'))).filter((f) => f.endsWith('.metadata.json')).sort();
    const metadataBytes = (await stat(path.join(fileURLToPath(location), 'metadata', metadataFiles.at(-1)!))).size;
    const text = serializeTableMetadata(metadata);
    const parseMs = timeMs(5, () => parseTableMetadata(text));
    const nativeParseMs = timeMs(5, () => JSON.parse(text));
    const serializeMs = timeMs(5, () => serializeTableMetadata(metadata));
    const nativeSerializeMs = timeMs(5, () => JSON.stringify(metadata, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    const commitMs: number[] = [];
    for (let s = 0; s < samples; s++) commitMs.push(await commitOne());
    if (fastBuild) {
      memory.current = await table.load();
      builder = fastTable;
    }
    rows.push([
      checkpoint, median(commitMs).toFixed(1), median(planMs).toFixed(1), median(manifestOnlyMs).toFixed(1),
      `${median(rangePlanMs).toFixed(1)} (${rangeFiles} files)`, `${median(fullDayMs).toFixed(1)} (${fullDayFiles} files)`,
      `${median(loadMs).toFixed(1)} / ${median(coldLoadMs).toFixed(1)}`, files, manifests.length, (metadataBytes / 1024).toFixed(0),
      `${parseMs.toFixed(1)} / ${nativeParseMs.toFixed(1)}`, `${serializeMs.toFixed(1)} / ${nativeSerializeMs.toFixed(1)}`,
    ]);
    process.stderr.write(`checkpoint ${checkpoint} done at ${((performance.now() - started) / 60000).toFixed(1)} min\n`);
  }

  printTable(
    ['prior appends', 'commit ms (median)', 'plan ms (median)', 'plan ms, metadata preloaded', 'latest-day plan ms', 'previous-day plan ms', 'load metadata ms cached / new catalog', 'live files', 'manifests',
      'metadata.json KiB', 'parse ms ours / JSON.parse', 'serialize ms ours / JSON.stringify'],
    rows,
  );
  const at = (c: number) => rows.find((r) => r[0] === c);
  const p100 = at(100);
  const p10k = at(10000);
  if (p100 && p10k) {
    console.log(`\nplanning ratio 10,000 / 100 commits: ${(Number(p10k[2]) / Number(p100[2])).toFixed(2)}x (target <= 2x); ` +
      `manifest part only: ${(Number(p10k[3]) / Number(p100[3])).toFixed(2)}x; ` +
      `latest-day plan: ${(parseFloat(String(p10k[4])) / parseFloat(String(p100[4]))).toFixed(2)}x; ` +
      `previous (full) day plan: ${(parseFloat(String(p10k[5])) / parseFloat(String(p100[5]))).toFixed(2)}x`);
  }
  if (growth.length) {
    console.log(`\n${fastBuild ? 'in-memory (--fast-build) ' : ''}commit time while building history (mean ms per commit over each 500):`);
    printTable(['commits', 'ms/commit'], growth);
  }
  if (stoppedEarly) console.log(`\n${stoppedEarly}`);
  console.log(`\nmode: ${fastBuild ? '--fast-build (history between checkpoints via an in-memory committer; measurements via FileCatalog)' : 'every commit through FileCatalog'}`);
  console.log(`total ${((performance.now() - started) / 60000).toFixed(1)} min, ${commits} commits, lake at ${dir}`);
  if (!argValue('--dir') && !process.argv.includes('--keep')) await rm(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
