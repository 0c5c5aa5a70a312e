import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../src/aws/environment-variables';
import { grantGlueTables, grantObjectAccess } from '../grants';
import type { CatalogProps } from './catalog-props';

/** The Glue database of the lake, by default. */
export const DEFAULT_DATABASE_NAME = 'meterlake';

/**
 * The Glue database and every lake table in it, created on deploy by a custom resource that runs
 * the pipeline's own GlueCatalog code (`functions/catalog-tables`): idempotent on update, never
 * drops a table on delete, so Athena sees the tables right after the first deploy.
 */
export class Catalog extends Construct {
  public readonly databaseName: string;
  public readonly database: CfnDatabase;
  public readonly tablesFunction: NodejsFunction;
  public readonly tablesProvider: Provider;
  /** Completes once every table exists; resources that query the tables depend on it. */
  public readonly tables: CustomResource;

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id);
    this.databaseName = props.databaseName ?? DEFAULT_DATABASE_NAME;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Stack.of(this).account,
      databaseInput: { name: this.databaseName, description: 'meterlake: Iceberg tables of meter readings (written by the pipeline, read by Athena)' },
    });

    // Deleting the database would unregister every table: Athena would lose the lake although its files remain.
    this.database.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.tablesFunction = props.runtime.createFunction(this, {
      name: 'catalog-tables',
      description: 'Custom resource: creates every lake table in Glue (idempotent, never drops)',
      timeout: Duration.minutes(5),
      memoryMb: 1024,
      environment: { [ENV.lakeBucket]: props.lakeBucket.bucketName, [ENV.glueDatabase]: this.databaseName },
    });
    grantObjectAccess(this.tablesFunction, props.lakeBucket, props.key, { read: true, write: true });
    grantGlueTables(this, this.tablesFunction, this.databaseName, { write: true });

    this.tablesProvider = props.runtime.createProvider(this, 'TablesProvider', this.tablesFunction);
    this.tables = new CustomResource(this, 'Tables', {
      serviceToken: this.tablesProvider.serviceToken,
      resourceType: 'Custom::MeterlakeTables',
      properties: {
        DatabaseName: this.databaseName,
        // The bundle's asset key changes with the table definitions, so a new table is created on the next deploy.
        Revision: ((this.tablesFunction.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty).s3Key,
      },
    });
    this.tables.node.addDependency(this.database);
  }
}
