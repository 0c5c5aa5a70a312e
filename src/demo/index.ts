/** Demo data generator (`meterlake generate`): public surface. */
export { DemoAlreadyGeneratedError, generateDemo, DROPS_KEY } from './generate-demo';
export { expectedReadingVersions, expectedBadRows } from './expected-versions';
export { DemoOptionsError, resolveDemoOptions } from './options';
export { DemoWriteError } from './file-writer';
export { DEMO_PRODUCTS } from './meter-plan';
export { REFERENCE_DDL } from './reference-sqlite';
export type * from './types';
