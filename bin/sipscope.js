#!/usr/bin/env node
// sipscope command line. Runs the bundled CLI (out/main/cli.js, built by `sipscope build` / `npm start`
// / `npm test`) when it is up to date with the sources, else the TypeScript sources through tsx, so
// `npx sipscope` works right after `npm ci` and always runs the code in src/.
// SIPSCOPE_FROM_SOURCES=1 forces the sources; SIPSCOPE_FROM_BUNDLE=1 forces the bundle (to test it).
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIsStale } from './build-state.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let main;
const env = process.env;
if (env.SIPSCOPE_FROM_BUNDLE || (!env.SIPSCOPE_FROM_SOURCES && !buildIsStale(root))) {
  ({ main } = await import(pathToFileURL(join(root, 'out', 'main', 'cli.js')).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main/cli/index.ts'));
}
const code = await main(process.argv);
if (typeof code === 'number') process.exitCode = code;
