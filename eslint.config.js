import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The rooms of source/ and what each may not import (DESIGN.md §3). cli/ is the composition root
 * for commands: nothing imports it. ui/ draws what the engine sends: it sees only the protocol's
 * types, the task model's and the tiny shared helpers. The foundation rooms never reach up into the
 * rooms that run attempts; attempt/ never reaches the engine, the engine never reaches the daemon.
 */
const ROOMS = [
  'agents',
  'attempt',
  'cli',
  'config',
  'daemon',
  'demo',
  'engine',
  'gate',
  'git',
  'history',
  'init',
  'ipc',
  'mcp',
  'notify',
  'plan',
  'protocol',
  'report',
  'review',
  'sandbox',
  'security',
  'store',
  'tasks',
  'ui',
];
const FOUNDATION = [
  'agents',
  'config',
  'gate',
  'git',
  'history',
  'ipc',
  'mcp',
  'protocol',
  'sandbox',
  'security',
  'store',
  'tasks',
];
const UPPER = ['attempt', 'daemon', 'engine', 'plan', 'report', 'review'];
const room = (name) => [`../${name}`, `../${name}/*`, `**/source/${name}/*`];
function forbidden(folder) {
  const deny = [];
  const add = (names, message) => {
    const group = names.filter((name) => name !== folder).flatMap(room);
    if (group.length > 0) deny.push({ group, message });
  };
  if (folder !== 'cli') add(['cli'], 'Nothing imports cli/: it is the composition root of the commands.');
  if (folder !== 'cli' && folder !== 'ui') {
    add(['ui'], 'Only cli/ imports ui/: the engine emits, the UI subscribes.');
    deny.push({
      group: ['ink', 'ink/*', 'react', 'react/*', 'ink-*', '@alcalzone/ink-table'],
      message: 'Only ui/ and cli/ views may import Ink or React.',
    });
  }
  if (folder === 'ui')
    add(
      ROOMS.filter((name) => !['protocol', 'tasks', 'ui'].includes(name)),
      'ui/ sees only protocol/ and the task model (and errors.ts, text.ts).',
    );
  if (FOUNDATION.includes(folder))
    add(UPPER, `${folder}/ is a foundation room: it never imports the rooms that run attempts.`);
  if (folder === 'attempt')
    add(
      ['engine', 'daemon', 'plan'],
      'attempt/ runs one attempt: it never reaches the engine or the daemon.',
    );
  if (folder === 'engine')
    add(['daemon', 'plan'], 'engine/ never reaches the daemon: the daemon composes the engine.');
  return deny;
}
const boundaries = ROOMS.map((folder) => ({
  files: [`source/${folder}/**`],
  rules: { 'no-restricted-imports': ['error', { patterns: forbidden(folder) }] },
}));

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
  ...boundaries,
  {
    files: ['source/ui/**'],
    rules: { 'no-console': 'error' },
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
