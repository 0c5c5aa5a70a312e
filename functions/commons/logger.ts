import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger every function imports: JSON lines with the service name, the function's
 * request id and cold start, and the correlation keys a handler appends (object key, batch id,
 * table, snapshot id, execution id). Level from POWERTOOLS_LOG_LEVEL (default INFO).
 */
export const logger = new Logger({ serviceName: 'meterlake' });
