/**
 * A small runner of the Amazon States Language subset the daily state machine uses, to drive the
 * synthesized functions as Step Functions would: Task (Resource = a function, Parameters with
 * `.$` paths into the input and the context object, ResultPath, Retry, Catch), Map (ItemsPath,
 * ItemSelector, inline ItemProcessor, MaxConcurrency), Succeed and Fail, and the machine's
 * TimeoutSeconds. Anything else in a definition (another state type, InputPath, OutputPath,
 * ResultSelector, intrinsic functions, a path beyond `$.a.b`) throws UnsupportedAslError rather
 * than being ignored. Retry intervals are not waited out unless `sleep` is given.
 */

/** A definition uses an ASL feature this runner does not implement. */
export class UnsupportedAslError extends Error {
  override readonly name = 'UnsupportedAslError';
}

/** An error a state raised, as Step Functions names it (Error, Cause). */
export class StatesError extends Error {
  constructor(readonly error: string, override readonly cause: string) {
    super(`${error}: ${cause}`);
    this.name = error;
  }
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslStateDefinition>;
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
  readonly ProcessorConfig?: { Mode?: string };
}

export type AslStateDefinition = Record<string, unknown> & { Type: string };

interface Retrier { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }
interface Catcher { ErrorEquals: string[]; Next: string; ResultPath?: string | null }

/** Invokes a task's function (its Resource) with its input; throws an error whose `name` is the error type. */
export type TaskInvoker = (resource: string, input: unknown) => Promise<unknown>;

export interface RunOptions {
  readonly invoke: TaskInvoker;
  /** The execution's name (its id is an ARN ending in it). */
  readonly executionName?: string;
  /** Waits between retries, given the interval in ms (default: no wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One state entered, in order (Map iterations included). */
export interface HistoryEvent {
  readonly state: string;
  readonly type: string;
  readonly input: unknown;
  /** Set when the state finished; Task attempts that failed are recorded as `error`. */
  output?: unknown;
  error?: { error: string; cause: string };
}

export type ExecutionResult =
  | { status: 'SUCCEEDED'; output: unknown; history: HistoryEvent[] }
  | { status: 'FAILED'; error: string; cause: string; history: HistoryEvent[] };

const STATE_FIELDS: Record<string, string[]> = {
  Task: ['Type', 'Comment', 'Resource', 'Parameters', 'ResultPath', 'Retry', 'Catch', 'Next', 'End', 'InputPath', 'OutputPath'],
  Map: ['Type', 'Comment', 'ItemsPath', 'ItemSelector', 'ItemProcessor', 'MaxConcurrency', 'ResultPath', 'Retry', 'Catch', 'Next', 'End', 'InputPath', 'OutputPath'],
  Succeed: ['Type', 'Comment', 'InputPath', 'OutputPath'],
  Fail: ['Type', 'Comment', 'Error', 'Cause'],
};
const DEFINITION_FIELDS = ['StartAt', 'States', 'Comment', 'TimeoutSeconds', 'ProcessorConfig'];
const RETRIER_FIELDS = ['ErrorEquals', 'MaxAttempts', 'IntervalSeconds', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy'];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath'];

/** Checks the whole definition up front: an unsupported feature fails before any task runs. */
export function checkDefinition(definition: AslDefinition, where = 'definition'): void {
  const unknown = (object: object, allowed: string[], at: string) => {
    const extra = Object.keys(object).filter((key) => !allowed.includes(key));
    if (extra.length) throw new UnsupportedAslError(`${at}: unsupported field(s) ${extra.join(', ')}`);
  };
  unknown(definition, DEFINITION_FIELDS, where);
  if (definition.ProcessorConfig && (definition.ProcessorConfig.Mode ?? 'INLINE') !== 'INLINE') {
    throw new UnsupportedAslError(`${where}: ProcessorConfig.Mode ${definition.ProcessorConfig.Mode} (only INLINE)`);
  }
  if (!definition.States[definition.StartAt]) throw new UnsupportedAslError(`${where}: StartAt ${definition.StartAt} is not a state`);
  for (const [name, state] of Object.entries(definition.States)) {
    const at = `${where} state ${name}`;
    const allowed = STATE_FIELDS[state.Type];
    if (!allowed) throw new UnsupportedAslError(`${at}: state type ${state.Type}`);
    unknown(state, allowed, at);
    for (const field of ['InputPath', 'OutputPath'] as const) {
      if (state[field] !== undefined && state[field] !== '$') throw new UnsupportedAslError(`${at}: ${field} ${JSON.stringify(state[field])} (only "$")`);
    }
    if (state.Type === 'Task' && typeof state.Resource !== 'string') throw new UnsupportedAslError(`${at}: Resource is not a string`);
    if (state.Type === 'Task' || state.Type === 'Map') {
      if (!state.End && (typeof state.Next !== 'string' || !definition.States[state.Next])) throw new UnsupportedAslError(`${at}: neither End nor a known Next`);
      for (const retrier of (state.Retry as Retrier[] | undefined) ?? []) unknown(retrier, RETRIER_FIELDS, `${at} Retry`);
      for (const catcher of (state.Catch as Catcher[] | undefined) ?? []) {
        unknown(catcher, CATCHER_FIELDS, `${at} Catch`);
        if (!definition.States[catcher.Next]) throw new UnsupportedAslError(`${at}: Catch Next ${catcher.Next} is not a state`);
      }
      for (const field of ['Parameters', 'ItemSelector'] as const) {
        const template = state[field];
        // Step Functions refuses a template that is not an object (e.g. "Parameters": "$").
        if (template !== undefined && (typeof template !== 'object' || template === null || Array.isArray(template))) {
          throw new UnsupportedAslError(`${at}: ${field} must be an object, got ${JSON.stringify(template)}`);
        }
        checkTemplate(template, at);
      }
    }
    if (state.Type === 'Map') checkDefinition(state.ItemProcessor as AslDefinition, `${at} ItemProcessor`);
  }
}

function checkTemplate(template: unknown, at: string): void {
  if (!template || typeof template !== 'object') return;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) parsePath(String(value), at);
    else checkTemplate(value, at);
  }
}

/** `$`, `$.a.b`, `$$.Execution.Id`: the root and the field names. */
function parsePath(path: string, at = 'path'): { root: '$' | '$$'; fields: string[] } {
  const match = /^(\$\$?)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(path);
  if (!match) throw new UnsupportedAslError(`${at}: path ${JSON.stringify(path)} (only $ or $.a.b; no intrinsic functions, brackets or filters)`);
  return { root: match[1] as '$' | '$$', fields: match[2] ? match[2].slice(1).split('.') : [] };
}

function readPath(path: string, input: unknown, context: unknown): unknown {
  const { root, fields } = parsePath(path);
  let value: unknown = root === '$' ? input : context;
  for (const field of fields) {
    if (!value || typeof value !== 'object' || !(field in value)) {
      throw new StatesError('States.Runtime', `the JSONPath ${path} could not be found in the input ${JSON.stringify(input)}`);
    }
    value = (value as Record<string, unknown>)[field];
  }
  return value;
}

function fillTemplate(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, input, context));
  if (!template || typeof template !== 'object') return template;
  return Object.fromEntries(Object.entries(template).map(([key, value]) =>
    key.endsWith('.$') ? [key.slice(0, -2), readPath(String(value), input, context)] : [key, fillTemplate(value, input, context)]));
}

/** ResultPath: `$` replaces the input, `$.a.b` sets a field of a copy, null keeps the input. */
function applyResultPath(resultPath: string | null | undefined, input: unknown, result: unknown): unknown {
  if (resultPath === null) return input;
  const { root, fields } = parsePath(resultPath ?? '$');
  if (root !== '$') throw new UnsupportedAslError(`ResultPath ${resultPath}`);
  if (fields.length === 0) return result;
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new StatesError('States.Runtime', `ResultPath ${resultPath} needs an object input`);
  const output = structuredClone(input) as Record<string, unknown>;
  let target = output;
  for (const field of fields.slice(0, -1)) {
    if (!target[field] || typeof target[field] !== 'object') target[field] = {};
    target = target[field] as Record<string, unknown>;
  }
  target[fields.at(-1)!] = result;
  return output;
}

/**
 * ErrorEquals matching: the name itself, States.ALL (anything), States.TaskFailed (anything but a
 * timeout). States.Runtime (e.g. a JSONPath that is not in the input) is caught by nothing: it
 * always fails the execution.
 */
function matches(errorEquals: string[], error: string): boolean {
  if (error === 'States.Runtime') return false;
  return errorEquals.some((e) => e === error || e === 'States.ALL' || (e === 'States.TaskFailed' && error !== 'States.Timeout'));
}

function statesErrorOf(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof UnsupportedAslError) throw error;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  // Step Functions reports a Lambda function's error as its type, the cause as Lambda's error JSON.
  return new StatesError(name, JSON.stringify({ errorType: name, errorMessage: message }));
}

/** Runs an execution of `definition` on `input`; a Fail state or an uncaught error ends it FAILED. */
export async function runStateMachine(definition: AslDefinition, input: unknown, options: RunOptions): Promise<ExecutionResult> {
  checkDefinition(definition);
  const name = options.executionName ?? `execution-${Date.now()}`;
  const execution = { Id: `arn:aws:states:us-east-1:123456789012:execution:DailyRun:${name}`, Name: name, Input: input, StartTime: new Date().toISOString() };
  const deadline = definition.TimeoutSeconds === undefined ? Infinity : Date.now() + definition.TimeoutSeconds * 1000;
  const history: HistoryEvent[] = [];
  try {
    const outcome = await runStates(definition, input, { Execution: execution }, { ...options, deadline, history });
    return outcome.failed
      ? { status: 'FAILED', error: outcome.failed.error, cause: outcome.failed.cause, history }
      : { status: 'SUCCEEDED', output: outcome.output, history };
  } catch (error) {
    if (error instanceof UnsupportedAslError) throw error;
    const failure = statesErrorOf(error);
    return { status: 'FAILED', error: failure.error, cause: failure.cause, history };
  }
}

interface Runtime extends RunOptions {
  readonly deadline: number;
  readonly history: HistoryEvent[];
}

type StatesOutcome = { output: unknown; failed?: undefined } | { failed: { error: string; cause: string }; output?: undefined };

/** Runs states from StartAt to a terminal state; an uncaught error is thrown as a StatesError. */
async function runStates(definition: AslDefinition, input: unknown, context: Record<string, unknown>, runtime: Runtime): Promise<StatesOutcome> {
  let name = definition.StartAt;
  let data = input;
  for (;;) {
    if (Date.now() > runtime.deadline) throw new StatesError('States.Timeout', `the execution ran longer than ${definition.TimeoutSeconds} s`);
    const state = definition.States[name];
    const event: HistoryEvent = { state: name, type: state.Type, input: data };
    runtime.history.push(event);
    const stateContext = { ...context, State: { Name: name, EnteredTime: new Date().toISOString() } };
    if (state.Type === 'Succeed') return { output: (event.output = data) };
    if (state.Type === 'Fail') return { failed: { error: String(state.Error ?? 'States.Fail'), cause: String(state.Cause ?? '') } };
    let output: unknown;
    try {
      const result = await withRetries(state, runtime, event, () => (state.Type === 'Task' ? runTask(state, data, stateContext, runtime) : runMap(state, data, stateContext, runtime)));
      output = applyResultPath(state.ResultPath as string | null | undefined, data, result);
    } catch (error) {
      const failure = statesErrorOf(error);
      event.error = { error: failure.error, cause: failure.cause };
      const catcher = ((state.Catch as Catcher[] | undefined) ?? []).find((c) => matches(c.ErrorEquals, failure.error));
      if (!catcher) throw failure;
      data = applyResultPath(catcher.ResultPath === undefined ? '$' : catcher.ResultPath, data, { Error: failure.error, Cause: failure.cause });
      name = catcher.Next;
      continue;
    }
    event.output = output;
    if (state.End) return { output };
    data = output;
    name = String(state.Next);
  }
}

async function withRetries(state: AslStateDefinition, runtime: Runtime, event: HistoryEvent, attempt: () => Promise<unknown>): Promise<unknown> {
  const retriers = (state.Retry as Retrier[] | undefined) ?? [];
  const used = retriers.map(() => 0);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const failure = statesErrorOf(error);
      const index = retriers.findIndex((r) => matches(r.ErrorEquals, failure.error));
      const retrier = retriers[index];
      if (!retrier || used[index] >= (retrier.MaxAttempts ?? 3)) throw failure;
      const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** used[index] * 1000;
      used[index] += 1;
      (event as { retries?: string[] }).retries = [...((event as { retries?: string[] }).retries ?? []), failure.error];
      if (runtime.sleep) await runtime.sleep(Math.min(interval, (retrier.MaxDelaySeconds ?? Infinity) * 1000));
    }
  }
}

async function runTask(state: AslStateDefinition, input: unknown, context: unknown, runtime: Runtime): Promise<unknown> {
  const payload = state.Parameters === undefined ? input : fillTemplate(state.Parameters, input, context);
  return runtime.invoke(String(state.Resource), payload);
}

async function runMap(state: AslStateDefinition, input: unknown, context: Record<string, unknown>, runtime: Runtime): Promise<unknown[]> {
  const items = readPath(String(state.ItemsPath ?? '$'), input, context);
  if (!Array.isArray(items)) throw new StatesError('States.Runtime', `ItemsPath ${String(state.ItemsPath)} is not an array: ${JSON.stringify(items)}`);
  const processor = state.ItemProcessor as AslDefinition;
  const limit = Number(state.MaxConcurrency ?? 0) || items.length || 1;
  const results: unknown[] = new Array(items.length);
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (next < items.length && !stopped) {
      const index = next++;
      const itemContext = { ...context, Map: { Item: { Index: index, Value: items[index] } } };
      const itemInput = state.ItemSelector === undefined ? items[index] : fillTemplate(state.ItemSelector, input, itemContext);
      const outcome = await runStates(processor, itemInput, { Execution: context.Execution }, runtime).catch((error: unknown) => {
        stopped = true; // a failed iteration fails the Map: no further items start
        throw error;
      });
      if (outcome.failed) {
        stopped = true;
        throw new StatesError(outcome.failed.error, outcome.failed.cause);
      }
      results[index] = outcome.output;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(items.length, 1)) }, worker));
  return results;
}
