import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig } from './app-config';
import { MeterlakeStack } from './meterlake-stack';

/** Options of the app beyond its context (tests use them). */
export interface MeterlakeAppOptions {
  /**
   * The folder of the built DuckDB layers.
   * @default - build/lambda-layer in the repository
   */
  readonly layerBuildDir?: string;
}

/**
 * The meterlake app on `app`: the context validated up front (all problems in one error), the
 * stack, and cdk-nag's AWS Solutions checks run at synthesis. bin/meterlake.ts and the tests
 * build the same app through this function.
 */
export function buildMeterlakeApp(app: App, options: MeterlakeAppOptions = {}): MeterlakeStack {
  const config = readAppConfig((key) => app.node.tryGetContext(key));
  const stack = new MeterlakeStack(app, 'Meterlake', {
    config,
    layerBuildDir: options.layerBuildDir,
    description: 'meterlake: serverless Iceberg lakehouse for meter data',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
