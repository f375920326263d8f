export {
  availableServices,
  describeWith,
  isCi,
  serviceEndpoints,
  type ServiceEndpoints,
  type ServiceName,
} from './services';
export { uniqueName, waitUntil } from './wait';
export { ownBroker, type OwnBroker } from './own-broker';
export { freeBrokerPort, freePort } from './ports';
export { markdownTableRows } from './markdown';
export { fuzzRuns } from './fuzz';
export {
  startTcpProxy,
  type TcpProxy,
  type TcpProxyCutMode,
  type TcpProxyOptions,
  type TcpProxyTarget,
} from './tcp-proxy';
export { makeTestCertificates, type TestCertificates } from './certificates';
