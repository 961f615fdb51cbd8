/**
 * `sipscope` CLI entry: global options, then the subcommands from ./commands.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';
import { APP_VERSION } from '../version';
import { readKeylogFile, setDefaultKeylog } from '../../sip-core/capture/tls/keylog-file.node.js';

export function buildProgram(): Command {
  const program = new Command('sipscope')
    .description(
      'SIP protocol analyzer and simulator: read captures, draw ladders, simulate and run SIP labs',
    )
    .version(APP_VERSION, '-V, --version', 'print the sipscope version')
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '--keylog <file>',
      'TLS key log (SSLKEYLOGFILE format) to decrypt SIP over TLS in the captures read (default: $SSLKEYLOGFILE when set)',
    )
    .hook('preAction', (cmd) => {
      const k = cmd.opts<{ keylog?: string }>().keylog;
      if (k) setDefaultKeylog(readKeylogFile(k));
    })
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

let pipeWatched = false;

/**
 * A reader that closes the pipe early (`sipscope analyze big.pcap | head`) ends the command quietly,
 * as grep or tshark do, instead of an unhandled EPIPE with a stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** Runs the CLI; resolves to the process exit code (commands that keep running resolve when they stop). */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    console.error(`sipscope: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
