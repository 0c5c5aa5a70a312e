import { readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  duckDbSizing, FUNCTION_KINDS, lakePortsFromEnvironment, MissingEnvironmentError, readEnvironment, variablesOf,
} from '../../src/aws/environment';
import { GlueCatalog } from '../../src/catalog/glue-catalog';
import { S3Store } from '../../src/storage/s3-store';

const LAKE_ENV = { AWS_REGION: 'eu-west-1', METERLAKE_LAKE_BUCKET: 'lake', METERLAKE_GLUE_DATABASE: 'meterlake' };

function errorOf(work: () => unknown): MissingEnvironmentError {
  try {
    work();
  } catch (err) {
    if (err instanceof MissingEnvironmentError) return err;
    throw err;
  }
  throw new Error('expected MissingEnvironmentError');
}

test('an ingest function with no environment names every variable it needs in one error', () => {
  const error = errorOf(() => readEnvironment('ingest', {}));

  expect(error.problems).toEqual([
    'AWS_REGION', 'METERLAKE_LAKE_BUCKET', 'METERLAKE_LANDING_BUCKET', 'METERLAKE_GLUE_DATABASE', 'METERLAKE_COMMIT_QUEUE_URL',
  ]);
  expect(error.message).toContain('METERLAKE_COMMIT_QUEUE_URL');
});

test('every function folder has its variables declared (the stack sets exactly these)', () => {
  const folders = readdirSync(path.join(__dirname, '..', '..', 'functions')).filter((name) => name !== 'commons').sort();

  expect(Object.keys(FUNCTION_KINDS).sort()).toEqual(folders);
  expect(variablesOf('athena-views')).toEqual(['AWS_REGION', 'METERLAKE_GLUE_DATABASE', 'METERLAKE_ATHENA_WORKGROUP']);
});

test('a blank variable counts as missing', () => {
  const error = errorOf(() => readEnvironment('commit', { ...LAKE_ENV, METERLAKE_LAKE_BUCKET: '  ' }));

  expect(error.problems).toEqual(['METERLAKE_LAKE_BUCKET']);
});

test('a function memory size that is not a number is reported with the missing variables', () => {
  const error = errorOf(() => readEnvironment('athena-views', { AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' }));

  expect(error.problems).toEqual([
    'METERLAKE_GLUE_DATABASE', 'METERLAKE_ATHENA_WORKGROUP', "AWS_LAMBDA_FUNCTION_MEMORY_SIZE (expected a whole number of MB, got 'lots')",
  ]);
});

test('the commit function needs neither the commit queue nor the landing bucket', () => {
  const environment = readEnvironment('commit', LAKE_ENV);

  expect(environment).toMatchObject({ lakeBucket: 'lake', glueDatabase: 'meterlake', connection: { region: 'eu-west-1' } });
  expect(environment.commitQueueUrl).toBeUndefined();
});

test("a service's own endpoint variable wins over AWS_ENDPOINT_URL", () => {
  const environment = readEnvironment('commit', { ...LAKE_ENV, AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });

  expect(environment.connection.endpoints).toEqual({
    s3: 'http://127.0.0.1:9000', glue: 'http://localstack:4566', sqs: 'http://localstack:4566', athena: 'http://localstack:4566', dynamodb: 'http://localstack:4566',
  });
});

test('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns the endpoint variables off', () => {
  const environment = readEnvironment('commit', { ...LAKE_ENV, AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' });

  expect(environment.connection.endpoints).toEqual({});
});

test('DuckDB gets 75% of the function memory', () => {
  const environment = readEnvironment('commit', { ...LAKE_ENV, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' });

  expect(duckDbSizing(environment).memoryLimit).toBe('2256MB');
});

test("an ingest function's ports read landing objects from the landing bucket and keep the lake in the lake bucket", async () => {
  const environment = readEnvironment('ingest', {
    ...LAKE_ENV, METERLAKE_LANDING_BUCKET: 'landing', METERLAKE_COMMIT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo',
  });
  const ports = await lakePortsFromEnvironment(environment);
  try {
    expect([(ports.landing as S3Store).url, ports.store.url, (ports.catalog as GlueCatalog).warehouse]).toEqual(['s3://landing', 's3://lake', 's3://lake/warehouse']);
  } finally {
    ports.session.close();
    rmSync(path.dirname(ports.tempDir), { recursive: true, force: true });
  }
});

test('the ports are built once per container, with DuckDB sized for the function and its folders under the temp folder', async () => {
  const environment = readEnvironment('commit', { ...LAKE_ENV, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
  const [ports, again] = await Promise.all([lakePortsFromEnvironment(environment), lakePortsFromEnvironment(environment)]);
  try {
    const [settings] = await ports.session.all<Record<string, string>>(
      `SELECT current_setting('memory_limit') AS memory, current_setting('home_directory') AS home, current_setting('temp_directory') AS spill`,
    );

    expect(again).toBe(ports);
    expect(settings.memory).toBe('1.4 GiB'); // 1536 MB
    expect([settings.home, settings.spill, ports.tempDir].every((dir) => dir.startsWith(path.join(os.tmpdir(), 'meterlake')))).toBe(true);
  } finally {
    ports.session.close();
    rmSync(path.dirname(ports.tempDir), { recursive: true, force: true });
  }
});
