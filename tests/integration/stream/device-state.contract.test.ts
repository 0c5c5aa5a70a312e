import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDbDeviceStateStore } from '../../../src/aws/dynamodb-device-state';
import type { DeviceState, DeviceStateStore } from '../../../src/pipeline/stream/device-state';
import { FileDeviceStateStore } from '../../../src/pipeline/stream/file-device-state';
import { startDynalite, type DynaliteServer } from '../../helpers/dynalite';

const state = (deviceId: number, version: number, timeMs = 1000 * version): DeviceState =>
  ({ deviceId, deviceName: `device ${deviceId}`, timeMs, cumulativeEnergy: 0.1 + 0.2 * version, version });

let dynalite: DynaliteServer;
let folder: string;
beforeAll(async () => {
  dynalite = await startDynalite();
  folder = await mkdtemp(path.join(tmpdir(), 'meterlake-state-'));
});
afterAll(async () => {
  await dynalite.close();
  await rm(folder, { recursive: true, force: true });
});

let stores = 0;
const implementations: [string, () => Promise<DeviceStateStore>][] = [
  ['DynamoDB (dynalite)', async () => new DynamoDbDeviceStateStore(dynalite.client, await dynalite.createDeviceStateTable())],
  ['state file', () => FileDeviceStateStore.create(path.join(folder, `state-${++stores}.json`))],
];

describe.each(implementations)('device-state store: %s', (_name, create) => {
  test('a state written is read back exactly, doubles included', async () => {
    const store = await create();
    expect(await store.saveDevices([{ next: state(7, 1), expectedVersion: undefined }])).toEqual(new Set());
    expect((await store.loadDevices([7, 8])).get(7)).toEqual(state(7, 1));
    expect((await store.loadDevices([7, 8])).has(8)).toBe(false);
  });

  test('a write expecting a version that is no longer stored loses, and leaves the winner in place', async () => {
    const store = await create();
    await store.saveDevices([{ next: state(7, 1), expectedVersion: undefined }]);
    await store.saveDevices([{ next: state(7, 2), expectedVersion: 1 }]);
    expect(await store.saveDevices([{ next: state(7, 2, 99_000), expectedVersion: 1 }, { next: state(9, 1), expectedVersion: undefined }])).toEqual(new Set([7]));
    expect((await store.loadDevices([7])).get(7)).toEqual(state(7, 2));
  });

  test('creating a device that another writer created first loses', async () => {
    const store = await create();
    await store.saveDevices([{ next: state(7, 1), expectedVersion: undefined }]);
    expect(await store.saveDevices([{ next: state(7, 1, 5), expectedVersion: undefined }])).toEqual(new Set([7]));
  });

  test('of two concurrent writers from the same version exactly one wins', async () => {
    const store = await create();
    await store.saveDevices([{ next: state(7, 1), expectedVersion: undefined }]);
    const outcomes = await Promise.all([
      store.saveDevices([{ next: state(7, 2, 10), expectedVersion: 1 }]),
      store.saveDevices([{ next: state(7, 2, 20), expectedVersion: 1 }]),
    ]);
    expect(outcomes.map((lost) => lost.size).sort()).toEqual([0, 1]);
  });

  test('more devices than one batched read holds are all read', async () => {
    const store = await create();
    const ids = Array.from({ length: 230 }, (_, i) => i + 1);
    await store.saveDevices(ids.map((id) => ({ next: state(id, 1), expectedVersion: undefined })));
    expect((await store.loadDevices(ids)).size).toBe(230);
  });

  test('partition progress is written on condition of the version read, pending batch included', async () => {
    const store = await create();
    const pending = { through: 9, pending: { first: 10, last: 19, batchId: 'b1' }, version: 1 };
    expect(await store.saveProgress('sensors-0', pending, undefined)).toBe(true);
    expect(await store.loadProgress('sensors-0')).toEqual(pending);
    expect(await store.saveProgress('sensors-0', { through: 19, version: 2 }, undefined)).toBe(false);
    expect(await store.saveProgress('sensors-0', { through: 19, version: 2 }, 1)).toBe(true);
    expect(await store.loadProgress('sensors-0')).toEqual({ through: 19, version: 2 });
  });
});
