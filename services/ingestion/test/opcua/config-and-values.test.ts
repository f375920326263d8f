import './support/node-opcua-in-jest';
import { DataType, DataValue, LocalizedText, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { opcuaConnectorConfigSchema, effectiveSecurityPolicy } from '../../src/connectors/opcua';
import { int64Of, qualityOf, sampleOf, sampleValueOf } from '../../src/connectors/opcua/data-value';
import { tagOfPath } from '../../src/connectors/opcua/node-resolution';

const minimal = {
  kind: 'opcua',
  id: 'press-04',
  endpointUrl: 'opc.tcp://plc-gateway:4840',
  pki: { folder: '/var/lib/kiln/pki' },
  nodes: [{ nodeId: 'ns=2;s=Press04.Temp' }],
};

describe('OPC UA connector configuration', () => {
  it('fills in anonymous access, signed and encrypted messages and the subscription defaults', () => {
    const config = opcuaConnectorConfigSchema.parse(minimal);
    // Issue 18: the default was None, values (and a password) in clear on the plant network.
    expect(config).toMatchObject({
      securityMode: 'SignAndEncrypt',
      auth: { type: 'anonymous' },
      pki: { trustedServerCertificates: [], automaticallyAcceptUnknownCertificate: false },
      subscription: {
        publishingIntervalMs: 1000,
        samplingIntervalMs: 250,
        queueSize: 100,
        discardOldest: true,
        deadband: { type: 'none' },
      },
      reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000 },
    });
    expect(effectiveSecurityPolicy(config)).toBe('Basic256Sha256');
    expect(effectiveSecurityPolicy({ securityMode: 'None' })).toBe('None');
  });

  it('refuses a password over security mode None', () => {
    const auth = { type: 'username', username: 'kiln', password: 'plc-secret' };
    const refused = opcuaConnectorConfigSchema.safeParse({ ...minimal, securityMode: 'None', auth });
    expect(refused.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'auth: a user name and password over security mode None may cross the network in clear: use securityMode ' +
        'Sign or SignAndEncrypt, or another identity (anonymous, certificate)',
    ]);
    expect(opcuaConnectorConfigSchema.safeParse({ ...minimal, auth }).success).toBe(true);
    expect(opcuaConnectorConfigSchema.safeParse({ ...minimal, securityMode: 'None' }).success).toBe(true);
  });

  it('asks for exactly one of nodeId, browsePath and browse per node', () => {
    const result = opcuaConnectorConfigSchema.safeParse({
      ...minimal,
      nodes: [{ nodeId: 'i=2258', browsePath: '/Objects/Server' }, { tag: 'nothing' }],
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual([
      'nodes.0: a node needs exactly one of nodeId, browsePath or browse; got 2',
      'nodes.1: a node needs exactly one of nodeId, browsePath or browse; got 0',
    ]);
  });

  it('refuses a signing mode without a security policy that signs, and malformed addresses', () => {
    const mismatch = opcuaConnectorConfigSchema.safeParse({
      ...minimal,
      securityMode: 'Sign',
      securityPolicy: 'None',
    });
    expect(mismatch.error?.issues[0]?.message).toBe('security mode Sign cannot use security policy None');
    const badNodeId = opcuaConnectorConfigSchema.safeParse({
      ...minimal,
      nodes: [{ nodeId: 'Press04.Temp' }],
    });
    expect(badNodeId.error?.issues[0]?.path).toEqual(['nodes', 0, 'nodeId']);
    const badPath = opcuaConnectorConfigSchema.safeParse({
      ...minimal,
      nodes: [{ browsePath: 'Objects/Plant' }],
    });
    expect(badPath.error?.issues[0]?.path).toEqual(['nodes', 0, 'browsePath']);
  });

  it('names a browse-path tag by its browse names below Objects, without namespace indexes', () => {
    expect(tagOfPath('/Objects/2:Plant/Line1/Machine1/temperature')).toBe('Plant/Line1/Machine1/temperature');
    expect(tagOfPath('/Types/ObjectTypes')).toBe('Types/ObjectTypes');
  });
});

describe('OPC UA values', () => {
  it('maps StatusCode severity to quality', () => {
    expect(qualityOf(StatusCodes.Good.value)).toBe('good');
    expect(qualityOf(StatusCodes.GoodClamped.value)).toBe('good');
    expect(qualityOf(StatusCodes.UncertainSensorNotAccurate.value)).toBe('uncertain');
    expect(qualityOf(StatusCodes.BadNoCommunication.value)).toBe('bad');
  });

  it('turns 64-bit [high, low] words into exact bigints', () => {
    expect(int64Of([0x1000_0000, 5], false)).toEqual({ ok: true, value: 2n ** 60n + 5n });
    expect(int64Of([0xffff_ffff, 0xffff_fffe], true)).toEqual({ ok: true, value: -2n });
    expect(int64Of([0xffff_ffff, 0xffff_ffff], false)).toEqual({ ok: true, value: 2n ** 64n - 1n });
    expect(int64Of(42, true)).toEqual({ ok: true, value: 42n });
    expect(int64Of('42', true).ok).toBe(false);
  });

  it('converts texts, byte strings, times and numeric arrays; refuses the rest as wrong-type', () => {
    const value = (variant: Variant) => sampleValueOf(variant);
    expect(
      value(
        new Variant({
          dataType: DataType.LocalizedText,
          value: new LocalizedText({ text: 'Läuft', locale: 'de' }),
        }),
      ),
    ).toEqual({ ok: true, value: 'Läuft' });
    expect(value(new Variant({ dataType: DataType.ByteString, value: Buffer.from([0xca, 0xfe]) }))).toEqual({
      ok: true,
      value: 'cafe',
    });
    expect(
      value(new Variant({ dataType: DataType.DateTime, value: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) })),
    ).toEqual({ ok: true, value: '2026-01-02T03:04:05.000Z' });
    expect(
      value(
        new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: [1.5, -2, 3] }),
      ),
    ).toEqual({ ok: true, value: [1.5, -2, 3] });
    expect(
      value(new Variant({ dataType: DataType.Int16, arrayType: VariantArrayType.Array, value: [1, 2] })),
    ).toEqual({ ok: true, value: [1, 2] });
    expect(
      value(new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: ['a'] })),
    ).toMatchObject({ ok: false, cause: 'wrong-type' });
    expect(
      value(new Variant({ dataType: DataType.QualifiedName, value: { name: 'x', namespaceIndex: 1 } })),
    ).toMatchObject({ ok: false, cause: 'wrong-type' });
    expect(value(new Variant({ dataType: DataType.Null }))).toMatchObject({
      ok: false,
      cause: 'missing-value',
    });
  });

  it('keeps the source timestamp, falling back to the server timestamp', () => {
    const sourceTimestamp = new Date(Date.UTC(2026, 0, 15, 6, 0, 0, 123));
    const serverTimestamp = new Date(Date.UTC(2026, 0, 15, 6, 0, 1));
    const withSource = new DataValue({
      value: { dataType: DataType.Double, value: 1 },
      sourceTimestamp,
      serverTimestamp,
    });
    expect(sampleOf('t', withSource, 7)).toEqual({
      ok: true,
      sample: {
        tag: 't',
        value: 1,
        quality: 'good',
        statusCode: 0,
        sourceTimeUs: sourceTimestamp.getTime() * 1000,
        receiveTimeUs: 7,
      },
    });
    const serverOnly = new DataValue({ value: { dataType: DataType.Double, value: 1 }, serverTimestamp });
    expect(sampleOf('t', serverOnly, 7)).toMatchObject({
      sample: { sourceTimeUs: serverTimestamp.getTime() * 1000 },
    });
    const none = new DataValue({ value: { dataType: DataType.Double, value: 1 } });
    expect(sampleOf('t', none, 7)).toMatchObject({ ok: true, sample: { receiveTimeUs: 7 } });
    expect(sampleOf('t', none, 7)).not.toHaveProperty('sample.sourceTimeUs');
  });
});
