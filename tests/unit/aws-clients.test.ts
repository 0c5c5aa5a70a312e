import { awsClientConfig } from '../../src/aws/clients';

test('S3 behind a custom endpoint is addressed path-style and sends checksums only when required', () => {
  const config = awsClientConfig('s3', { region: 'us-east-1', endpoints: { s3: 'http://127.0.0.1:9000' } });

  expect(config).toEqual({
    region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

test('S3 on AWS keeps the SDK defaults', () => {
  expect(awsClientConfig('s3', { region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
});

test('other services take only the region and their endpoint', () => {
  expect(awsClientConfig('glue', { region: 'us-east-1', endpoints: { glue: 'http://127.0.0.1:5000', s3: 'http://127.0.0.1:9000' } }))
    .toEqual({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
});
