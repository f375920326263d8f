// Lint for every workspace: typescript-eslint's strict rules, formatting left to Prettier.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/dist-bench/**',
      '**/dist-eval/**',
      '**/node_modules/**',
      '**/src/gen/**',
      '.infra/**',
      'data/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only a composition root (main.ts) or config loader reads process.env.',
        },
      ],
    },
  },
  {
    // Plain JavaScript: scripts and test fixtures run by node directly.
    files: ['**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: [
      '**/test/**',
      '**/src/main.ts',
      // Benchmarks and evaluation commands (npm run bench:*, eval:*) are entry points of their own.
      '**/bench/**',
      '**/eval/**',
      'scripts/**',
      'packages/service-kit/src/config*.ts',
      // Test helpers read the service addresses tests are pointed at.
      'packages/test-infra/src/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
