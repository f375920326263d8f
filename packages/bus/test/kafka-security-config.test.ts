// Kafka security settings (issue 18: TLS was a boolean, with no CA or client certificate, and SASL PLAIN was taken
// without TLS): a CA and a client certificate from PEM files, both halves of the certificate or neither, and PLAIN
// only over TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busConfigSchema, kafkaSslOf } from '../src/config';

const problems = (kafka: Record<string, unknown>): string[] => {
  const parsed = busConfigSchema.safeParse({ kind: 'kafka', kafka });
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

const sasl = (mechanism: string) => ({ mechanism, username: 'kiln', password: 'broker-secret' });

describe('bus.kafka security settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-kafka-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key'])
      writeFileSync(join(dir, name), `-- ${name} --\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuse SASL PLAIN without TLS, and take SCRAM without it or PLAIN with it', () => {
    expect(problems({ sasl: sasl('plain') })).toEqual([
      'kafka.sasl.mechanism: SASL PLAIN sends the password as it is: only over TLS (bus.kafka.ssl or ' +
        'bus.kafka.tls), or use scram-sha-256 / scram-sha-512',
    ]);
    expect(problems({ sasl: sasl('plain'), ssl: true })).toEqual([]);
    expect(problems({ sasl: sasl('plain'), tls: { caFile: join(dir, 'ca.pem') } })).toEqual([]);
    expect(problems({ sasl: sasl('scram-sha-512') })).toEqual([]);
  });

  it('want both halves of a client certificate', () => {
    expect(problems({ tls: { certFile: join(dir, 'client.pem') } })).toEqual([
      'kafka.tls.keyFile: a client certificate needs both certFile and keyFile',
    ]);
    expect(problems({ tls: { keyFile: join(dir, 'client.key') } })).toEqual([
      'kafka.tls.certFile: a client certificate needs both certFile and keyFile',
    ]);
  });

  it('hand the files to the client, and name a file that cannot be read', () => {
    const config = busConfigSchema.parse({
      kind: 'kafka',
      kafka: {
        tls: {
          caFile: join(dir, 'ca.pem'),
          certFile: join(dir, 'client.pem'),
          keyFile: join(dir, 'client.key'),
        },
      },
    });
    const ssl = kafkaSslOf(config.kafka);
    expect(ssl).toEqual({
      ca: [Buffer.from('-- ca.pem --\n')],
      cert: Buffer.from('-- client.pem --\n'),
      key: Buffer.from('-- client.key --\n'),
    });
    expect(kafkaSslOf(busConfigSchema.parse({ kind: 'kafka', kafka: { ssl: true } }).kafka)).toBe(true);
    expect(kafkaSslOf(busConfigSchema.parse({ kind: 'kafka' }).kafka)).toBe(false);
    const missing = busConfigSchema.parse({
      kind: 'kafka',
      kafka: { tls: { caFile: join(dir, 'nope.pem') } },
    });
    expect(() => kafkaSslOf(missing.kafka)).toThrow(
      /^bus\.kafka\.tls\.caFile \(.*nope\.pem\) cannot be read: ENOENT/,
    );
  });
});
