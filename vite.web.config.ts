// The renderer alone, as a plain web page (browser-mode development: `npm run dev:web`).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: resolve('src/renderer'),
  base: './',
  resolve: { alias: { '@shared': resolve('src/shared') } },
  plugins: [svelte({ configFile: resolve('svelte.config.js') })],
  build: { outDir: resolve('out/web'), emptyOutDir: true },
  server: {
    host: '127.0.0.1',
    proxy: { '/ws': { target: 'ws://127.0.0.1:8787', ws: true }, '/api': 'http://127.0.0.1:8787' },
  },
});
