import { z } from 'zod';
import { mergeServiceConfig } from '../src/merge-config';

const oeeSchema = z.strictObject({ timeZone: z.string().optional() });
const oee = { key: 'oee', schema: oeeSchema, env: { OEE_TIME_ZONE: 'oee.timeZone' } };
const definition = (id: string, config: object) => ({ id, config: { load: () => ({}), ...config } as never });

describe('mergeServiceConfig', () => {
  it("merges each service's section and environment names, and a section another service reads", () => {
    const merged = mergeServiceConfig([
      definition('oee', oee),
      definition('gateway', {
        key: 'gateway',
        schema: z.strictObject({}),
        env: { GRPC_PORT: 'gateway.grpc.port' },
        reads: [oee],
      }),
      definition('erp-sync', { key: 'erpSync', schema: z.strictObject({}), env: {}, optional: true }),
    ]);
    expect(Object.keys(merged.sections)).toEqual(['oee', 'gateway', 'erpSync']);
    expect(merged.sections['oee']).toBe(oeeSchema);
    expect(merged.env).toEqual({ OEE_TIME_ZONE: 'oee.timeZone', GRPC_PORT: 'gateway.grpc.port' });
    expect([...merged.optional]).toEqual(['erpSync']);
  });

  it('refuses one section declared with two schemas, naming both services', () => {
    expect(() =>
      mergeServiceConfig([
        definition('oee', oee),
        definition('other', { key: 'oee', schema: z.strictObject({}), env: {} }),
      ]),
    ).toThrow('services oee and other both declare the configuration section oee with different schemas');
  });

  it('refuses an environment name that would set two keys', () => {
    expect(() =>
      mergeServiceConfig([
        definition('a', { key: 'a', schema: z.strictObject({}), env: { GROUP_ID: 'a.groupId' } }),
        definition('b', { key: 'b', schema: z.strictObject({}), env: { GROUP_ID: 'b.groupId' } }),
      ]),
    ).toThrow('KILN_GROUP_ID is declared by a for a.groupId and by b for b.groupId');
  });
});
