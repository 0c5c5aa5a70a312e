import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildMeterlakeApp } from '../../lib/meterlake-app';
import { FUNCTION_KINDS, type FunctionName } from '../../src/aws/environment-variables';
import type { AslDefinition } from './state-machine';
import { MSK_CONTEXT } from '../cdk/msk-context';

/** One meterlake function as the synthesized cloud assembly describes it. */
export interface SynthesizedFunction {
  readonly name: FunctionName;
  readonly logicalId: string;
  /** The bundled asset folder (index.js, sql/, config/, sql-wasm.wasm). */
  readonly assetDir: string;
  /** The asset folders of its layers (each holds nodejs/node_modules, as /opt does in Lambda). */
  readonly layerDirs: string[];
  /** `index.handler`. */
  readonly handler: string;
  /** Environment.Variables; values CloudFormation resolves at deploy time (Ref, GetAtt) are given as `<ref:LogicalId>`. */
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
  readonly description: string;
}

/** The meterlake app synthesized with its Lambda bundling, in a temp folder `cleanup` removes. */
export interface SynthesizedApp {
  readonly outdir: string;
  readonly functions: Record<FunctionName, SynthesizedFunction>;
  /** The daily state machine; each task's Resource is the name of the function it invokes. */
  readonly dailyDefinition: AslDefinition;
  readonly cleanup: () => void;
}

type CfnValue = unknown;
interface CfnResource { Type: string; Properties?: Record<string, CfnValue> }
interface CfnTemplate { Resources: Record<string, CfnResource> }

const ROLE_DESCRIPTION = /^meterlake (.+) function$/;

/**
 * Synthesizes the app as `cdk synth` does for the host's architecture (its DuckDB layer must load
 * here), with the real NodejsFunction bundling (esbuild on the host) and the real DuckDB layer of
 * build/lambda-layer, into a temp folder; then reads each function's asset folder, layers, handler and environment
 * from the template and the asset manifest. Each function is told apart by its role's
 * description (`meterlake <name> function`), which lambda-runtime.ts gives every role it makes.
 */
export async function synthesizeApp(options: { layerBuildDir?: string } = {}): Promise<SynthesizedApp> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'meterlake-synth-'));
  try {
    // With the msk context, so that the stream function is synthesized and bundled like every other.
    const app = new App({ outdir, context: { architecture: process.arch === 'arm64' ? 'arm64' : 'x86_64', msk: MSK_CONTEXT } });
    const stack = buildMeterlakeApp(app, options);
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, stack.templateFile), 'utf8')) as CfnTemplate;
    const assetFolder = assetFoldersOf(outdir);
    const functions = functionsOf(template, assetFolder);
    const dailyDefinition = dailyDefinitionOf(template, functions);
    return { outdir, functions, dailyDefinition, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

/** `<hash>.zip` → the asset's folder, from every `*.assets.json` of the assembly. */
function assetFoldersOf(outdir: string): (s3Key: string) => string {
  const folders = new Map<string, string>();
  for (const file of readdirSync(outdir).filter((f) => f.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as { files?: Record<string, { source: { path: string; packaging?: string } }> };
    for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
      if (asset.source.packaging === 'zip') folders.set(`${hash}.zip`, path.join(outdir, asset.source.path));
    }
  }
  return (s3Key) => {
    const folder = folders.get(s3Key);
    if (!folder || !existsSync(folder)) throw new Error(`no asset folder for S3 key ${s3Key} in ${outdir}`);
    return folder;
  };
}

const logicalIdOfRef = (value: CfnValue): string | undefined => {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
  }
  return undefined;
};

/** The literal S3 key CDK writes for an asset (`<hash>.zip`); anything else is refused. */
function s3KeyOf(code: CfnValue): string {
  const key = (code as { S3Key?: CfnValue } | undefined)?.S3Key;
  if (typeof key !== 'string') throw new Error(`unexpected Code.S3Key ${JSON.stringify(key)}`);
  return key;
}

function functionsOf(template: CfnTemplate, assetFolder: (s3Key: string) => string): Record<FunctionName, SynthesizedFunction> {
  const resources = template.Resources;
  const roleNames = new Map<string, FunctionName>();
  for (const [id, resource] of Object.entries(resources)) {
    const match = resource.Type === 'AWS::IAM::Role' ? ROLE_DESCRIPTION.exec(String(resource.Properties?.Description ?? '')) : null;
    if (match && match[1] in FUNCTION_KINDS) roleNames.set(id, match[1] as FunctionName);
  }
  const functions: Partial<Record<FunctionName, SynthesizedFunction>> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const name = roleNames.get(logicalIdOfRef(props.Role) ?? '');
    if (!name) continue; // the custom resource providers' framework functions
    if (functions[name]) throw new Error(`two functions with the role of ${name}: ${functions[name].logicalId} and ${logicalId}`);
    const layerDirs = ((props.Layers as CfnValue[] | undefined) ?? []).map((layer) => {
      const layerId = logicalIdOfRef(layer);
      const layerResource = layerId ? resources[layerId] : undefined;
      if (layerResource?.Type !== 'AWS::Lambda::LayerVersion') throw new Error(`${logicalId}: layer ${JSON.stringify(layer)} is not a LayerVersion of the stack`);
      return assetFolder(s3KeyOf(layerResource.Properties?.Content));
    });
    const variables = ((props.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables) ?? {};
    functions[name] = {
      name,
      logicalId,
      assetDir: assetFolder(s3KeyOf(props.Code)),
      layerDirs,
      handler: String(props.Handler),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `<ref:${logicalIdOfRef(v) ?? JSON.stringify(v)}>`])),
      memoryMb: Number(props.MemorySize),
      description: String(props.Description ?? ''),
    };
  }
  const missing = Object.keys(FUNCTION_KINDS).filter((name) => !functions[name as FunctionName]);
  if (missing.length) throw new Error(`the synthesized template has no function for ${missing.join(', ')}`);
  return functions as Record<FunctionName, SynthesizedFunction>;
}

/** The state machine whose tasks invoke daily-plan; its Fn::GetAtt function ARNs become the functions' names. */
function dailyDefinitionOf(template: CfnTemplate, functions: Record<FunctionName, SynthesizedFunction>): AslDefinition {
  const nameByLogicalId = new Map(Object.values(functions).map((f) => [f.logicalId, f.name]));
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  for (const machine of machines) {
    const definition = machine.Properties?.DefinitionString as string | { 'Fn::Join': [string, CfnValue[]] };
    const parts = typeof definition === 'string' ? [definition] : definition['Fn::Join'][1];
    const referenced: string[] = [];
    const text = parts.map((part) => {
      if (typeof part === 'string') return part;
      const id = logicalIdOfRef(part);
      const name = id ? nameByLogicalId.get(id) : undefined;
      if (!name) throw new Error(`the state machine definition references ${JSON.stringify(part)}, not a meterlake function`);
      referenced.push(name);
      return name;
    }).join(typeof definition === 'string' ? '' : definition['Fn::Join'][0]);
    if (referenced.includes('daily-plan')) return JSON.parse(text) as AslDefinition;
  }
  throw new Error('no state machine of the template invokes daily-plan');
}
