/**
 * `sipscope` CLI entry: global options, then the subcommands from ./commands.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands';
import { APP_VERSION } from '../version';
import {
  addDefaultRsaKeys,
  readKeylogFile,
  readTlsKeyArg,
  setDefaultKeylog,
} from '../../sip-core/capture/tls/keylog-file.node.js';

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
    .option(
      '--tls-key <[ip:port=]file>',
      "a TLS server's RSA private key (PEM or DER, PKCS#1 or PKCS#8) to decrypt TLS 1.2 connections with RSA key exchange without a key log; ip:port= uses it only for that server; repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .hook('preAction', (cmd) => {
      const o = cmd.opts<{ keylog?: string; tlsKey?: string[] }>();
      if (o.keylog) setDefaultKeylog(readKeylogFile(o.keylog));
      addDefaultRsaKeys((o.tlsKey ?? []).map(readTlsKeyArg));
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
