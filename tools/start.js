#!/usr/bin/env node
// `npm start`: build if needed, then launch the Electron app; when the Electron binary is missing,
// say so in one line and start browser mode instead.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const { path: electron, reason } = findElectronBinary();

function run(cmd, argv) {
  const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
}

// Build first (when the sources changed): Electron loads out/, and browser mode then runs the bundled CLI.
const build = spawnSync(process.execPath, [join(root, 'bin', 'sipscope.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
if (electron) {
  run(electron, [root, ...args]);
} else {
  console.log(`sipscope: Electron is not available (${reason}); starting browser mode instead.`);
  run(process.execPath, [join(root, 'bin', 'sipscope.js'), 'serve', '--open', ...args]);
}
