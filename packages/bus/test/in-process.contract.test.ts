// The same bus contract on the in-process bus that `npm start` runs on.
import { InProcessBus } from '../src';
import { decodingContract } from './contract/decoding';
import { deliveryContract } from './contract/delivery';
import { failureContract } from './contract/failures';
import { SERVICE, type BusHarness } from './contract/harness';
import { logEpochContract } from './contract/log-epoch';
import { rebalanceContract } from './contract/rebalance';

const harness: BusHarness = {
  createBus: async (options) =>
    new InProcessBus({
      service: SERVICE,
      ...(options?.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: options.drainTimeoutMs }),
    }),
  offsetsOutliveTheBus: false,
  joinTimeoutMs: 5_000,
};

describe('event bus contract in process', () => {
  describe('delivery', () => deliveryContract(harness));
  describe('failures', () => failureContract(harness));
  describe('decoding', () => decodingContract(harness));
  describe('rebalance', () => rebalanceContract(harness));
  describe('log epoch', () => logEpochContract(harness));
});
