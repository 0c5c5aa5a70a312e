import { open, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { DeviceState, DeviceStateChange, DeviceStateStore, PartitionProgress } from './device-state';

interface StateFile {
  devices: Record<string, DeviceState>;
  partitions: Record<string, PartitionProgress>;
}

const LOCK_RETRY_MS = 5;
const LOCK_TIMEOUT_MS = 30_000;

/** The lock holder died or hangs: the state store is left alone rather than overwritten. */
export class DeviceStateLockedError extends Error {
  override readonly name = 'DeviceStateLockedError';
}

/**
 * The local device-state store: one JSON file, read and rewritten under an exclusive lock file
 * (create-exclusive, then atomic rename of the new contents), so concurrent `meterlake stream`
 * processes get the same conditional semantics as DynamoDB's condition expressions. Within one
 * process the file is cached between calls and re-read only when another process changed it.
 */
export class FileDeviceStateStore implements DeviceStateStore {
  private cached?: { data: StateFile; stamp: string };

  private constructor(private readonly file: string) {}

  /** A store at `file` (created on first write). */
  static async create(file: string): Promise<FileDeviceStateStore> {
    await mkdir(path.dirname(file), { recursive: true });
    return new FileDeviceStateStore(file);
  }

  private async read(): Promise<StateFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { devices: {}, partitions: {} };
      throw err;
    }
    // The file carries a stamp (a write counter) first: a cached copy with the same stamp is current.
    const stamp = text.slice(0, text.indexOf('\n'));
    if (this.cached?.stamp === stamp) return this.cached.data;
    const data = JSON.parse(text.slice(stamp.length + 1)) as StateFile;
    this.cached = { data, stamp };
    return data;
  }

  private async write(data: StateFile): Promise<void> {
    const stamp = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const temp = `${this.file}.${stamp}.tmp`;
    await writeFile(temp, `${stamp}\n${JSON.stringify(data)}`);
    await rename(temp, this.file);
    this.cached = { data, stamp };
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${this.file}.lock`;
    const started = Date.now();
    for (;;) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (Date.now() - started > LOCK_TIMEOUT_MS) {
          throw new DeviceStateLockedError(`${lock} has been held for ${LOCK_TIMEOUT_MS / 1000} s; if no meterlake process is running, delete it`);
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  async loadDevices(deviceIds: readonly number[]): Promise<Map<number, DeviceState>> {
    const data = await this.locked(() => this.read());
    const states = new Map<number, DeviceState>();
    for (const id of deviceIds) {
      const state = data.devices[id];
      if (state) states.set(id, state);
    }
    return states;
  }

  async saveDevices(changes: readonly DeviceStateChange[]): Promise<Set<number>> {
    if (!changes.length) return new Set();
    return this.locked(async () => {
      const data = await this.read();
      const lost = new Set<number>();
      const devices = { ...data.devices };
      for (const { next, expectedVersion } of changes) {
        if (devices[next.deviceId]?.version !== expectedVersion) lost.add(next.deviceId);
        else devices[next.deviceId] = next;
      }
      if (lost.size < changes.length) await this.write({ ...data, devices });
      return lost;
    });
  }

  async loadProgress(topicPartition: string): Promise<PartitionProgress | undefined> {
    return (await this.locked(() => this.read())).partitions[topicPartition];
  }

  async saveProgress(topicPartition: string, next: PartitionProgress, expectedVersion: number | undefined): Promise<boolean> {
    return this.locked(async () => {
      const data = await this.read();
      if (data.partitions[topicPartition]?.version !== expectedVersion) return false;
      await this.write({ ...data, partitions: { ...data.partitions, [topicPartition]: next } });
      return true;
    });
  }
}
