#!/usr/bin/env node
// sipscope command line. Runs the TypeScript sources through tsx, so `npx sipscope` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/index.ts');
const code = await main(process.argv);
if (typeof code === 'number') process.exitCode = code;
