import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { MskRecord } from '../../pipeline/stream/msk-event';
import { ExitCode, reportExitCode } from '../exit-codes';
import { integerAtLeast } from '../option-parsers';
import { progress } from '../progress';
import { handleMskEventLocally } from '../stream-run';
import type { LocalLake } from '../local-lake';
import { out, withLake } from './support';

export interface StreamFileOptions {
  topic: string;
  partition: number;
  /** Records per MSK event (the event source mapping's batch size). */
  batchSize: number;
  onProgress?: (messages: number) => void;
}

export interface StreamFileResult {
  messages: number;
  measurements: number;
  rejected: number;
  deltas: number;
  events: number;
  /** Messages at offsets already handed over by an earlier run (nothing written for them). */
  skipped: number;
  failures: { topicPartition: string; error: unknown }[];
}

/**
 * Feed Kafka message values (one per line) through the stream handling in MSK-shaped batches.
 * The file is the partition's log: line n (from 0) is offset n, so streaming a file again is a
 * redelivery and writes nothing twice; appending lines and streaming again takes only the new ones.
 */
export async function streamLines(lake: LocalLake, lines: AsyncIterable<string>, opts: StreamFileOptions): Promise<StreamFileResult> {
  const result: StreamFileResult = { messages: 0, measurements: 0, rejected: 0, deltas: 0, events: 0, skipped: 0, failures: [] };
  let batch: MskRecord[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const key = `${opts.topic}-${opts.partition}`;
    let committed = 0;
    const response = await handleMskEventLocally(lake, { eventSource: 'aws:kafka', records: { [key]: batch } }, (request) => {
      committed += request.accepted + request.rejected;
      result.measurements += request.accepted;
      result.rejected += request.rejected;
      result.deltas += request.stream?.deltas ?? 0;
      result.events += request.stream?.events ?? 0;
    }, (topicPartition, error) => result.failures.push({ topicPartition, error }));
    if (!response.batchItemFailures.length && committed === 0) result.skipped += batch.length;
    batch = [];
    opts.onProgress?.(result.messages);
  };
  for await (const line of lines) {
    const offset = result.messages++;
    batch.push({
      topic: opts.topic, partition: opts.partition, offset, timestamp: lake.now(), timestampType: 'CREATE_TIME',
      key: null, value: Buffer.from(line, 'utf8').toString('base64'), headers: [],
    });
    if (batch.length >= opts.batchSize) await flush();
    if (result.failures.length) break;
  }
  await flush();
  return result;
}

/** The lines of a file, or of stdin for '-'. */
function linesOf(file: string): AsyncIterable<string> {
  return createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
}

/** `meterlake stream` */
export function registerStream(program: Command): void {
  program.command('stream')
    .description('feed sensor messages (Kafka message values, one JSON per line; - for stdin) through the MSK handler: deltas into device_energy')
    .argument('<file>', 'a .jsonl file, or - for stdin; line n is offset n of the partition')
    .option('--topic <name>', 'Kafka topic the lines stand for', 'sensors')
    .option('--partition <n>', 'Kafka partition the lines stand for', integerAtLeast(0), 0)
    .option('--batch-size <n>', 'records per MSK event (the event source batch size)', integerAtLeast(1), 500)
    .action(async (file: string, opts, cmd: Command) => withLake(cmd, async (lake) => {
      const bar = progress('streaming', 0);
      const result = await streamLines(lake, linesOf(file), { ...opts, onProgress: (n) => bar.update(n, n) });
      bar.stop();
      out(describeStream(result));
      if (result.failures.length) {
        for (const f of result.failures) process.stderr.write(`error: ${f.topicPartition}: ${(f.error as Error).message ?? String(f.error)}\n`);
        reportExitCode(cmd, ExitCode.FAILED);
      }
    }));
}

/** One line: what a stream run did. */
export function describeStream(r: StreamFileResult): string {
  const skipped = r.skipped ? `; ${r.skipped} already streamed (skipped)` : '';
  return `${r.messages} messages: ${r.measurements} measurements, ${r.deltas} deltas, ${r.events} late/duplicate/reset events, ${r.rejected} rejected${skipped}`;
}
