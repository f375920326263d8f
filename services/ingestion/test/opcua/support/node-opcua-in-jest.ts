// Import first in every OPC UA test file. node-opcua prints its warnings (certificate dumps, reconnection
// attempts) with console.log, some after a test has ended; the tests check what the connector reports instead.
// KILN_TEST_LOG_LEVEL=debug shows them.
import { setErrorLogger, setWarningLogger } from 'node-opcua';

if (process.env['KILN_TEST_LOG_LEVEL'] !== 'debug') {
  setWarningLogger(() => undefined);
  setErrorLogger(() => undefined);
}
