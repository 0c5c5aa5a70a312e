import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy, Size } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, LayerVersion, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV, variablesOf } from '../../src/aws/environment-variables';
import type { LambdaArchitecture } from '../app-config';
import { definedOnly } from '../defined-only';
import type { LambdaRuntimeProps, MeterlakeFunctionOptions } from './lambda-runtime-props';

/** The repository's root: functions/, sql/, config/ and package-lock.json. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Runtime of every function (the bundle's esbuild target follows it). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;
/** Powertools' service name and metrics namespace: the freshness alarm's metric lives under them. */
export const POWERTOOLS_SERVICE = 'meterlake';

/** Packages the DuckDB layer provides; the bundles leave them out (native code cannot be bundled). */
export const LAYER_MODULES = ['@duckdb/*', 'detect-libc'];
/** Read at run time beside the bundle's index.js (src/repo-root.ts). */
const RUNTIME_FOLDERS = ['sql', 'config'];
/** sql.js loads its WebAssembly from the folder of the bundle that inlines it. */
const SQL_JS_WASM = 'node_modules/sql.js/dist/sql-wasm.wasm';

const DEFAULTS = {
  architecture: 'arm64' as LambdaArchitecture,
  defaultMemoryMb: 2048,
  logRetention: RetentionDays.ONE_MONTH,
  removalPolicy: RemovalPolicy.RETAIN,
  layerBuildDir: path.join(PROJECT_ROOT, 'build', 'lambda-layer'),
};

/** Set by Lambda itself, never by the stack. */
const LAMBDA_RUNTIME_VARIABLES: string[] = [ENV.region, ENV.functionMemoryMb];

/** The environment the stack gives a function differs from the one its handler reads. */
export class FunctionEnvironmentError extends Error {
  override readonly name = 'FunctionEnvironmentError';
}

/** The DuckDB layer was not built for the architecture the app deploys. */
export class MissingLayerError extends Error {
  override readonly name = 'MissingLayerError';
}

/**
 * What every function shares: the DuckDB layer for the architecture, and a factory that bundles
 * `functions/<name>/handler.ts` with esbuild on the host (no Docker, no network), leaves DuckDB to
 * the layer, copies sql/ and config/ beside the bundle, and gives the function its own role,
 * log group (JSON logs, retention), X-Ray tracing and Powertools settings.
 */
export class LambdaRuntime extends Construct {
  public readonly architecture: Architecture;
  /** /opt/nodejs/node_modules: @duckdb/node-api with the native binding for the architecture. */
  public readonly duckDbLayer: LayerVersion;
  /** Every function the factory made, for alarms. */
  public readonly functions: NodejsFunction[] = [];
  private readonly settings: typeof DEFAULTS;

  constructor(scope: Construct, id: string, props: LambdaRuntimeProps = {}) {
    super(scope, id);
    this.settings = { ...DEFAULTS, ...definedOnly(props) };
    const { architecture } = this.settings;
    this.architecture = architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
    this.duckDbLayer = new LayerVersion(this, 'DuckDbLayer', {
      description: `@duckdb/node-api ${lockedDuckDbVersion()} with its Linux ${architecture} binding`,
      code: Code.fromAsset(checkedLayerDir(this.settings.layerBuildDir, architecture)),
      compatibleRuntimes: [FUNCTION_RUNTIME],
      compatibleArchitectures: [this.architecture],
    });
  }

  /** A function over `functions/<name>/handler.ts`; construct id = the name in PascalCase. */
  createFunction(scope: Construct, options: MeterlakeFunctionOptions): NodejsFunction {
    checkEnvironment(options);
    const id = pascalCase(options.name);
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: this.settings.logRetention,
      removalPolicy: this.settings.removalPolicy,
    });
    // Its own role with only its log group: the managed AWSLambdaBasicExecutionRole would allow every log group.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `meterlake ${options.name} function`,
    });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));

    const fn = new NodejsFunction(scope, id, {
      description: options.description,
      entry: path.join(PROJECT_ROOT, 'functions', options.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      architecture: this.architecture,
      memorySize: options.memoryMb ?? this.settings.defaultMemoryMb,
      ephemeralStorageSize: Size.mebibytes(options.ephemeralStorageMb ?? 512),
      timeout: options.timeout,
      role,
      layers: [this.duckDbLayer],
      ...(options.vpc ? { vpc: options.vpc.vpc, vpcSubnets: options.vpc.subnets, securityGroups: options.vpc.securityGroups } : {}),
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      // AWS_NODEJS_CONNECTION_REUSE_ENABLED concerns SDK v2 only; v3 reuses connections, so the stack sets no such variable.
      awsSdkConnectionReuse: false,
      environment: {
        ...options.environment,
        POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: POWERTOOLS_SERVICE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        target: 'node22',
        format: OutputFormat.CJS,
        // Readable stack traces in the logs; the bundle is small next to the layer.
        minify: false,
        keepNames: true,
        // Warnings and errors only: a synth of nine functions otherwise prints nine build summaries.
        logLevel: LogLevel.WARNING,
        // The SDK is bundled: the handler runs the exact client versions the tests ran, not the runtime's.
        bundleAwsSDK: true,
        externalModules: LAYER_MODULES,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...RUNTIME_FOLDERS.map((folder) => `cp -R "${path.join(inputDir, folder)}" "${path.join(outputDir, folder)}"`),
            `cp "${path.join(inputDir, SQL_JS_WASM)}" "${outputDir}"`,
          ],
        },
      },
    });
    this.functions.push(fn);
    return fn;
  }

  /** A CloudFormation custom resource provider over `onEvent`, its framework function logging with the same retention. */
  createProvider(scope: Construct, id: string, onEvent: NodejsFunction): Provider {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: this.settings.logRetention, removalPolicy: this.settings.removalPolicy });
    return new Provider(scope, id, { onEventHandler: onEvent, logGroup });
  }
}

/** The @duckdb/node-api version of package-lock.json: the bundles were tested against it. */
function lockedDuckDbVersion(): string {
  const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8'));
  return lock.packages['node_modules/@duckdb/node-api'].version;
}

/** The layer folder for the architecture, after checking it holds the locked DuckDB and its binding. */
function checkedLayerDir(buildDir: string, architecture: LambdaArchitecture): string {
  const dir = path.join(buildDir, architecture);
  const modules = path.join(dir, 'nodejs', 'node_modules', '@duckdb');
  const binding = path.join(modules, `node-bindings-linux-${architecture === 'arm64' ? 'arm64' : 'x64'}`, 'libduckdb.so');
  const apiManifest = path.join(modules, 'node-api', 'package.json');
  const expected = lockedDuckDbVersion();
  const found = existsSync(apiManifest) ? JSON.parse(readFileSync(apiManifest, 'utf8')).version : undefined;
  if (found !== expected || !existsSync(binding)) {
    throw new MissingLayerError(
      `the DuckDB Lambda layer for ${architecture} is missing or stale in ${dir} ` +
        `(expected @duckdb/node-api ${expected}${found ? `, found ${found}` : ''}): ` +
        `run \`node scripts/lambda-layer-build.cjs ${architecture}\` (or \`npm run layer\`), then synthesize again`,
    );
  }
  return dir;
}

/** The function names a variable the handler does not read, or misses one it does: fail the synthesis, naming both lists. */
function checkEnvironment({ name, environment }: MeterlakeFunctionOptions): void {
  const expected = variablesOf(name).filter((variable) => !LAMBDA_RUNTIME_VARIABLES.includes(variable)).sort();
  const given = Object.keys(environment).sort();
  if (expected.join() !== given.join()) {
    throw new FunctionEnvironmentError(`functions/${name} reads ${expected.join(', ')} but the stack sets ${given.join(', ') || 'nothing'}`);
  }
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
}
