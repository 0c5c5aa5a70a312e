import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FunctionEnvironmentError, LambdaRuntime, MissingLayerError } from '../../lib/constructs/lambda-runtime';
import type { LambdaRuntimeProps } from '../../lib/constructs/lambda-runtime-props';
import { logicalIdOf, stubLayerBuildDir } from './test-app';

const layerBuildDir = stubLayerBuildDir();
const INGEST_ENVIRONMENT = {
  METERLAKE_LAKE_BUCKET: 'lake',
  METERLAKE_LANDING_BUCKET: 'landing',
  METERLAKE_GLUE_DATABASE: 'meterlake',
  METERLAKE_COMMIT_QUEUE_URL: 'https://sqs.example/commit.fifo',
};
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of [layerBuildDir, ...outdirs]) rmSync(dir, { recursive: true, force: true });
});

/** A stack with one function from the factory; `bundle` runs esbuild for real (seconds). */
function runtimeStack(props: LambdaRuntimeProps = {}, { bundle = false } = {}) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'meterlake-runtime-'));
  outdirs.push(outdir);
  const app = new App({ outdir, builtinCloudFormationValidation: false, context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const runtime = new LambdaRuntime(stack, 'Runtime', { layerBuildDir, ...props });
  const fn = runtime.createFunction(stack, { name: 'ingest', description: 'test', timeout: Duration.minutes(1), environment: INGEST_ENVIRONMENT });
  return { app, stack, runtime, fn, template: Template.fromStack(stack) };
}

describe('LambdaRuntime', () => {
  const { template } = runtimeStack();

  test('functions run Node.js 22 on arm64 by default, with the DuckDB layer for arm64', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'], Layers: [{ Ref: Match.stringLikeRegexp('^RuntimeDuckDbLayer') }] });
    template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleArchitectures: ['arm64'], CompatibleRuntimes: ['nodejs22.x'] });
  });

  test('x86_64 is a prop', () => {
    runtimeStack({ architecture: 'x86_64' }).template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
  });

  test('functions log JSON to their own log group with a retention, and trace with X-Ray', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^IngestLogs') } },
      TracingConfig: { Mode: 'Active' },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('the role may write only to the function\'s log group (no managed policy)', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Description: 'meterlake ingest function' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestLogs'), 'Arn'] } }]) },
    });
  });

  test('functions get their variables plus Powertools service and namespace meterlake', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { METERLAKE_LAKE_BUCKET: 'lake', POWERTOOLS_SERVICE_NAME: 'meterlake', POWERTOOLS_METRICS_NAMESPACE: 'meterlake', POWERTOOLS_LOG_LEVEL: 'INFO' } },
    });
  });

  test('a function given other variables than its handler reads fails synthesis, naming both lists', () => {
    const { stack, runtime } = runtimeStack();
    const create = () => runtime.createFunction(stack, { name: 'athena-views', description: 'test', timeout: Duration.minutes(1), environment: { METERLAKE_LAKE_BUCKET: 'lake' } });

    expect(create).toThrow(FunctionEnvironmentError);
    expect(create).toThrow('functions/athena-views reads METERLAKE_ATHENA_WORKGROUP, METERLAKE_GLUE_DATABASE but the stack sets METERLAKE_LAKE_BUCKET');
  });

  test('a missing layer fails synthesis with the command that builds it', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'meterlake-no-layer-'));
    outdirs.push(empty);

    expect(() => runtimeStack({ layerBuildDir: empty, architecture: 'arm64' })).toThrow(MissingLayerError);
    expect(() => runtimeStack({ layerBuildDir: empty, architecture: 'arm64' })).toThrow(/run `node scripts\/lambda-layer-build\.cjs arm64`/);
  });

  test('the bundle leaves DuckDB to the layer and carries sql/, config/ and sql.js\'s WebAssembly beside index.js', () => {
    const { app, stack, fn } = runtimeStack({ architecture: 'x86_64' }, { bundle: true });
    const assembly = app.synth();
    const code = assembly.getStackByName(stack.stackName).template.Resources[logicalIdOf(stack, fn)].Properties.Code;
    const assetDir = path.join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const bundle = readFileSync(path.join(assetDir, 'index.js'), 'utf8');

    expect(bundle).toContain('require("@duckdb/node-api")');
    expect(bundle).not.toMatch(/class DuckDBInstance\b/);
    expect(readdirSync(path.join(assetDir, 'sql', 'views')).length).toBeGreaterThan(0);
    expect(existsSync(path.join(assetDir, 'config', 'sources.json'))).toBe(true);
    expect(existsSync(path.join(assetDir, 'sql-wasm.wasm'))).toBe(true);
    expect(existsSync(path.join(assetDir, 'node_modules'))).toBe(false);
  });
});
