// The small repositories under test/__fixtures__ are the check's inputs, not modules of this package.
module.exports = {
  ...require('../../jest.preset.cjs'),
  modulePathIgnorePatterns: ['<rootDir>/test/__fixtures__/'],
};
