import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { buildMeterlakeApp } from '../../lib/meterlake-app';
import type { MeterlakeStack } from '../../lib/meterlake-stack';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A stand-in for build/lambda-layer: the files the synth-time check reads, without the 70 MB
 * binding (the construct tests look at the template, not at the layer's content).
 */
export function stubLayerBuildDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meterlake-layer-'));
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const version: string = lock.packages['node_modules/@duckdb/node-api'].version;
  for (const [architecture, cpu] of [['x86_64', 'x64'], ['arm64', 'arm64']]) {
    const modules = path.join(dir, architecture, 'nodejs', 'node_modules', '@duckdb');
    mkdirSync(path.join(modules, 'node-api'), { recursive: true });
    mkdirSync(path.join(modules, `node-bindings-linux-${cpu}`), { recursive: true });
    writeFileSync(path.join(modules, 'node-api', 'package.json'), JSON.stringify({ name: '@duckdb/node-api', version }));
    writeFileSync(path.join(modules, `node-bindings-linux-${cpu}`, 'libduckdb.so'), '');
  }
  return dir;
}

/** A synthesized test app; `cleanup` removes its temp folders. */
export interface TestApp {
  readonly app: App;
  readonly stack: MeterlakeStack;
  readonly template: Template;
  readonly cleanup: () => void;
}

/** Options of a test app. */
export interface TestAppOptions {
  /** Run CDK's CloudFormation template validation at synthesis (seconds; the nag test runs it). */
  readonly cloudFormationValidation?: boolean;
  readonly layerBuildDir?: string;
}

/**
 * The meterlake app as bin/meterlake.ts builds it (cdk-nag included), over `context`, for x86_64
 * and with Lambda bundling skipped: the templates are complete, the function assets placeholders.
 */
export function testApp(context: Record<string, unknown> = {}, options: TestAppOptions = {}): TestApp {
  const layerBuildDir = options.layerBuildDir ?? stubLayerBuildDir();
  const outdir = mkdtempSync(path.join(tmpdir(), 'meterlake-cdk-out-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    // No stack is bundled: the NodejsFunction assets are placeholders, the templates are complete.
    context: { 'aws:cdk:bundling-stacks': [], architecture: 'x86_64', ...context },
  });
  const stack = buildMeterlakeApp(app, { layerBuildDir });
  const cleanup = () => {
    rmSync(outdir, { recursive: true, force: true });
    if (!options.layerBuildDir) rmSync(layerBuildDir, { recursive: true, force: true });
  };
  return { app, stack, template: Template.fromStack(stack), cleanup };
}

/** A state machine's definition as JSON; each reference inside it (function ARNs) becomes the string "<ref>". */
export function stateMachineDefinition(template: Template, logicalId: string): StateMachineDefinition {
  const definition = template.toJSON().Resources[logicalId].Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof definition === 'string' ? definition : definition['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return JSON.parse(text);
}

/** The parts of an Amazon States Language definition the tests read. */
export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}
export interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  MaxConcurrency?: number;
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  ItemProcessor?: StateMachineDefinition;
  Parameters?: Record<string, unknown>;
  ResultPath?: string;
  Resource?: string;
}

/** The logical id of an L1 resource, or of an L2 construct's resource. */
export function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}
