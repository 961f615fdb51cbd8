/**
 * The one place CLI subcommands are registered. Each command module exports a `registerX(program)`;
 * add a line here to add a command.
 */
import type { Command } from 'commander';
import { registerAnalyze } from './analyze';
import { registerBuild } from './build';
import { registerCapture } from './capture';
import { registerLab } from './lab';
import { registerLadder } from './ladder';
import { registerRtp } from './rtp';
import { registerServe } from './serve';
import { registerSimulate } from './simulate';
import { registerTui } from './tui';

export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerServe,
  registerBuild,
  registerAnalyze,
  registerSimulate,
  registerCapture,
  registerLab,
  registerLadder,
  registerRtp,
  registerTui,
];
