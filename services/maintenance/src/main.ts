// The maintenance service process: `node services/maintenance/dist/main.js [--config maintenance.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { maintenanceService } from './definition';

runServiceProcess(maintenanceService, { argv: process.argv.slice(2), env: process.env });
