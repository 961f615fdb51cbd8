/** `sipscope build`: builds the app (main, preload, renderer) when its sources changed. */
import type { Command } from 'commander';
import { ensureBuilt } from '../../build-check';

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build the desktop app and the browser-mode page if their sources changed')
    .action(() => {
      process.exitCode = ensureBuilt() ? 0 : 1;
    });
}
