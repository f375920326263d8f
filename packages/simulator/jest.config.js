// The shared preset, plus: node-opcua requires `hexy`, an ES module; Node 20 loads it through require(esm)
// but jest's module system does not, so SWC compiles it to CommonJS for the tests.
const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  transform: {
    ...preset.transform,
    '/node_modules/hexy/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!hexy/)'],
};
