// Configuration of a Sparkplug B host application connector.
import { z } from 'zod';
import { mqttConnectionShape } from '../mqtt/connection';

// Sparkplug 3.0, 4.1.1: ids are valid UTF-8 without the MQTT wildcards and separators.
const sparkplugId = z
  .string()
  .min(1)
  .regex(/^[^/+#]+$/, 'no "/", "+" or "#" (Sparkplug B topic element)');

export const sparkplugConnectorConfigSchema = z.strictObject({
  kind: z.literal('sparkplug'),
  ...mqttConnectionShape,
  /** The Sparkplug host application id: the STATE topic is `spBv1.0/STATE/<hostId>`. */
  hostId: sparkplugId,
  /** Sparkplug groups to read; default all (`spBv1.0/#`). */
  groups: z.array(sparkplugId).min(1).optional(),
  /** How long a message that arrived ahead of its `seq` waits for the missing ones before a rebirth request. */
  reorderTimeoutMs: z.number().int().min(0).max(60_000).default(2_000),
  /** The least time between two rebirth requests to the same edge node. */
  rebirthMinIntervalMs: z.number().int().min(0).max(600_000).default(5_000),
  /**
   * Largest size a compressed payload (uuid SPBV1.0_COMPRESSED) may inflate to; a larger one is dead-lettered as
   * `decompressed-too-large` without being inflated further (a zip bomb).
   */
  maxDecompressedBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

export type SparkplugConnectorConfig = z.infer<typeof sparkplugConnectorConfigSchema>;
export type SparkplugConnectorConfigInput = z.input<typeof sparkplugConnectorConfigSchema>;
