/** Jest runs TypeScript through swc (transpile only; `npm run typecheck` does the type checking). */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // icebird and hyparquet ship ES modules only; jest's module system needs them as CommonJS.
  // Their package exports offer only an 'import' condition, which jest's resolver does not use.
  moduleNameMapper: {
    '^icebird$': '<rootDir>/node_modules/icebird/src/index.js',
    '^hyparquet$': '<rootDir>/node_modules/hyparquet/src/node.js',
    '^hyparquet-writer$': '<rootDir>/node_modules/hyparquet-writer/src/node.js',
    '^(hyparquet|hyparquet-writer)/src/(.*)$': '<rootDir>/node_modules/$1/src/$2',
  },
  transformIgnorePatterns: ['/node_modules/(?!(icebird|hyparquet|hyparquet-compressors|hyparquet-writer|hysnappy)/)'],
  testTimeout: 120000,
  maxWorkers: 2,
};
