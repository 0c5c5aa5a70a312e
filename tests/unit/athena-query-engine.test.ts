import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  type Row,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaViewDdl, athenaViewDdls } from '../../src/engine/athena-ddl';
import {
  AthenaQueryEngine,
  AthenaQueryError,
  AthenaVersionError,
  athenaParamLiteral,
  type AthenaQueryEngineOptions,
} from '../../src/engine/athena-query-engine';
import { VersionedViewError } from '../../src/engine/query-engine';
import { parseSqlTemplate, SqlTemplateError, type SqlTemplate } from '../../src/engine/sql-template';

// Athena has no local implementation, so its API (only) is mocked.
const athenaMock = mockClient(AthenaClient);
const QUERY_ID = 'qid-123';

const readingsTemplate = parseSqlTemplate('SELECT meter_id, kwh FROM {{meter_readings}} r', 'readings');
const views = new Map<string, SqlTemplate>([
  ['usage_view', parseSqlTemplate('SELECT meter_id, sum(kwh) AS kwh FROM {{meter_readings}} GROUP BY meter_id', 'usage_view')],
]);

function engine(options: Partial<AthenaQueryEngineOptions> = {}): AthenaQueryEngine {
  return new AthenaQueryEngine({ client: new AthenaClient({ region: 'eu-west-2' }), workGroup: 'meterlake', views, sleep: async () => {}, ...options });
}

function state(State: QueryExecutionState, StateChangeReason?: string): GetQueryExecutionCommandOutput {
  return { $metadata: {}, QueryExecution: { QueryExecutionId: QUERY_ID, Status: { State, StateChangeReason } } };
}

const columns: ColumnInfo[] = [
  { Name: 'meter_id', Type: 'varchar' },
  { Name: 'kwh', Type: 'double' },
];

function row(...values: (string | undefined)[]): Row {
  return { Data: values.map((VarCharValue) => (VarCharValue === undefined ? {} : { VarCharValue })) };
}

function page(rows: Row[], NextToken?: string, columnInfo: ColumnInfo[] = columns): GetQueryResultsCommandOutput {
  return { $metadata: {}, NextToken, ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: rows } };
}

function succeedWith(...pages: GetQueryResultsCommandOutput[]): void {
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
  athenaMock.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
  const results = athenaMock.on(GetQueryResultsCommand);
  for (const resultPage of pages) results.resolvesOnce(resultPage);
}

beforeEach(() => athenaMock.reset());

describe('AthenaQueryEngine', () => {
  it('polls with exponential backoff capped at the maximum interval until the query succeeds', async () => {
    const delays: number[] = [];
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athenaMock.on(GetQueryExecutionCommand)
      .resolvesOnce(state('QUEUED')).resolvesOnce(state('RUNNING')).resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING')).resolvesOnce(state('SUCCEEDED'));
    athenaMock.on(GetQueryResultsCommand).resolves(page([row('meter_id', 'kwh')]));

    await engine({ pollIntervalMs: 100, maxPollIntervalMs: 300, sleep: async (ms) => { delays.push(ms); } }).query(readingsTemplate);

    expect(delays).toEqual([100, 200, 300, 300]);
  });

  it('reads every page, skipping the header row of the first page only, and converts by column type', async () => {
    succeedWith(
      page([row('meter_id', 'kwh'), row('m1', '0.5')], 'token-2'),
      page([row('m2', '1.25'), row('m3', undefined)], 'token-3'),
      page([row('m4', '2')]),
    );

    const rows = await engine().query(readingsTemplate);

    expect(rows).toEqual([
      { meter_id: 'm1', kwh: 0.5 },
      { meter_id: 'm2', kwh: 1.25 },
      { meter_id: 'm3', kwh: null },
      { meter_id: 'm4', kwh: 2 },
    ]);
    const tokens = athenaMock.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'token-2', 'token-3']);
  });

  it('converts bigint, boolean, date and timestamp columns to the same JS types as the DuckDB engine', async () => {
    const typed: ColumnInfo[] = [
      { Name: 'n', Type: 'bigint' }, { Name: 'b', Type: 'boolean' }, { Name: 'd', Type: 'date' },
      { Name: 'ts', Type: 'timestamp' }, { Name: 'tz', Type: 'timestamp with time zone' }, { Name: 'bst', Type: 'timestamp with time zone' },
    ];
    succeedWith(page([
      row('n', 'b', 'd', 'ts', 'tz', 'bst'),
      row('9007199254740993', 'true', '2021-03-28', '2021-03-28 00:30:00.000', '2021-03-28 00:30:00.000 UTC', '2021-06-30 00:00:00.000 Europe/London'),
    ], undefined, typed));

    const [values] = await engine().query(readingsTemplate);

    expect(values).toEqual({
      n: 9007199254740993n,
      b: true,
      d: new Date('2021-03-28T00:00:00Z'),
      ts: new Date('2021-03-28T00:30:00Z'),
      tz: new Date('2021-03-28T00:30:00Z'),
      bst: new Date('2021-06-29T23:00:00Z'),
    });
  });

  it("fails with the query id, state and Athena's reason when the query fails", async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athenaMock.on(GetQueryExecutionCommand).resolvesOnce(state('RUNNING')).resolvesOnce(state('FAILED', 'COLUMN_NOT_FOUND: line 1:8: Column \'kwhh\' cannot be resolved'));

    const error = await engine().query(readingsTemplate).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({ queryExecutionId: QUERY_ID, state: 'FAILED', reason: expect.stringContaining("Column 'kwhh'") });
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('fails with state CANCELLED when the query is cancelled', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athenaMock.on(GetQueryExecutionCommand).resolves(state('CANCELLED', 'Query cancelled by user'));

    await expect(engine().query(readingsTemplate)).rejects.toMatchObject({ name: 'AthenaQueryError', state: 'CANCELLED', reason: 'Query cancelled by user' });
  });

  it('stops the query and fails when it runs past the timeout', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
    athenaMock.on(GetQueryExecutionCommand).resolves(state('RUNNING'));
    athenaMock.on(StopQueryExecutionCommand).resolves({});

    await expect(engine({ pollIntervalMs: 10, timeoutMs: 50 }).query(readingsTemplate)).rejects.toMatchObject({ state: 'TIMED_OUT', queryExecutionId: QUERY_ID });
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: QUERY_ID });
  });

  it('passes parameters as typed literals in ExecutionParameters, in the order of their placeholders', async () => {
    succeedWith(page([row('meter_id', 'kwh')]));
    const template = parseSqlTemplate(
      '-- @param as_of_date DATE\n-- @param meter VARCHAR\nSELECT meter_id, kwh FROM {{meter_readings}} WHERE meter_id = :meter AND d < :as_of_date',
      'params',
    );

    await engine({ catalog: 'AwsDataCatalog' }).query(template, { params: { as_of_date: '2021-01-01', meter: "O'Brien" } });

    const input = athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.QueryString).toBe(
      '-- @param as_of_date DATE\n-- @param meter VARCHAR\nSELECT meter_id, kwh FROM "meterlake"."meter_readings" WHERE meter_id = CAST(? AS VARCHAR) AND d < CAST(? AS DATE)',
    );
    expect(input.ExecutionParameters).toEqual(["'O''Brien'", "DATE '2021-01-01'"]);
    expect(input.WorkGroup).toBe('meterlake');
    expect(input.QueryExecutionContext).toEqual({ Database: 'meterlake', Catalog: 'AwsDataCatalog' });
  });

  it('renders a slot pinned to a snapshot id as FOR VERSION AS OF', () => {
    const { sql } = engine().render(readingsTemplate, { versions: { meter_readings: 5387234098234n } });

    expect(sql).toBe('SELECT meter_id, kwh FROM "meterlake"."meter_readings" FOR VERSION AS OF 5387234098234 r');
  });

  it('inlines views so the tables they read follow the pinned versions', () => {
    const template = parseSqlTemplate('SELECT * FROM {{usage_view}}', 'through-view');

    const { sql } = engine({ database: 'lake' }).render(template, { versions: { meter_readings: 7n } });

    expect(sql).toContain('FROM "lake"."meter_readings" FOR VERSION AS OF 7 GROUP BY meter_id');
  });

  it('refuses a tag as a version, saying snapshot ids are required', () => {
    expect(() => engine().render(readingsTemplate, { versions: { meter_readings: 'daily-2021-03-28' } })).toThrow(AthenaVersionError);
    expect(() => engine().render(readingsTemplate, { versions: { meter_readings: 'daily-2021-03-28' } })).toThrow(/snapshot id/);
  });

  it('refuses a version for a view', () => {
    expect(() => engine().render(readingsTemplate, { versions: { usage_view: 1n } })).toThrow(VersionedViewError);
  });

  it('asks for result reuse only when the workgroup result configuration is kept', async () => {
    succeedWith(page([row('meter_id', 'kwh')]), page([row('meter_id', 'kwh')]));

    await engine({ resultReuseMinutes: 60 }).query(readingsTemplate);
    await engine({ resultReuseMinutes: 60, outputLocation: 's3://results/' }).query(readingsTemplate);

    const [reused, overridden] = athenaMock.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
    expect(reused.ResultReuseConfiguration).toEqual({ ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 } });
    expect(overridden.ResultReuseConfiguration).toBeUndefined();
    expect(overridden.ResultConfiguration).toEqual({ OutputLocation: 's3://results/' });
  });
});

describe('athenaParamLiteral', () => {
  it.each([
    ['DATE', new Date('2021-01-01T00:00:00Z'), "DATE '2021-01-01'"],
    ['TIMESTAMP', '2021-03-28T00:30:00Z', "TIMESTAMP '2021-03-28 00:30:00.000'"],
    ['BIGINT', 42n, '42'],
    ['DOUBLE', 0.5, '0.5'],
    ['VARCHAR', 'a', "'a'"],
    ['VARCHAR', null, 'NULL'],
  ] as const)('%s %p → %s', (type, value, literal) => {
    expect(athenaParamLiteral(value, type, 'p')).toBe(literal);
  });

  it('rejects a value that is not of the declared type, naming the parameter', () => {
    expect(() => athenaParamLiteral('01/02/2021', 'DATE', 'as_of_date')).toThrow(/as_of_date: 01\/02\/2021 is not a valid DATE/);
  });
});

describe('athenaViewDdl', () => {
  it('renders a view with every slot as a table of the database and without comments', () => {
    const view = parseSqlTemplate('-- @description x\nSELECT * FROM {{readings_bucketed}} b -- why\nJOIN {{agreement}} a ON true;', 'v');

    expect(athenaViewDdl(view)).toBe('CREATE OR REPLACE VIEW "meterlake"."v" AS\nSELECT * FROM "meterlake"."readings_bucketed" b \nJOIN "meterlake"."agreement" a ON true');
  });

  it('refuses a view with parameters', () => {
    const view = parseSqlTemplate('-- @param d DATE\nSELECT * FROM {{t}} WHERE x < :d', 'v');

    expect(() => athenaViewDdl(view)).toThrow(SqlTemplateError);
  });

  it('lists every view in sql/views, each after the views it reads', () => {
    const ddls = athenaViewDdls();
    const names = ddls.map((d) => d.name);

    expect(names).toEqual(expect.arrayContaining(['readings_bucketed', 'readings_enriched', 'usage_hourly', 'usage_daily']));
    expect(names.indexOf('readings_bucketed')).toBeLessThan(names.indexOf('readings_enriched'));
    expect(names.indexOf('readings_bucketed')).toBeLessThan(names.indexOf('usage_daily'));
    expect(ddls.every((d) => d.ddl.startsWith(`CREATE OR REPLACE VIEW "meterlake"."${d.name}" AS\n`))).toBe(true);
  });
});
