// The Redis section every service with hot state shares: the key prefix is bounded, so a mistaken value (a pasted
// file, a newline from a secret) is refused at start, naming the setting, instead of prefixing every key with it.
import { redisConfigSchema } from '../src';

const problemOf = (keyPrefix: string): string | undefined => {
  const parsed = redisConfigSchema.safeParse({ keyPrefix });
  return parsed.success
    ? undefined
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
};

describe('redis.keyPrefix', () => {
  it('takes the default, a deployment name, or nothing', () => {
    expect(redisConfigSchema.parse({}).keyPrefix).toBe('kiln:');
    expect(problemOf('plant-7:kiln:')).toBeUndefined();
    expect(problemOf('')).toBeUndefined();
    expect(problemOf('x'.repeat(64))).toBeUndefined();
  });

  it('refuses a long prefix, and spaces or control characters in it, naming the setting', () => {
    expect(problemOf('x'.repeat(65))).toBe('keyPrefix: at most 64 characters');
    for (const bad of ['kiln:\n', 'kiln :', 'kiln:\u0000', 'kiln\u00e9:']) {
      expect(problemOf(bad)).toBe('keyPrefix: printable ASCII without spaces or control characters');
    }
  });
});
