/**
 * The deployed functions' configuration: the ONLY module that reads `process.env` (libraries such
 * as Powertools and the AWS SDK read their own variables). Each function reads its environment
 * once at cold start; a missing variable fails the cold start with every missing name at once.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GlueCatalog } from '../catalog/glue-catalog';
import { DuckDbSession } from '../engine/duckdb-session';
import { loadSourceProfiles, type SourceProfile } from '../formats/source-profiles';
import type { LakePorts } from '../pipeline/ports';
import { fileIOFor } from '../storage/file-io';
import { S3Store } from '../storage/s3-store';
import { AWS_SERVICES, s3Client, glueClient, type AwsConnection, type AwsService } from './clients';
import { ENV, FUNCTION_KINDS, FUNCTION_SETTINGS, type EnvironmentSetting, type FunctionName } from './environment-variables';

export { ENV, FUNCTION_KINDS, FUNCTION_SETTINGS, variablesOf, type EnvironmentSetting, type FunctionKind, type FunctionName } from './environment-variables';

/** Variables a function needs are missing (or unusable): all of them, named. */
export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
  constructor(readonly problems: readonly string[], functionName: string) {
    super(`the ${functionName} function cannot start; set these environment variables: ${problems.join('; ')}`);
  }
}

/** A function's validated settings. Optional fields are the ones its kind does not need. */
export interface MeterlakeEnvironment {
  readonly functionName: FunctionName;
  readonly connection: AwsConnection;
  readonly lakeBucket?: string;
  readonly landingBucket?: string;
  readonly glueDatabase?: string;
  readonly commitQueueUrl?: string;
  readonly athenaWorkgroup?: string;
  readonly deviceStateTable?: string;
  readonly auditBucket?: string;
  readonly sourceRevision?: string;
  /** The Lambda's memory in MB; undefined outside Lambda. */
  readonly functionMemoryMb?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Endpoint per service: AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL, and
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns both off, as the SDK itself decides.
 */
function endpointsFrom(env: Env): Partial<Record<AwsService, string>> {
  const endpoints: Partial<Record<AwsService, string>> = {};
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return endpoints;
  for (const service of AWS_SERVICES) {
    const endpoint = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
    if (endpoint) endpoints[service] = endpoint;
  }
  return endpoints;
}

/**
 * Read and validate the settings a function needs. Throws MissingEnvironmentError naming every
 * missing variable, so one failed cold start tells the operator everything to fix.
 */
export function readEnvironment(functionName: FunctionName, env: Env = process.env): MeterlakeEnvironment {
  const value = (setting: EnvironmentSetting): string | undefined => env[ENV[setting]]?.trim() || undefined;
  const problems: string[] = (FUNCTION_SETTINGS[FUNCTION_KINDS[functionName]] as readonly EnvironmentSetting[])
    .filter((setting) => value(setting) === undefined)
    .map((setting) => ENV[setting]);
  const memory = value('functionMemoryMb');
  if (memory !== undefined && !/^[1-9]\d*$/.test(memory)) {
    problems.push(`${ENV.functionMemoryMb} (expected a whole number of MB, got '${memory}')`);
  }
  if (problems.length) throw new MissingEnvironmentError(problems, functionName);
  return {
    functionName,
    connection: { region: value('region')!, endpoints: endpointsFrom(env) },
    lakeBucket: value('lakeBucket'),
    landingBucket: value('landingBucket'),
    glueDatabase: value('glueDatabase'),
    commitQueueUrl: value('commitQueueUrl'),
    athenaWorkgroup: value('athenaWorkgroup'),
    deviceStateTable: value('deviceStateTable'),
    auditBucket: value('auditBucket'),
    sourceRevision: value('sourceRevision'),
    functionMemoryMb: memory === undefined ? undefined : Number(memory),
  };
}

/** A setting the function does not declare: a wiring mistake, named. */
function required(environment: MeterlakeEnvironment, setting: EnvironmentSetting): string {
  const v = environment[setting as keyof MeterlakeEnvironment];
  if (typeof v !== 'string') throw new MissingEnvironmentError([ENV[setting]], environment.functionName);
  return v;
}

/** The git revision the deployed code was built from (settle). */
export const sourceRevision = (environment: MeterlakeEnvironment): string => required(environment, 'sourceRevision');

/** The FIFO commit queue's URL (ingest). */
export const commitQueueUrl = (environment: MeterlakeEnvironment): string => required(environment, 'commitQueueUrl');
/** The Athena workgroup views are created in (athena-views). */
export const athenaWorkgroup = (environment: MeterlakeEnvironment): string => required(environment, 'athenaWorkgroup');
/** The Glue database of the lake's tables. */
export const glueDatabase = (environment: MeterlakeEnvironment): string => required(environment, 'glueDatabase');
/** The DynamoDB table of per-device stream state (stream). */
export const deviceStateTable = (environment: MeterlakeEnvironment): string => required(environment, 'deviceStateTable');
/** The landing bucket ingest accepts events from. */
export const landingBucket = (environment: MeterlakeEnvironment): string => required(environment, 'landingBucket');

/** DuckDB sized for the function: 75% of its memory (the rest for Node and the SDK), a thread per vCPU. */
export function duckDbSizing(environment: MeterlakeEnvironment): { memoryLimit: string; threads: number } {
  const memoryMb = environment.functionMemoryMb ?? Math.floor(os.totalmem() / 1024 / 1024);
  return { memoryLimit: `${Math.max(64, Math.floor(memoryMb * 0.75))}MB`, threads: Math.max(1, os.cpus().length) };
}

const SCRATCH_PARENT = 'meterlake';
const SCRATCH_NAME = /^(\d+)-[0-9a-f]{8}$/;

/**
 * This process's scratch folder under os.tmpdir() (/tmp in Lambda, which outlives a crashed
 * runtime): downloads, DuckDB's spill files and its home. Folders of processes that no longer run
 * are removed, so a container's restarts never fill /tmp; concurrent processes keep their own.
 */
function ownScratchDir(): string {
  const parent = path.join(os.tmpdir(), SCRATCH_PARENT);
  mkdirSync(parent, { recursive: true });
  for (const entry of readdirSync(parent)) {
    const pid = Number(SCRATCH_NAME.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const dir = path.join(parent, `${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(path.join(dir, 'downloads'), { recursive: true });
  mkdirSync(path.join(dir, 'duckdb-home'), { recursive: true });
  return dir;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function buildLakePorts(environment: MeterlakeEnvironment): Promise<LakePorts> {
  const lakeBucket = required(environment, 'lakeBucket');
  const s3 = s3Client(environment.connection);
  const store = new S3Store({ bucket: lakeBucket, client: s3 });
  const io = fileIOFor(store);
  const scratch = ownScratchDir();
  const session = await DuckDbSession.create({
    ...duckDbSizing(environment),
    tempDirectory: path.join(scratch, 'duckdb-spill'),
    homeDirectory: path.join(scratch, 'duckdb-home'),
  });
  let profiles: Map<string, SourceProfile> | undefined;
  return {
    store,
    ...(environment.landingBucket ? { landing: new S3Store({ bucket: environment.landingBucket, client: s3 }) } : {}),
    ...(environment.auditBucket ? { audit: new S3Store({ bucket: environment.auditBucket, client: s3 }) } : {}),
    io,
    catalog: new GlueCatalog({
      glue: glueClient(environment.connection), database: glueDatabase(environment), warehouse: `${store.url}/warehouse`, io,
    }),
    session,
    // Read on first use: only ingest needs them.
    get profiles() {
      return (profiles ??= loadSourceProfiles());
    },
    now: Date.now,
    tempDir: path.join(scratch, 'downloads'),
  };
}

const portsByEnvironment = new WeakMap<MeterlakeEnvironment, Promise<LakePorts>>();

/**
 * The lake's ports for a function: the lake bucket's S3Store (warehouse s3://<bucket>/warehouse),
 * the landing bucket's for ingest, the Glue catalog, and one DuckDB session, built on first call
 * and reused by every later invocation of the container.
 */
export function lakePortsFromEnvironment(environment: MeterlakeEnvironment): Promise<LakePorts> {
  let ports = portsByEnvironment.get(environment);
  if (!ports) {
    ports = buildLakePorts(environment);
    // A failed build is retried by the next invocation, not remembered.
    ports.catch(() => portsByEnvironment.delete(environment));
    portsByEnvironment.set(environment, ports);
  }
  return ports;
}
