// Configuration of one OPC UA connector: the server it subscribes to, how it proves who it is and whom it
// trusts, and the nodes it monitors (by NodeId, by browse path, or every Variable of a browsed subtree).
import { z } from 'zod';

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export type OpcuaSecurityMode = (typeof OPCUA_SECURITY_MODES)[number];

export const OPCUA_SECURITY_POLICIES = [
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
] as const;
export type OpcuaSecurityPolicy = (typeof OPCUA_SECURITY_POLICIES)[number];

/**
 * A NodeId in the OPC UA string notation (OPC 10000-6, 5.3.1.10): `ns=2;s=Line1.Temp`, `i=2258`,
 * `ns=3;g=...`, `ns=1;b=...`. Only the shape is checked here; whether the node exists is the server's word.
 */
const nodeIdString = z
  .string()
  .regex(
    /^(ns=\d+;|nsu=[^;]+;)?(i=\d+|s=.+|g=[0-9a-fA-F-]{36}|b=[A-Za-z0-9+/=]+)$/,
    'expected a NodeId such as "ns=2;s=Line1.Temp" or "i=2258"',
  );

/**
 * A browse path from the Root folder, one browse name per segment: `/Objects/Plant/Line1/Machine1/temperature`.
 * A segment may name its namespace index (`/Objects/2:Plant`); a segment without one matches a child of that
 * name in any namespace (namespace indexes may change when a server is reconfigured, names rarely do).
 */
const browsePathString = z
  .string()
  .regex(
    /^\/[^/]+(\/[^/]+)*$/,
    'expected a browse path from the Root folder such as "/Objects/Plant/Line1/temperature"',
  );

const deadbandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  /** Report a change only when |new - last reported| > value, in the variable's engineering unit. */
  z.strictObject({ type: z.literal('absolute'), value: z.number().finite().min(0) }),
  /** Report a change only when it exceeds value % of the variable's EURange (the server needs an EURange). */
  z.strictObject({ type: z.literal('percent'), value: z.number().finite().min(0).max(100) }),
]);
export type OpcuaDeadband = z.infer<typeof deadbandSchema>;

/** OPC 10000-4, 5.12.1.2: 0 asks the server for its fastest practical sampling (exception-based where it can). */
const samplingIntervalMs = z.number().int().min(0);

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('anonymous') }),
  z.strictObject({ type: z.literal('username'), username: z.string().min(1), password: z.string() }),
  /** An X.509 user identity (not the application instance certificate, which lives in `pki.folder`). */
  z.strictObject({
    type: z.literal('certificate'),
    /** PEM or DER file of the user certificate. */
    certificateFile: z.string().min(1),
    /** PEM or DER (PKCS#8) file of its private key. */
    privateKeyFile: z.string().min(1),
  }),
]);
export type OpcuaAuth = z.infer<typeof authSchema>;

const pkiSchema = z.strictObject({
  /**
   * The client's PKI folder (node-opcua layout): `own/certs` and `own/private` hold the application instance
   * certificate (created at first start when missing), `trusted/` and `rejected/` the server certificates.
   */
  folder: z.string().min(1),
  /** PEM or DER files of server certificates copied into the trust list at start. */
  trustedServerCertificates: z.array(z.string().min(1)).default([]),
  /** Accepts any server certificate. For a lab only: it defeats the point of Sign and SignAndEncrypt. */
  automaticallyAcceptUnknownCertificate: z.boolean().default(false),
});

const subscriptionSchema = z.strictObject({
  publishingIntervalMs: z.number().int().min(10).default(1000),
  samplingIntervalMs: samplingIntervalMs.default(250),
  /**
   * Values the server keeps per monitored item between two publish cycles. It should exceed
   * publishingIntervalMs / samplingIntervalMs so that no sampled value is dropped while the session is up.
   */
  queueSize: z.number().int().min(1).max(10_000).default(100),
  /**
   * When the queue overflows anyway: true drops the oldest value (the newest are kept), false replaces the
   * newest. Either way the server sets the Overflow bit of the next value's StatusCode (OPC 10000-4, 5.12.1.5).
   */
  discardOldest: z.boolean().default(true),
  deadband: deadbandSchema.default({ type: 'none' }),
});

const browseSchema = z.strictObject({
  /** The node whose subtree is browsed: a NodeId or a browse path from the Root folder. */
  root: z.union([browsePathString, nodeIdString]),
  /** How many hierarchical references deep below `root` Variables are looked for. */
  maxDepth: z.number().int().min(1).max(20).default(5),
});

const nodeSchema = z
  .strictObject({
    nodeId: nodeIdString.optional(),
    browsePath: browsePathString.optional(),
    browse: browseSchema.optional(),
    /**
     * Overrides the tag. Default: the NodeId string, or the browse path below `/Objects` (`Plant/Line1/temp`).
     * For a browsed subtree it replaces the root's part of each tag (`<tag>/Machine1/temperature`).
     */
    tag: z.string().min(1).optional(),
    samplingIntervalMs: samplingIntervalMs.optional(),
    deadband: deadbandSchema.optional(),
  })
  .superRefine((node, ctx) => {
    const given = [node.nodeId, node.browsePath, node.browse].filter(
      (address) => address !== undefined,
    ).length;
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a node needs exactly one of nodeId, browsePath or browse; got ${given}`,
      });
    }
  });
export type OpcuaNodeConfig = z.infer<typeof nodeSchema>;

const reconnectSchema = z
  .strictObject({
    initialDelayMs: z.number().int().min(10).default(1000),
    maxDelayMs: z.number().int().min(10).default(30_000),
  })
  .refine((reconnect) => reconnect.initialDelayMs <= reconnect.maxDelayMs, {
    message: 'initialDelayMs must not exceed maxDelayMs',
    path: ['initialDelayMs'],
  });

export const opcuaConnectorConfigSchema = z
  .strictObject({
    kind: z.literal('opcua'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-_.]*$/, 'expected lower case letters, digits, "-", "_" or "."'),
    endpointUrl: z
      .string()
      .regex(/^opc\.tcp:\/\/[^/:]+(:\d+)?(\/.*)?$/, 'expected opc.tcp://host[:port][/path]'),
    /**
     * Signed and encrypted by default: a plant network is not trusted to carry values (or a password) in clear.
     * `None` must be asked for (a PLC that offers nothing else, the embedded simulator), and is warned about at
     * start for an endpoint beyond this machine.
     */
    securityMode: z.enum(OPCUA_SECURITY_MODES).default('SignAndEncrypt'),
    /** Default: None with mode None, Basic256Sha256 otherwise. */
    securityPolicy: z.enum(OPCUA_SECURITY_POLICIES).optional(),
    auth: authSchema.default({ type: 'anonymous' }),
    pki: pkiSchema,
    subscription: subscriptionSchema.prefault({}),
    nodes: z.array(nodeSchema).min(1),
    reconnect: reconnectSchema.prefault({}),
    /** Session timeout requested from the server; the subscription's lifetime is sized to outlive it. */
    sessionTimeoutMs: z.number().int().min(1000).default(60_000),
  })
  .superRefine((config, ctx) => {
    const policy = effectiveSecurityPolicy(config);
    if ((config.securityMode === 'None') !== (policy === 'None')) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `security mode ${config.securityMode} cannot use security policy ${policy}`,
      });
    }
    if (config.securityMode === 'None' && config.auth.type === 'username') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth'],
        message:
          'a user name and password over security mode None may cross the network in clear: use securityMode ' +
          'Sign or SignAndEncrypt, or another identity (anonymous, certificate)',
      });
    }
  });

/** The configured security policy, or the one that goes with the security mode: None, else Basic256Sha256. */
export function effectiveSecurityPolicy(config: {
  readonly securityMode: OpcuaSecurityMode;
  readonly securityPolicy?: OpcuaSecurityPolicy | undefined;
}): OpcuaSecurityPolicy {
  return config.securityPolicy ?? (config.securityMode === 'None' ? 'None' : 'Basic256Sha256');
}

export type OpcuaConnectorConfig = z.infer<typeof opcuaConnectorConfigSchema>;
/** What a configuration file may leave out (defaults filled in by the schema). */
export type OpcuaConnectorConfigInput = z.input<typeof opcuaConnectorConfigSchema>;
