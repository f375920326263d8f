import { brokenLayerRule, ROLES, type Role, type Scope } from '../src/layers';

describe('the layer rule', () => {
  const cases: readonly [Role, Role, Scope, ReturnType<typeof brokenLayerRule>][] = [
    ['core', 'contract', 'production', undefined],
    ['core', 'core', 'production', undefined],
    ['core', 'platform', 'production', 'upward-import'],
    ['core', 'platform', 'test', 'upward-import'],
    ['platform', 'service', 'production', 'upward-import'],
    ['platform', 'core', 'production', undefined],
    ['contract', 'core', 'production', 'upward-import'],
    ['service', 'platform', 'production', undefined],
    ['service', 'service', 'production', 'service-imports-service'],
    ['service', 'service', 'test', undefined],
    ['service', 'app', 'production', 'upward-import'],
    ['service', 'app', 'test', 'test-imports-app'],
    ['service', 'tool', 'production', 'tool-at-run-time'],
    ['service', 'tool', 'test', undefined],
    ['platform', 'tool', 'test', undefined],
    ['app', 'service', 'production', undefined],
    ['app', 'tool', 'production', undefined],
    ['tool', 'app', 'production', undefined],
  ];
  it.each(cases)('%s importing %s in %s code: %s', (from, to, scope, expected) => {
    expect(brokenLayerRule(from, to, scope)).toBe(expected);
  });

  it('lets a tool import every role, in every scope', () => {
    for (const to of ROLES) {
      expect(brokenLayerRule('tool', to, 'production')).toBeUndefined();
      expect(brokenLayerRule('tool', to, 'test')).toBeUndefined();
    }
  });
});
