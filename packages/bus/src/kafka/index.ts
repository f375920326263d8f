export { kafkaCompressions, type KafkaCompression } from './codecs';
export { KafkaBus } from './kafka-bus';
export type { KafkaBusOptions, KafkaSaslOptions } from './options';
