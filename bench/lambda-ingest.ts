/**
 * The bundled ingest and commit functions — the asset folders `cdk synth` writes, each run in a
 * fresh Node process with the DuckDB layer on NODE_PATH (tests/helpers/lambda-asset.ts) — on the
 * 10M-row CSV, against the whole local command `meterlake ingest <file>` on the same file, same run.
 *
 * Ours, per rep: the CSV is put in the landing bucket of a local S3-compatible server (not timed: in
 * AWS the file is there before the event); then a cold ingest container gets the S3 → SQS event
 * (cold start = process spawn to handler module loaded), downloads the object, ingests it and
 * sends the commit request to the fake SQS; a cold commit container gets that FIFO record and
 * commits through the fake Glue catalog. Timed: cold starts and invocations, and the object's
 * download alone from the same server (by the bench, before the run); sampled: the ingest
 * container's /tmp use (every 100 ms) and peak RSS (VmHWM). Each rep lands the file under a new
 * key (a re-delivered key would be skipped as already ingested).
 * Floor, per rep: `node scripts/meterlake.cjs --lake <fresh> ingest <csv>` under /usr/bin/time -v.
 *
 * Usage: npx tsx bench/lambda-ingest.ts [--rows 10000000] [--reps 3]
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SQSBatchResponse } from 'aws-lambda';
import { S3Store } from '../src/storage/s3-store';
import { startFakeGlue, startFakeSqs } from '../tests/helpers/fake-aws';
import { resultOf, startContainer, type LambdaContainer } from '../tests/helpers/lambda-asset';
import { customResourceEvent, s3EventBody, sqsEvent, sqsRecord } from '../tests/helpers/lambda-events';
import { startS3Server } from '../tests/helpers/s3-server';
import { synthesizeApp, type SynthesizedFunction } from '../tests/helpers/synthesized-assets';
import { argValue, median, printTable, runTimed } from './bench-util';
import { generateReadingsCsv } from './readings-csv';

const rows = Number(argValue('--rows') ?? 10_000_000);
const reps = Number(argValue('--reps') ?? 5);
const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');

/** Bytes under a folder (files only). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** The largest value `sample` returns while `work` runs, sampled every `everyMs`. */
async function peakWhile<T>(work: Promise<T>, sample: () => Promise<number>, everyMs = 100): Promise<{ result: T; peak: number }> {
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await sample());
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    running = false;
    await sampler;
  }
}

/** Peak resident memory of a process so far, MB (Linux /proc). */
async function peakRssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

interface Timed<T> { ms: number; value: T }
async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

interface OursRun { downloadMs: number; coldStartMs: number; ingestMs: number; commitColdStartMs: number; commitMs: number; totalMs: number; tmpPeakMb: number; ingestRssMb: number; commitRssMb: number }

async function main(): Promise<void> {
  const csv = await generateReadingsCsv(DATA, rows);
  const csvBytes = (await stat(csv)).size;
  console.error('synthesizing the app (bundling every function)…');
  const synth = await timed(() => synthesizeApp());
  const app = synth.value;
  const [s3, sqs, glue] = await Promise.all([startS3Server(), startFakeSqs(), startFakeGlue('meterlake')]);
  const workDir = await mkdtemp(path.join(tmpdir(), 'meterlake-bench-lambda-'));
  const store = new S3Store(s3.storeOptions());
  const queueUrl = `${sqs.endpoint}/123456789012/meterlake-commit.fifo`;
  const options = {
    workDir,
    deployed: {
      METERLAKE_LAKE_BUCKET: s3.bucket, METERLAKE_LANDING_BUCKET: s3.bucket, METERLAKE_GLUE_DATABASE: 'meterlake', METERLAKE_COMMIT_QUEUE_URL: queueUrl,
    },
    environment: {
      AWS_REGION: s3.region, AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_GLUE: glue.endpoint,
      POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true',
    },
  };
  const start = async (fn: SynthesizedFunction): Promise<{ container: LambdaContainer; coldStartMs: number }> => {
    const t0 = performance.now();
    const container = startContainer(fn, options);
    const cold = await container.coldStart;
    if (cold.error) throw new Error(`${fn.name} failed its cold start: ${cold.error.name}: ${cold.error.message}`);
    return { container, coldStartMs: performance.now() - t0 };
  };
  const containers: LambdaContainer[] = [];
  try {
    const catalog = await start(app.functions['catalog-tables']);
    containers.push(catalog.container);
    await resultOf(catalog.container, customResourceEvent('Create'));
    // Build the command now if its sources changed, so no measured run pays for the build.
    await runTimed(process.execPath, [path.join(ROOT, 'scripts', 'meterlake.cjs'), '--help']);
    const load = loadavg();
    const floor: { ms: number; rssMb: number; line: string }[] = [];
    const ours: OursRun[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const lake = await mkdtemp(path.join(DATA, 'lambda-ingest-floor-'));
      const run = await runTimed(process.execPath, [path.join(ROOT, 'scripts', 'meterlake.cjs'), '--lake', lake, 'ingest', csv]);
      await rm(lake, { recursive: true, force: true });
      floor.push({ ms: run.wallMs, rssMb: run.peakRssMb, line: run.stdout.trim().split('\n').pop() ?? '' });
      console.error(`floor: ${(run.wallMs / 1000).toFixed(2)} s, ${run.peakRssMb.toFixed(0)} MB — ${floor.at(-1)!.line}`);

      const key = `landing/default/readings/readings-${rows}-rep${rep}.csv`;
      const put = await store.put(key, createReadStream(csv));
      const object = { bucket: s3.bucket, key, etag: put.etag?.replaceAll('"', ''), size: csvBytes, arrivalTime: new Date() };
      // What the object's download alone costs from this server (the handler's first step; the local command has none).
      const probe = path.join(workDir, 'download-probe');
      const download = await timed(() => store.getToFile(key, probe));
      await rm(probe);
      const t0 = performance.now();
      const ingest = await start(app.functions.ingest);
      containers.push(ingest.container);
      const invoked = await peakWhile(
        timed(() => resultOf<SQSBatchResponse>(ingest.container, sqsEvent(sqsRecord(`ingest-${rep}`, s3EventBody(object)))))
        , () => folderBytes(workDir),
      );
      if (invoked.result.value.batchItemFailures.length) throw new Error(`ingest failed: ${ingest.container.logs().slice(-3000)}`);
      const ingestRssMb = await peakRssMb(ingest.container.pid);
      const message = sqs.messages.at(-1)!;
      const commit = await start(app.functions.commit);
      containers.push(commit.container);
      const committed = await timed(() => resultOf<SQSBatchResponse>(commit.container, sqsEvent(sqsRecord(message.messageId, message.body, message.groupId))));
      if (committed.value.batchItemFailures.length) throw new Error(`commit failed: ${commit.container.logs().slice(-3000)}`);
      const totalMs = performance.now() - t0;
      const commitRssMb = await peakRssMb(commit.container.pid);
      await Promise.all([ingest.container.kill(), commit.container.kill()]);
      ours.push({
        downloadMs: download.ms, coldStartMs: ingest.coldStartMs, ingestMs: invoked.result.ms, commitColdStartMs: commit.coldStartMs, commitMs: committed.ms, totalMs,
        tmpPeakMb: invoked.peak / 1e6, ingestRssMb, commitRssMb,
      });
      console.error(`ours: ${JSON.stringify(ours.at(-1))}`);
    }
    const med = (f: (r: OursRun) => number) => median(ours.map(f));
    const floorS = median(floor.map((r) => r.ms)) / 1000;
    const totalS = med((r) => r.totalMs) / 1000;
    const warmS = (med((r) => r.ingestMs) + med((r) => r.commitMs)) / 1000;
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    const ingestAsset = await folderBytes(app.functions.ingest.assetDir);
    const layers = await Promise.all(app.functions.ingest.layerDirs.map(folderBytes));
    const layerBytes = layers.reduce((a, b) => a + b, 0);
    console.log(`\n${rows.toLocaleString()} rows, ${mb(csvBytes)} MB CSV; ${reps} reps; synth ${(synth.ms / 1000).toFixed(1)} s; load avg at start ${load.map((l) => l.toFixed(2)).join(' ')}\n`);
    printTable(['path', 'median s', 'x floor', 'peak RSS MB', 'runs (s)'], [
      ['floor: `meterlake ingest <file>` (whole command)', floorS.toFixed(2), '1.00', median(floor.map((r) => r.rssMb)).toFixed(0), floor.map((r) => (r.ms / 1000).toFixed(2)).join(' / ')],
      ['ours: cold ingest λ + cold commit λ (spawn → committed)', totalS.toFixed(2), (floorS / totalS).toFixed(2),
        `ingest ${med((r) => r.ingestRssMb).toFixed(0)}, commit ${med((r) => r.commitRssMb).toFixed(0)}`, ours.map((r) => (r.totalMs / 1000).toFixed(2)).join(' / ')],
      ['ours, warm containers: ingest + commit invocations', warmS.toFixed(2), (floorS / warmS).toFixed(2), '', ours.map((r) => ((r.ingestMs + r.commitMs) / 1000).toFixed(2)).join(' / ')],
    ]);
    console.log(`\ncold start (spawn → module loaded): ingest ${med((r) => r.coldStartMs).toFixed(0)} ms, commit ${med((r) => r.commitColdStartMs).toFixed(0)} ms; `
      + `ingest invocation ${(med((r) => r.ingestMs) / 1000).toFixed(2)} s (download + ingest + send), commit invocation ${(med((r) => r.commitMs) / 1000).toFixed(2)} s; `
      + `first row committed ${(totalS).toFixed(2)} s after the event; the object's download alone ${(med((r) => r.downloadMs) / 1000).toFixed(2)} s `
      + `(ingest invocation without it ${((med((r) => r.ingestMs) - med((r) => r.downloadMs)) / 1000).toFixed(2)} s)`);
    console.log(`/tmp peak during ingest ${med((r) => r.tmpPeakMb).toFixed(0)} MB; unzipped: ingest asset ${mb(ingestAsset)} MB + layer ${mb(layerBytes)} MB = ${mb(ingestAsset + layerBytes)} MB of 250 MB`);
    console.log(`ratio ours/floor = ${(floorS / totalS).toFixed(2)} cold, ${(floorS / warmS).toFixed(2)} warm (target >= 0.9)`);
  } finally {
    await Promise.all(containers.map((c) => c.kill()));
    await Promise.all([s3.close(), sqs.close(), glue.close()]);
    await rm(workDir, { recursive: true, force: true });
    app.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
