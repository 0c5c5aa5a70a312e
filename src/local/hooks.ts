/** The daily run's hooks moved to src/pipeline/daily-hooks (AWS runs them too); kept here for existing importers. */
export { dailyHooks } from '../pipeline/daily-hooks';
