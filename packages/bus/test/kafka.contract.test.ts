// The bus contract through a real Apache Kafka broker (npm run infra:up starts one).
import { describeWith, serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { KafkaBus } from '../src';
import { decodingContract } from './contract/decoding';
import { deliveryContract } from './contract/delivery';
import { failureContract } from './contract/failures';
import { SERVICE, type BusHarness } from './contract/harness';
import { logEpochContract } from './contract/log-epoch';
import { rebalanceContract } from './contract/rebalance';

const harness: BusHarness = {
  createBus: async (options) =>
    new KafkaBus({
      brokers: serviceEndpoints().kafkaBrokers,
      clientId: uniqueName('contract'),
      service: SERVICE,
      // Members notice a rebalance at their next heartbeat: keep tests quick.
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      ...(options?.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: options.drainTimeoutMs }),
    }),
  offsetsOutliveTheBus: true,
  joinTimeoutMs: 60_000,
};

describeWith(['kafka'], 'event bus contract on Kafka', () => {
  describe('delivery', () => deliveryContract(harness));
  describe('failures', () => failureContract(harness));
  describe('decoding', () => decodingContract(harness));
  describe('rebalance', () => rebalanceContract(harness));
  describe('log epoch', () => logEpochContract(harness));
});
