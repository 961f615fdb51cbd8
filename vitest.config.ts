import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { resolve } from 'node:path';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          environment: 'node',
          include: ['test/sip-core/**/*.test.ts', 'test/main/**/*.test.ts', 'test/cli/**/*.test.ts'],
          setupFiles: ['test/tmp-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [svelte(), svelteTesting()],
        // As the renderer's builds resolve it (components that import the app state reach src/shared).
        resolve: { alias: { '@shared': resolve('src/shared') } },
        test: {
          name: 'ui',
          environment: 'happy-dom',
          include: ['test/renderer/**/*.test.ts'],
          setupFiles: ['test/tmp-setup.ts', 'test/renderer/setup.ts'],
        },
      },
      {
        test: {
          name: 'interop',
          environment: 'node',
          include: ['test/interop/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          setupFiles: ['test/tmp-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
