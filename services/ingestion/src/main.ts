// The ingestion service process: `node services/ingestion/dist/main.js [--config ingestion.yaml]`.
// The composition root, and the only module here that reads process.env.
import { runServiceProcess } from '@kiln/service-runtime';
import { ingestionService } from './definition';

runServiceProcess(ingestionService, { argv: process.argv.slice(2), env: process.env });
