import { runStateMachine, UnsupportedAslError, type AslDefinition, type TaskInvoker } from '../helpers/state-machine';

/** The ASL runner of tests/helpers/state-machine.ts, on small definitions shaped like the daily run's. */
class TaskError extends Error {
  constructor(override readonly name: string, message: string) {
    super(message);
  }
}

const task = (resource: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: resource, ...extra });
const recorder = (answer: (resource: string, input: unknown) => unknown = () => 'ok') => {
  const calls: [string, unknown][] = [];
  const invoke: TaskInvoker = async (resource, input) => {
    calls.push([resource, input]);
    return answer(resource, input);
  };
  return { calls, invoke };
};

test('a task gets its Parameters filled from the input and the context object, and its result lands at ResultPath', async () => {
  const { calls, invoke } = recorder(() => ({ days: [1, 2] }));
  const definition: AslDefinition = {
    StartAt: 'Plan',
    States: { Plan: task('plan', { Parameters: { 'executionId.$': '$$.Execution.Id', 'request.$': '$', fixed: { a: 1 } }, ResultPath: '$.plan', End: true }) },
  };

  const result = await runStateMachine(definition, { runDate: '2026-12-04' }, { invoke, executionName: 'e1' });

  expect(calls).toEqual([['plan', { executionId: expect.stringMatching(/:execution:.*:e1$/), request: { runDate: '2026-12-04' }, fixed: { a: 1 } }]]);
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { runDate: '2026-12-04', plan: { days: [1, 2] } } });
});

test('a Map runs its processor once per item with the ItemSelector (Map.Item.Value) and collects the results in order', async () => {
  const { calls, invoke } = recorder((_, input) => `merged-${(input as { day: number }).day}`);
  const definition: AslDefinition = {
    StartAt: 'Days',
    States: {
      Days: {
        Type: 'Map', ItemsPath: '$.plan.days', MaxConcurrency: 2, ResultPath: '$.merged', End: true,
        ItemSelector: { run: { 'tag.$': '$.plan.tag' }, 'day.$': '$$.Map.Item.Value' },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Merge', States: { Merge: task('merge', { ResultPath: '$', End: true }) } },
      },
    },
  };

  const result = await runStateMachine(definition, { plan: { tag: 't', days: [3, 1, 2] } }, { invoke });

  expect(calls.map(([, input]) => input).sort((a, b) => (a as { day: number }).day - (b as { day: number }).day)).toEqual([1, 2, 3].map((day) => ({ run: { tag: 't' }, day })));
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { merged: ['merged-3', 'merged-1', 'merged-2'] } });
});

test('a retried error is retried up to MaxAttempts, then succeeds', async () => {
  let failures = 2;
  const { calls, invoke } = recorder(() => {
    if (failures-- > 0) throw new TaskError('CommitConflictError', 'another writer won');
    return 'done';
  });
  const definition: AslDefinition = {
    StartAt: 'Commit',
    States: { Commit: task('commit', { Retry: [{ ErrorEquals: ['CommitConflictError'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }], End: true }) },
  };

  const result = await runStateMachine(definition, {}, { invoke });

  expect(calls).toHaveLength(3);
  expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'done' });
});

test('an error past its retries is caught by States.ALL and ends in the Fail state, the error at the Catch ResultPath', async () => {
  const { calls, invoke } = recorder(() => {
    throw new TaskError('InvalidTaskInputError', 'unknown field rundate');
  });
  const definition: AslDefinition = {
    StartAt: 'Plan',
    States: {
      Plan: task('plan', { Retry: [{ ErrorEquals: ['InvalidTaskInputError'], MaxAttempts: 1 }], Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }], Next: 'Done' }),
      Done: { Type: 'Succeed' },
      Failed: { Type: 'Fail', Error: 'DailyRunFailed', Cause: 'a step failed' },
    },
  };

  const result = await runStateMachine(definition, {}, { invoke });

  expect(calls).toHaveLength(2);
  expect(result).toMatchObject({ status: 'FAILED', error: 'DailyRunFailed', cause: 'a step failed' });
  expect(result.history.map((e) => e.state)).toEqual(['Plan', 'Failed']);
  expect(result.history[0].error).toEqual({ error: 'InvalidTaskInputError', cause: JSON.stringify({ errorType: 'InvalidTaskInputError', errorMessage: 'unknown field rundate' }) });
});

test('a failed Map iteration fails the Map state, which its Catch sends to Fail', async () => {
  const { invoke } = recorder((_, day) => {
    if (day === 2) throw new TaskError('Error', 'day 2 broke');
    return day;
  });
  const definition: AslDefinition = {
    StartAt: 'Days',
    States: {
      Days: {
        Type: 'Map', ItemsPath: '$.days', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }], End: true,
        ItemProcessor: { StartAt: 'Merge', States: { Merge: task('merge', { End: true }) } },
      },
      Failed: { Type: 'Fail', Error: 'DailyRunFailed' },
    },
  };

  expect(await runStateMachine(definition, { days: [1, 2, 3] }, { invoke })).toMatchObject({ status: 'FAILED', error: 'DailyRunFailed' });
});

test('an uncaught task error fails the execution with the error and cause', async () => {
  const { invoke } = recorder(() => {
    throw new TaskError('Boom', 'it broke');
  });
  const definition: AslDefinition = { StartAt: 'A', States: { A: task('a', { End: true }) } };

  expect(await runStateMachine(definition, {}, { invoke })).toMatchObject({ status: 'FAILED', error: 'Boom' });
});

test('a path missing from the input fails the state with States.Runtime', async () => {
  const { invoke } = recorder();
  const definition: AslDefinition = { StartAt: 'A', States: { A: task('a', { Parameters: { 'x.$': '$.missing.field' }, End: true }) } };

  expect(await runStateMachine(definition, {}, { invoke })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
});

test('a path missing from the input fails the execution even under a Catch of States.ALL (States.Runtime is not catchable)', async () => {
  const { invoke } = recorder();
  const definition: AslDefinition = {
    StartAt: 'A',
    States: {
      A: task('a', { Parameters: { 'x.$': '$.missing' }, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }], End: true }),
      Failed: { Type: 'Fail', Error: 'Caught' },
    },
  };

  expect(await runStateMachine(definition, {}, { invoke })).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
});

test.each([
  ['a Parameters that is not an object (e.g. "$")', { StartAt: 'A', States: { A: task('a', { Parameters: '$', End: true }) } }],
  ['a Pass state', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }],
  ['an OutputPath', { StartAt: 'A', States: { A: task('a', { OutputPath: '$.x', End: true }) } }],
  ['a ResultSelector', { StartAt: 'A', States: { A: task('a', { ResultSelector: { 'x.$': '$.y' }, End: true }) } }],
  ['an intrinsic function', { StartAt: 'A', States: { A: task('a', { Parameters: { 'x.$': "States.Format('{}', $.y)" }, End: true }) } }],
  ['a distributed Map', { StartAt: 'M', States: { M: { Type: 'Map', End: true, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'A', States: { A: task('a', { End: true }) } } } } }],
])('a definition with %s is refused before any task runs', async (_, definition) => {
  const { calls, invoke } = recorder();

  await expect(runStateMachine(definition as AslDefinition, {}, { invoke })).rejects.toThrow(UnsupportedAslError);
  expect(calls).toHaveLength(0);
});
