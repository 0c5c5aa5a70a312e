import type { Context } from 'aws-lambda';
import type { SettleRequest } from '../../functions/settle/handler';
import type { LakePorts } from '../../src/pipeline/ports';

// The module reads its environment at load (a cold start), as in Lambda.
const env = { AWS_REGION: 'eu-west-1', METERLAKE_LAKE_BUCKET: 'lake', METERLAKE_GLUE_DATABASE: 'meterlake', METERLAKE_AUDIT_BUCKET: 'audit', METERLAKE_SOURCE_REVISION: 'abc' };
let handlerModule: typeof import('../../functions/settle/handler');
beforeAll(async () => {
  Object.assign(process.env, env);
  handlerModule = await import('../../functions/settle/handler');
});
afterAll(() => {
  for (const key of Object.keys(env)) delete process.env[key];
});

const context = { functionName: 'settle', awsRequestId: 'r' } as Context;
const noPorts = () => Promise.reject(new Error('ports must not be built for an input that is refused'));

describe('settle handler', () => {
  test('without a month it settles the month before the invocation', () => {
    expect(handlerModule.previousMonth(Date.parse('2027-01-02T06:00:00Z'))).toBe('2026-12');
  });

  test('an unknown field in the execution input is refused, naming it', async () => {
    const handler = handlerModule.createSettleHandler({ ports: noPorts as () => Promise<LakePorts>, sourceRevision: 'abc' });
    await expect(handler({ request: { month: '2026-11', monht: '2026-10' } as SettleRequest }, context)).rejects.toThrow(/unknown field\(s\) monht in the execution input/);
  });

  test('a month that is not a string is refused', async () => {
    const handler = handlerModule.createSettleHandler({
      ports: async () => ({ now: () => 0 }) as unknown as LakePorts, sourceRevision: 'abc',
    });
    await expect(handler({ request: { month: 202611 } }, context)).rejects.toThrow(/month is 202611, expected a string/);
  });
});
