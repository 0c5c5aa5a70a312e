import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { MSK_CONTEXT } from './msk-context';
import { type TestApp, testApp } from './test-app';

/** Every acknowledgement in the app: the construct it is on, the rule id and the reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe.each([
  // CDK's CloudFormation validation takes seconds: it runs on the default app only.
  ['the default app', {}, {}, true],
  ['the app that deletes its data, in a concrete environment', { destroyOnRemove: true }, { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' }, false],
  ['the app with the MSK sensor stream', { msk: MSK_CONTEXT }, {}, false],
])('cdk-nag AwsSolutionsChecks on %s', (_, context, env, cloudFormationValidation) => {
  let app: TestApp;
  beforeAll(() => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      // Synthesis runs the checks (and CDK's CloudFormation validation): an unacknowledged error throws here.
      app = testApp(context, { cloudFormationValidation });
    } finally {
      process.env = saved;
    }
  });
  afterAll(() => app?.cleanup());

  test('finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(app.app);

    expect(report.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  test('CloudFormation validation reports nothing (no circular dependency, no invalid property)', () => {
    const reportFile = path.join(app.app.outdir, 'validation-report.json');
    const reports = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')).pluginReports as { pluginName: string; violations: unknown[] }[]) : [];

    expect(reports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })))).toEqual([]);
  });

  test('every acknowledgement names an AwsSolutions rule and gives a reason', () => {
    const found = acknowledgements(app.app);

    expect(found.length).toBeGreaterThan(0);
    for (const { path: where, id, reason } of found) {
      expect({ where, id }).toEqual({ where, id: expect.stringMatching(/^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/) });
      expect({ where, id, reason }).toEqual({ where, id, reason: expect.stringMatching(/^\S.{30,}/) });
    }
  });
});
