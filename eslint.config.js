// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'coverage/**',
      'bench/data/**',
      '.tmp/**',
      'bench/.*.bench.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  prettier,
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
      globals: { ...globals.browser },
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'test/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // The SIP core is portable: no Electron, no DOM, no window globals, and Node built-ins only
  // in adapter modules named *.node.ts (ARCHITECTURE.md: "Node-only adapters ... clearly named").
  {
    files: ['src/sip-core/**/*.ts'],
    ignores: ['src/sip-core/**/*.node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'src/sip-core must not import Electron.' },
            {
              group: ['node:*', 'fs', 'path', 'net', 'dgram', 'os', 'child_process', 'worker_threads'],
              message: 'Node built-ins belong in a *.node.ts adapter module.',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**'],
              message: 'src/sip-core must not import the host or the UI.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'window', message: 'No DOM in src/sip-core.' },
        { name: 'document', message: 'No DOM in src/sip-core.' },
        { name: 'navigator', message: 'No DOM in src/sip-core.' },
        { name: 'localStorage', message: 'No DOM in src/sip-core.' },
        { name: 'setTimeout', message: 'Inject a Clock/Scheduler (STYLE.md habit 4).' },
        { name: 'setInterval', message: 'Inject a Clock/Scheduler (STYLE.md habit 4).' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Inject an IdSource / seeded random (STYLE.md habit 4).',
        },
        { object: 'Date', property: 'now', message: 'Inject a Clock (STYLE.md habit 4).' },
      ],
    },
  },
  {
    files: ['src/sip-core/**/*.node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'src/sip-core must not import Electron.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', '**/main/**', '**/sip-core/**'],
              message: 'The renderer talks to the service only through src/shared.',
            },
          ],
        },
      ],
    },
  },
);
