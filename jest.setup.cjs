// Runs before every test file. node-opcua prints its warnings with console.log, some from an asynchronous
// self-check after a test file has finished ("Cannot log after tests are done" then fails the run); tests check
// what the code reports instead. KILN_TEST_LOG_LEVEL=debug shows them. Packages without node-opcua skip this.
if (process.env.KILN_TEST_LOG_LEVEL !== 'debug') {
  let debug;
  try {
    debug = require('node-opcua-debug');
  } catch {
    debug = undefined;
  }
  if (debug) {
    const quiet = () => undefined;
    debug.setWarningLogger(quiet);
    debug.setErrorLogger(quiet);
  }
}
