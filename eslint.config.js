import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const nonUiBoundary = {
  patterns: [
    {
      group: ['ink', 'ink/*', 'react', 'react/*', 'ink-*', '@alcalzone/ink-table'],
      message: 'Only ui/ and cli/ views may import Ink or React (the engine emits, the UI subscribes).',
    },
    {
      group: ['**/ui/*', '../ui', '../ui/*'],
      message: 'Only cli/ imports ui/: the engine rooms, agents/, store/, config/, tasks/ and ipc/ never do.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', '.test-cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
    },
  },
  {
    files: [
      'source/engine/**',
      'source/attempt/**',
      'source/gate/**',
      'source/git/**',
      'source/history/**',
      'source/daemon/**',
      'source/protocol/**',
      'source/agents/**',
      'source/store/**',
      'source/config/**',
      'source/tasks/**',
      'source/ipc/**',
    ],
    rules: { 'no-restricted-imports': ['error', nonUiBoundary] },
  },
  {
    files: ['source/ui/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/*', '../cli', '../cli/*'],
              message: 'ui/ never imports cli/: cli/ opens the board.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**', 'test/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
