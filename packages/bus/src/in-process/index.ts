export { InProcessBus, type InProcessPartitionStats } from './in-process-bus';
export type { InProcessBusOptions } from './options';
