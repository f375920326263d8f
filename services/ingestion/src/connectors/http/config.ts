// Configuration of one HTTP push connector: where it listens and who may post. Closed by default: it listens on
// this machine only; listening on the network takes a token and TLS, or `insecure: true` said out loud (logged as
// a warning at every start).
import { isLoopbackHost } from '@kiln/service-kit';
import { z } from 'zod';

export const httpConnectorConfigSchema = z
  .strictObject({
    kind: z.literal('http'),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"'),
    /** This machine only by default; `0.0.0.0` (every interface) needs authToken and tls, or insecure. */
    host: z.string().min(1).default('127.0.0.1'),
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
    /** HTTPS: PEM files of the certificate chain and its private key. */
    tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
    /** Listen on the network without a token or TLS: anyone who reaches the port may post samples. */
    insecure: z.boolean().default(false),
  })
  .superRefine((config, context) => {
    if (isLoopbackHost(config.host) || config.insecure) return;
    const missing = [
      ...(config.authToken === undefined ? ['authToken'] : []),
      ...(config.tls === undefined ? ['tls'] : []),
    ];
    if (missing.length === 0) return;
    context.addIssue({
      code: 'custom',
      path: [missing[0] as string],
      message:
        `listening on ${config.host} (beyond this machine) needs ${missing.join(' and ')}: anyone who reaches the ` +
        'port could post samples (or read the token on the way); set them, or insecure: true to accept that',
    });
  });

export type HttpConnectorConfig = z.infer<typeof httpConnectorConfigSchema>;
export type HttpConnectorConfigInput = z.input<typeof httpConnectorConfigSchema>;
