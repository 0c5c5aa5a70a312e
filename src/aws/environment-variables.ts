/**
 * The names of the environment variables the stack sets on each function, and which a kind of
 * function needs. No imports: the CDK constructs read the same names without loading the runtime.
 */
/** The variables the stack sets (names fixed by the CDK constructs). */
export const ENV = {
  lakeBucket: 'METERLAKE_LAKE_BUCKET',
  landingBucket: 'METERLAKE_LANDING_BUCKET',
  glueDatabase: 'METERLAKE_GLUE_DATABASE',
  commitQueueUrl: 'METERLAKE_COMMIT_QUEUE_URL',
  athenaWorkgroup: 'METERLAKE_ATHENA_WORKGROUP',
  deviceStateTable: 'METERLAKE_DEVICE_STATE_TABLE',
  auditBucket: 'METERLAKE_AUDIT_BUCKET',
  sourceRevision: 'METERLAKE_SOURCE_REVISION',
  region: 'AWS_REGION',
  functionMemoryMb: 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
} as const;
export type EnvironmentSetting = keyof typeof ENV;

/** What a kind of function needs from its environment. */
export const FUNCTION_SETTINGS = {
  /** ingest: reads the landing bucket, writes data files to the lake, sends to the commit queue. */
  ingest: ['region', 'lakeBucket', 'landingBucket', 'glueDatabase', 'commitQueueUrl'],
  /** commit, daily-*, maintenance, catalog-tables: the lake and its catalog. */
  lake: ['region', 'lakeBucket', 'glueDatabase'],
  /** settle: the lake, its catalog and the Object-Lock audit bucket; the deployed code's git revision for manifests. */
  settlement: ['region', 'lakeBucket', 'glueDatabase', 'auditBucket', 'sourceRevision'],
  /** athena-views: DDL through Athena. */
  athena: ['region', 'glueDatabase', 'athenaWorkgroup'],
  /** stream: MSK records → the lake's staged files, the device-state table, the commit queue. */
  stream: ['region', 'lakeBucket', 'glueDatabase', 'commitQueueUrl', 'deviceStateTable'],
} as const satisfies Record<string, readonly EnvironmentSetting[]>;
export type FunctionKind = keyof typeof FUNCTION_SETTINGS;

/** Each function (its folder under functions/) and its kind: the variables it needs are FUNCTION_SETTINGS[kind]. */
export const FUNCTION_KINDS = {
  ingest: 'ingest',
  commit: 'lake',
  'daily-plan': 'lake',
  'daily-merge-day': 'lake',
  'daily-commit': 'lake',
  'daily-hooks': 'lake',
  maintenance: 'lake',
  'catalog-tables': 'lake',
  'athena-views': 'athena',
  stream: 'stream',
  settle: 'settlement',
} as const satisfies Record<string, FunctionKind>;
export type FunctionName = keyof typeof FUNCTION_KINDS;

/** The names of the variables a function needs. */
export const variablesOf = (name: FunctionName): string[] => FUNCTION_SETTINGS[FUNCTION_KINDS[name]].map((setting) => ENV[setting]);
