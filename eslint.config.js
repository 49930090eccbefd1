// One linter for the whole repo: typescript-eslint's type-aware recommended rules, plus the
// promise rules that matter most in a queue worker (a dropped promise is a lost job).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/test-output/**',
      'bench/results/**',
      'bench/.tmp/**',
      '.stryker-tmp/**',
      'mutation/report.*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      // Async functions that satisfy a promise-returning interface need no await.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
      // Prettier wraps code at 140; this also catches long strings and comments it leaves alone.
      'max-len': ['error', { code: 140, ignoreUrls: true }],
    },
  },
  {
    // Tests read BullMQ job data (typed `any`) and assert on it: the unsafe-any rules only add noise there.
    files: ['**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
