/**
 * daily-plan: a task of the daily Step Functions job. Placeholder until src/pipeline/daily-run.ts lands
 * (branch issue11-daily); the real handler calls its function of the same step.
 */
import { readEnvironment } from '../../src/aws/environment';

const environment = readEnvironment('lake');

export const handler = async (): Promise<never> => {
  throw new Error(`daily-plan is not wired yet (${environment.kind}): src/pipeline/daily-run.ts has not landed`);
};
