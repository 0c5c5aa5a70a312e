/**
 * athena-views: the CloudFormation custom resource that creates the analyst views of sql/views
 * in Athena (`CREATE OR REPLACE VIEW`, rendered by athena-ddl from the same files the engines
 * run), one after another in dependency order, each waited for. Delete leaves the views.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { runAthenaStatement } from '../../src/aws/athena-statements';
import { athenaClient } from '../../src/aws/clients';
import { athenaWorkgroup, glueDatabase, readEnvironment } from '../../src/aws/environment';
import { athenaViewDdls } from '../../src/engine/athena-ddl';
import { SQL_VIEWS_DIR } from '../../src/engine/sql-template';
import type { CustomResourceResponse } from '../commons/custom-resource';
import { logger } from '../commons/logger';

/** A view's DDL failed in Athena. */
export class AthenaViewError extends Error {
  override readonly name = 'AthenaViewError';
}

export interface AthenaViewsDependencies {
  readonly athena: AthenaClient;
  readonly workGroup: string;
  readonly database: string;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The athena-views custom resource handler over its dependencies. */
export function createAthenaViewsHandler(deps: AthenaViewsDependencies) {
  const physicalResourceId = `meterlake-athena-views-${deps.workGroup}-${deps.database}`;
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<CustomResourceResponse> => {
    logger.addContext(context);
    logger.appendKeys({ requestType: event.RequestType, database: deps.database, workGroup: deps.workGroup });
    try {
      if (event.RequestType === 'Delete') {
        logger.info('delete: the views are left in place');
        return { PhysicalResourceId: event.PhysicalResourceId };
      }
      const views = athenaViewDdls(SQL_VIEWS_DIR, deps.database);
      for (const view of views) {
        try {
          const queryExecutionId = await runAthenaStatement(deps.athena, view.ddl, { workGroup: deps.workGroup, database: deps.database, sleep: deps.sleep });
          logger.info('view created or replaced', { view: view.name, queryExecutionId });
        } catch (error) {
          // CloudFormation shows the message: it must say which view.
          throw new AthenaViewError(`view ${deps.database}.${view.name} could not be created in workgroup ${deps.workGroup}: ${(error as Error).message}`, { cause: error });
        }
      }
      return { PhysicalResourceId: physicalResourceId, Data: { Views: views.map((v) => v.name).join(',') } };
    } finally {
      logger.removeKeys(['requestType', 'database', 'workGroup']);
    }
  };
}

const environment = readEnvironment('athena-views');
export const handler = createAthenaViewsHandler({
  athena: athenaClient(environment.connection), workGroup: athenaWorkgroup(environment), database: glueDatabase(environment),
});
