// The OEE service process: `node services/oee/dist/main.js [--config oee.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { oeeService } from './definition';

runServiceProcess(oeeService, { argv: process.argv.slice(2), env: process.env });
