import { duckDbSizing, MissingEnvironmentError, readEnvironment } from '../../src/aws/environment';

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

test('a blank variable counts as missing', () => {
  const error = errorOf(() => readEnvironment('lake', { ...LAKE_ENV, METERLAKE_LAKE_BUCKET: '  ' }));

  expect(error.problems).toEqual(['METERLAKE_LAKE_BUCKET']);
});

test('a function memory size that is not a number is reported with the missing variables', () => {
  const error = errorOf(() => readEnvironment('athena', { AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots' }));

  expect(error.problems).toEqual([
    'METERLAKE_GLUE_DATABASE', 'METERLAKE_ATHENA_WORKGROUP', "AWS_LAMBDA_FUNCTION_MEMORY_SIZE (expected a whole number of MB, got 'lots')",
  ]);
});

test('a lake function needs neither the commit queue nor the landing bucket', () => {
  const environment = readEnvironment('lake', LAKE_ENV);

  expect(environment).toMatchObject({ lakeBucket: 'lake', glueDatabase: 'meterlake', connection: { region: 'eu-west-1' } });
  expect(environment.commitQueueUrl).toBeUndefined();
});

test("a service's own endpoint variable wins over AWS_ENDPOINT_URL", () => {
  const environment = readEnvironment('lake', { ...LAKE_ENV, AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });

  expect(environment.connection.endpoints).toEqual({
    s3: 'http://127.0.0.1:9000', glue: 'http://localstack:4566', sqs: 'http://localstack:4566', athena: 'http://localstack:4566',
  });
});

test('DuckDB gets 75% of the function memory', () => {
  const environment = readEnvironment('lake', { ...LAKE_ENV, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' });

  expect(duckDbSizing(environment).memoryLimit).toBe('2256MB');
});
