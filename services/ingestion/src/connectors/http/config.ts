// Configuration of one HTTP push connector: where it listens and who may post.
import { z } from 'zod';

export const httpConnectorConfigSchema = z.strictObject({
  kind: z.literal('http'),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 picks a free port (tests); read it back with `connector.address()`. */
  port: z.number().int().min(0).max(65_535).default(8081),
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'expected an absolute path such as /api/v1/samples')
    .default('/api/v1/samples'),
  /** Larger bodies are answered 413 without being read. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  /** When set, every request needs `Authorization: Bearer <token>`. */
  authToken: z.string().min(16, 'expected a token of at least 16 characters').optional(),
});

export type HttpConnectorConfig = z.infer<typeof httpConnectorConfigSchema>;
export type HttpConnectorConfigInput = z.input<typeof httpConnectorConfigSchema>;
