/** Jest runs TypeScript through swc (transpile only; `npm run typecheck` does the type checking). */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // icebird and hyparquet ship ES modules only; jest's module system needs them as CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(icebird|hyparquet|hyparquet-compressors|hyparquet-writer)/)'],
  testTimeout: 120000,
  maxWorkers: 2,
};
