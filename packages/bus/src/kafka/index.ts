export { KafkaBus } from './kafka-bus';
export type { KafkaBusOptions, KafkaSaslOptions } from './options';
