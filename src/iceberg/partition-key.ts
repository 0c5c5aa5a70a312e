import type { DataFile, LiveEntry } from './types';

/** A partition tuple as a map key: equal tuples give equal keys (bigints written as decimal strings). */
export function partitionKey(file: Pick<DataFile, 'partition'>): string {
  return JSON.stringify(file.partition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A live file's partition within its spec as a map key: files share it exactly when delete files may apply across them. */
export function specPartitionKey(entry: LiveEntry): string {
  return `${entry.partition_spec_id}:${partitionKey(entry.data_file)}`;
}
