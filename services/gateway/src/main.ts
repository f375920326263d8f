// The gateway process: `node services/gateway/dist/main.js [--config gateway.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { gatewayService } from './definition';

runServiceProcess(gatewayService, { argv: process.argv.slice(2), env: process.env });
