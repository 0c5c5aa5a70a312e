export { startFakeAthena, type FakeAthena, type FakeAthenaStatement } from './athena';
export { startFakeGlue, type FakeGlue } from './glue';
export { FakeServiceError, startJsonService, type FakeCall, type Interception, type Interceptor, type JsonService } from './json-protocol-server';
export { DEDUPLICATION_WINDOW_MS, startFakeSqs, type FakeSqs, type FakeSqsMessage } from './sqs';
