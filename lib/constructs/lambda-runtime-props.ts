import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { FunctionName } from '../../src/aws/environment-variables';
import type { LambdaArchitecture } from '../app-config';

/** Props of the shared Lambda runtime: the DuckDB layer and the function factory. */
export interface LambdaRuntimeProps {
  /**
   * CPU architecture of every function and of the DuckDB layer.
   * @default 'arm64'
   */
  readonly architecture?: LambdaArchitecture;
  /**
   * Memory of a function whose definition names none.
   * @default 2048
   */
  readonly defaultMemoryMb?: number;
  /**
   * How long function logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The folder holding `<architecture>/nodejs/node_modules` (scripts/lambda-layer-build.cjs).
   * @default - build/lambda-layer in the repository
   */
  readonly layerBuildDir?: string;
}

/** One function made by LambdaRuntime.createFunction. */
export interface MeterlakeFunctionOptions {
  /** The folder under functions/ whose handler.ts is the entry; also the construct id's source. */
  readonly name: FunctionName;
  readonly description: string;
  /** Exactly the variables the handler reads (variablesOf in src/aws/environment-variables.ts), checked at synthesis. */
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  /**
   * @default the runtime's defaultMemoryMb
   */
  readonly memoryMb?: number;
  /**
   * /tmp size: DuckDB's temp space and the files a function downloads.
   * @default 512
   */
  readonly ephemeralStorageMb?: number;
  /**
   * The VPC the function runs in (a function that reaches a VPC-only service, such as MSK).
   * @default - no VPC
   */
  readonly vpc?: { readonly vpc: IVpc; readonly subnets: SubnetSelection; readonly securityGroups: ISecurityGroup[] };
}
