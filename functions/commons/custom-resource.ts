/** What a cr.Provider onEvent handler returns to CloudFormation. */
export interface CustomResourceResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}
