// dependency-cruiser configuration of Kiln, built from the role each workspace states in its package.json
// ("kiln": { "role" }; docs/architecture.md section 12), so the rules never list packages by hand.
// `npm run deps:check` applies the same configuration and also checks package.json dependencies and package
// cycles; this file is for depcruise's own command line, e.g.
//   npx depcruise packages services --output-type err
// It needs @kiln/layer-check built (npm run deps:check or npm run build does that).
const { cruiserConfig, readWorkspaces } = require('@kiln/layer-check');

module.exports = cruiserConfig(readWorkspaces(__dirname));
