import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppConfigError, DEFAULT_CONFIG, readAppConfig } from '../../lib/app-config';

const reader = (context: Record<string, unknown>) => (key: string) => context[key];

describe('readAppConfig', () => {
  test('no context gives the defaults (arm64, retain, daily 02:30 Europe/London)', () => {
    expect(readAppConfig(reader({}))).toEqual(DEFAULT_CONFIG);
  });

  test('cdk.json states every default, with the same values', () => {
    const { context } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));

    expect(Object.keys(context).sort()).toEqual(Object.keys(DEFAULT_CONFIG).filter((key) => key !== 'alertEmail').sort());
    expect(readAppConfig(reader(context))).toEqual(DEFAULT_CONFIG);
  });

  test('command-line strings are parsed by type', () => {
    const config = readAppConfig(reader({
      architecture: 'x86_64',
      destroyOnRemove: 'true',
      ingestMemoryMb: '3008',
      dailySchedule: '{"cron":"cron(0 3 * * ? *)","timeZone":"Europe/Oslo"}',
      alertEmail: 'ops@example.com',
    }));

    expect(config).toMatchObject({
      architecture: 'x86_64',
      destroyOnRemove: true,
      ingestMemoryMb: 3008,
      dailySchedule: { cron: 'cron(0 3 * * ? *)', timeZone: 'Europe/Oslo' },
      alertEmail: 'ops@example.com',
    });
  });

  test('every problem is reported in one error, each naming the key and the value', () => {
    const context = {
      alertEmail: 'not-an-address',
      architecture: 'x86',
      destroyOnRemove: 'yes',
      dailySchedule: { cron: '30 2 * * *', timeZone: 'Mars/Olympus' },
      maintenanceSchedule: 'weekly',
      ingestMemoryMb: 20000,
      mergeEphemeralStorageMb: '100',
      mapMaxConcurrency: 0,
      athenaBytesScannedCutoff: 5,
      landingNoncurrentVersionDays: -1,
      historyColdAfterDays: 'ninety',
      auditLockMode: 'STRICT',
      auditRetentionDays: 1.5,
    };

    let error: unknown;
    try {
      readAppConfig(reader(context));
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(AppConfigError);
    const problems = (error as AppConfigError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'alertEmail', 'architecture', 'destroyOnRemove', 'dailySchedule.cron', 'dailySchedule.timeZone', 'maintenanceSchedule',
      'ingestMemoryMb', 'mergeEphemeralStorageMb', 'mapMaxConcurrency', 'athenaBytesScannedCutoff',
      'landingNoncurrentVersionDays', 'historyColdAfterDays', 'auditLockMode', 'auditRetentionDays',
    ]);
    expect((error as Error).message).toContain('architecture: "x86" is not one of arm64, x86_64');
    expect((error as Error).message).toContain('ingestMemoryMb: expected a whole number from 128 to 10240 (MB), got 20000');
  });
});
