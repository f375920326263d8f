// The record-batch codecs kafkajs leaves out (it has gzip only). Each comes from a maintained package with a prebuilt
// native binary (no node-gyp build), and kafkajs looks codecs up in one process-wide table: every KafkaBus registers
// all of them when it is built, so any service can read what another produced, whatever codec that one chose.
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import snappyCodec from 'kafkajs-snappy';
import { compressFrame, decompressFrame } from 'lz4-napi';

/** The compression a producer applies to its record batches (docs/configuration.md, bus.kafka.compression). */
export type KafkaCompression = 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy';

export const kafkaCompressions = [
  'none',
  'gzip',
  'lz4',
  'zstd',
  'snappy',
] as const satisfies readonly KafkaCompression[];

/** kafkajs hands a codec its encoder (the batch's bytes in `buffer`) to compress, and a Buffer to decompress. */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// Kafka's LZ4 is the LZ4 frame format with independent blocks and no content size (KafkaLZ4BlockOutputStream); the
// defaults of lz4_flex's frame encoder match. Both codecs run on the libuv thread pool, off the event loop.
const lz4: KafkaCodec = {
  compress: (encoder) => compressFrame(encoder.buffer),
  decompress: (buffer) => decompressFrame(buffer),
};

// Level 3 is zstd's and Kafka's own default (compression.zstd.level).
const ZSTD_LEVEL = 3;
const zstd: KafkaCodec = {
  compress: (encoder) => zstdCompress(encoder.buffer, ZSTD_LEVEL),
  decompress: (buffer) => zstdDecompress(buffer),
};

let registered = false;

/** Puts lz4, zstd and snappy into kafkajs's codec table; idempotent, called by every KafkaBus. */
export function registerKafkaCodecs(): void {
  if (registered) return;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstd;
  // kafkajs-snappy writes raw snappy and reads both raw and the xerial framing Java producers write.
  CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;
  registered = true;
}

export function compressionType(compression: KafkaCompression): CompressionTypes {
  switch (compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
    case 'snappy':
      return CompressionTypes.Snappy;
  }
}
