export * from './services';
export * from './wait';
export { ownBroker, type OwnBroker } from './own-broker';
