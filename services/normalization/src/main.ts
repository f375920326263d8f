// The normalization service process: `node services/normalization/dist/main.js [--config normalization.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { normalizationService } from './definition';

runServiceProcess(normalizationService, { argv: process.argv.slice(2), env: process.env });
