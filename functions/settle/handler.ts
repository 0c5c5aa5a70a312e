/**
 * settle: the monthly settlement task. Input {"executionId"?: string, "request": the execution's
 * input, {"month"?: "YYYY-MM", "asOf"?: "daily-YYYY-MM-DD", "Comment"?: any}} → `settleMonth` (pins and tags every input, writes the reports and the
 * manifest to the Object-Lock audit bucket) → the run id and its outputs. Without `month` it settles
 * the calendar month before the invocation (the schedule runs early in the next month). `Comment`
 * (the console's default input) is ignored; any other field is refused.
 */
import type { Context } from 'aws-lambda';
import { lakePortsFromEnvironment, readEnvironment, sourceRevision } from '../../src/aws/environment';
import type { LakePorts } from '../../src/pipeline/ports';
import { parseSettlementMonth } from '../../src/pipeline/settlement/calendar';
import { settleMonth } from '../../src/pipeline/settlement/settle';
import { InvalidTaskInputError } from '../commons/daily-task-input';
import { logger } from '../commons/logger';

export interface SettleRequest { month?: unknown; asOf?: unknown; Comment?: unknown }
export interface SettleInput { request?: SettleRequest; executionId?: unknown }
export interface SettleResult { runId: string; month: string; asOf: string; manifestKey: string; outputs: { file: string; rows?: number; sha256: string }[] }

const INPUT_FIELDS = ['request', 'executionId'];
const REQUEST_FIELDS = ['month', 'asOf', 'Comment'];

/** Fields outside `known`, named (a misspelt option is an error, never ignored). */
function refuseUnknown(value: object, what: string, known: string[]): void {
  const unknown = Object.keys(value).filter((f) => !known.includes(f));
  if (unknown.length) throw new InvalidTaskInputError('settle', `unknown field(s) ${unknown.join(', ')} in ${what}; it takes ${known.join(', ')}`);
}

/** A string field of the request; absent or null means not given. */
function optionalText(request: SettleRequest, field: 'month' | 'asOf'): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidTaskInputError('settle', `${field} is ${JSON.stringify(value)}, expected a string`);
  return value;
}

/** The month before the one `nowMs` falls in (UTC), YYYY-MM. */
export function previousMonth(nowMs: number): string {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/** The settle handler over its dependencies. */
export function createSettleHandler(deps: { readonly ports: () => Promise<LakePorts>; readonly sourceRevision: string }) {
  return async (input: SettleInput, context: Context): Promise<SettleResult> => {
    logger.addContext(context);
    refuseUnknown(input ?? {}, 'the task input', INPUT_FIELDS);
    const request = input?.request ?? {};
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new InvalidTaskInputError('settle', `the execution input is ${JSON.stringify(request)}, expected an object`);
    refuseUnknown(request, 'the execution input', REQUEST_FIELDS);
    const ports = await deps.ports();
    const month = optionalText(request, 'month') ?? previousMonth(ports.now());
    parseSettlementMonth(month);
    logger.appendKeys({ month, ...(typeof input.executionId === 'string' ? { executionId: input.executionId } : {}) });
    try {
      const run = await settleMonth(ports, {
        month, asOf: optionalText(request, 'asOf'), sourceRevision: deps.sourceRevision, onProgress: (step) => logger.debug(step),
      });
      logger.info('month settled', { runId: run.runId, asOf: run.manifest.as_of, inputs: run.manifest.inputs.map((i) => `${i.table}@${i.snapshotId}`).join(',') });
      return {
        runId: run.runId, month, asOf: run.manifest.as_of, manifestKey: run.manifestKey,
        outputs: run.manifest.outputs.map((o) => ({ file: o.file, sha256: o.sha256, ...(o.rows === undefined ? {} : { rows: o.rows }) })),
      };
    } finally {
      logger.removeKeys(['month', 'executionId']);
    }
  };
}

const environment = readEnvironment('settle');
export const handler = createSettleHandler({ ports: () => lakePortsFromEnvironment(environment), sourceRevision: sourceRevision(environment) });
