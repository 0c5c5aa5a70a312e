import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf, type TestApp, testApp } from './test-app';

let app: TestApp;
let template: Template;
const logicalId = (construct: IConstruct) => logicalIdOf(app.stack, construct);

beforeAll(() => {
  app = testApp({ athenaBytesScannedCutoff: '50000000000' });
  template = app.template;
});
afterAll(() => app.cleanup());

describe('Catalog', () => {
  test('creates the Glue database meterlake, retained on stack deletion', () => {
    template.hasResource('AWS::Glue::Database', { Properties: Match.objectLike({ DatabaseInput: Match.objectLike({ Name: 'meterlake' }) }), DeletionPolicy: 'Retain' });
  });

  test('creates the tables through the catalog-tables function once the database exists, again whenever its code changes', () => {
    const [tables] = Object.values(template.findResources('Custom::MeterlakeTables')) as { DependsOn: string[]; Properties: Record<string, unknown> }[];

    expect(tables.DependsOn).toContain(logicalId(app.stack.catalog.database));
    expect(tables.Properties).toMatchObject({ DatabaseName: 'meterlake', Revision: expect.stringMatching(/\.zip$/) });
  });
});

describe('Analytics', () => {
  test('the workgroup runs engine v3, enforces its configuration and the per-query scan limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'meterlake',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        BytesScannedCutoffPerQuery: 50000000000,
      }),
    });
  });

  test('query results are written KMS-encrypted to their own encrypted, TLS-only bucket', () => {
    const results = logicalId(app.stack.analytics.resultsBucket);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        ResultConfiguration: {
          OutputLocation: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: results }])]) }),
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [logicalId(app.stack.storage.key), 'Arn'] } },
        },
      }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'athena-results/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: results },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('the views are created through Athena after the tables exist', () => {
    const [views] = Object.values(template.findResources('Custom::MeterlakeAthenaViews')) as { DependsOn: string[] }[];
    const [tablesId] = Object.keys(template.findResources('Custom::MeterlakeTables'));

    expect(views.DependsOn).toEqual(expect.arrayContaining([tablesId, logicalId(app.stack.analytics.workGroup)]));
  });

  test.each([
    ['meter-latest-readings', /FROM "meterlake"\."meter_readings"\nWHERE meter_id = \?/],
    ['day-data-quality', /FROM "meterlake"\."data_quality"\nWHERE day = date\(\?\)/],
    ['time-travel-to-daily-tag', /"meterlake"\."snapshot_log" WHERE tag = 'daily-[\s\S]*"meterlake"\."meter_readings" FOR VERSION AS OF/],
  ])('the named query %s is in the workgroup', (name, query) => {
    template.hasResourceProperties('AWS::Athena::NamedQuery', { Name: name, Database: 'meterlake', WorkGroup: 'meterlake', QueryString: Match.stringLikeRegexp(query.source) });
  });

  test('the athena-views function may run queries only in the meterlake workgroup', () => {
    const policy = template.toJSON().Resources[logicalId(app.stack.analytics.viewsFunction.role!.node.findChild('DefaultPolicy'))].Properties.PolicyDocument;
    const athena = (policy.Statement as { Action: string[]; Resource: unknown }[]).find((s) => [s.Action].flat().includes('athena:StartQueryExecution'))!;

    expect(JSON.stringify(athena.Resource)).toContain(':workgroup/meterlake');
  });
});
