// Lint rules that carry the style guide (../shared/guides/style.md): file and function size,
// exhaustive switches, and the import/global bans that keep cores free of ambient time and I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Files that must stay pure: no real time, randomness, timers or I/O (style guide rules 1, 2, 20).
 *  src/raft/*.ts is the consensus core; its I/O (src/raft/wal/, drivers) lives in subfolders. */
const pureCores = [
  'src/raft/*.ts',
  'src/gossip/*.ts',
  'src/catalog/**/*.ts',
  'src/filter/**/*.ts',
  'src/structs/**/*.ts',
  'src/lib/errors.ts',
  'src/lib/duration.ts',
  'src/health/status.ts',
  'src/health/scheduler.ts',
  'src/health/anti-entropy-diff.ts',
  'src/health/runners/grpc-health-codec.ts',
  'src/dns/parse-name.ts',
  'src/dns/answer.ts',
  'src/dns/reply.ts',
  'src/dns/ip.ts',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['warn', { max: 70, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use the injected Clock (src/lib/clock.ts).' }, { name: 'setInterval', message: 'Use the injected Clock (src/lib/clock.ts).' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the injected Random (src/lib/random.ts).' }, { object: 'Date', property: 'now', message: 'Use the injected Clock (src/lib/clock.ts).' }],
    },
  },
  {
    files: pureCores,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:net', 'node:dgram', 'node:fs', 'node:fs/*', 'node:timers', 'node:timers/*', 'node:http', 'node:child_process'], message: 'Cores do no I/O; take an interface instead.' }] }],
    },
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!./*'], message: 'src/lib imports nothing else from taxiway.' }] }],
    },
  },
  {
    files: ['src/lib/clock.ts'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
  {
    // Tests, benchmarks and the CLI may use real time directly; they are drivers, not cores.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'cmd/**/*.ts'],
    rules: {
      'no-restricted-globals': 'off',
      'no-restricted-properties': 'off',
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
