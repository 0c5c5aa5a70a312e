#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig } from '../lib/app-config';
import { MeterlakeStack } from '../lib/meterlake-stack';

const app = new App();
// All context problems in one error, before any construct exists.
const config = readAppConfig((key) => app.node.tryGetContext(key));
new MeterlakeStack(app, 'Meterlake', {
  config,
  description: 'meterlake: serverless Iceberg lakehouse for meter data',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
