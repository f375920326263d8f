// The ERP-sync process: `node services/erp-sync/dist/main.js [--config erp-sync.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { erpSyncService } from './definition';

runServiceProcess(erpSyncService, { argv: process.argv.slice(2), env: process.env });
