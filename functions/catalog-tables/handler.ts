/**
 * catalog-tables: the CloudFormation custom resource (cr.Provider onEvent) that creates every
 * table the pipeline writes in the Glue database on deploy, through the same GlueCatalog code
 * the functions commit with, so Athena sees them right away. Create and Update are idempotent
 * (an existing table is kept, only columns its definition gained are added); Delete drops nothing.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { glueDatabase, lakePortsFromEnvironment, readEnvironment } from '../../src/aws/environment';
import { tableFor } from '../../src/pipeline/lake-tables';
import type { LakePorts } from '../../src/pipeline/ports';
import { REFERENCE_TABLES } from '../../src/pipeline/reference';
import { STREAM_TABLES } from '../../src/pipeline/stream/tables';
import {
  DATA_QUALITY, INGEST_LOG, METER_READINGS, READINGS_HISTORY, REJECTED_READINGS, SNAPSHOT_LOG, type TableDefinition,
} from '../../src/pipeline/tables';
import type { CustomResourceResponse } from '../commons/custom-resource';
import { logger } from '../commons/logger';

/**
 * The tables created on deploy. The gold tables are not among them: their columns come from
 * their queries' results, so the daily run's gold hook creates them on its first run.
 */
export const DEPLOYED_TABLES: readonly TableDefinition[] = [
  READINGS_HISTORY, REJECTED_READINGS, INGEST_LOG, METER_READINGS, SNAPSHOT_LOG, DATA_QUALITY, ...Object.values(REFERENCE_TABLES), ...STREAM_TABLES,
];

export interface CatalogTablesDependencies {
  readonly database: string;
  readonly ports: () => Promise<LakePorts>;
}

/** The catalog-tables custom resource handler over its dependencies. */
export function createCatalogTablesHandler(deps: CatalogTablesDependencies) {
  // Stable per database: an update never replaces the resource (a replacement's Delete drops nothing anyway).
  const physicalResourceId = `meterlake-catalog-tables-${deps.database}`;
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<CustomResourceResponse> => {
    logger.addContext(context);
    logger.appendKeys({ requestType: event.RequestType, database: deps.database });
    try {
      if (event.RequestType === 'Delete') {
        logger.info('delete: the tables and their data are kept (drop them by hand if meant)');
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      const ports = await deps.ports();
      for (const definition of DEPLOYED_TABLES) {
        const table = await tableFor(ports, definition);
        const metadata = await table.metadata();
        logger.info('table ready', { table: definition.name, location: metadata.location, snapshotId: metadata['current-snapshot-id'].toString() });
      }
      return { PhysicalResourceId: physicalResourceId, Data: { Tables: DEPLOYED_TABLES.map((t) => t.name).join(',') } };
    } finally {
      logger.removeKeys(['requestType', 'database']);
    }
  };
}

const environment = readEnvironment('catalog-tables');
export const handler = createCatalogTablesHandler({ database: glueDatabase(environment), ports: () => lakePortsFromEnvironment(environment) });
