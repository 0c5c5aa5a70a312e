import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one metrics emitter (CloudWatch embedded metric format) every function imports. */
export const metrics = new Metrics({ namespace: 'meterlake', serviceName: 'meterlake' });
