/**
 * The CLI's global `--keylog FILE` (before or after the command) and SSLKEYLOGFILE as its default:
 * SIP over TLS decrypted by `analyze` (test/fixtures/tls); a key log that cannot be read is an error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../sip-core/capture/tshark-compare';

const FX = join(REPO, 'test/fixtures/tls');
const cli = (
  args: string[],
  env: Record<string, string> = {},
): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/sipscope.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SSLKEYLOGFILE: '', SIPSCOPE_FROM_SOURCES: '1', ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};
const transports = (out: string): string[] =>
  (JSON.parse(out) as { messages: { transport: string; frame: number }[] }).messages.map(
    (m) => `${m.frame} ${m.transport}`,
  );

describe('sipscope --keylog', () => {
  const file = join(FX, 'tls13-aes128gcm.pcapng');
  const keys = join(FX, 'tls13-aes128gcm.keys');

  it('decrypts with --keylog before or after the command, or SSLKEYLOGFILE; without, says which key is missing', () => {
    for (const args of [
      ['--keylog', keys, 'analyze', file, '--format', 'json'],
      ['analyze', file, '--format', 'json', '--keylog', keys],
    ]) {
      const r = cli(args);
      expect(r.code).toBe(0);
      expect(transports(r.out)).toEqual(['12 TLS', '14 TLS']);
    }
    const env = cli(['analyze', file, '--format', 'json'], { SSLKEYLOGFILE: keys });
    expect(transports(env.out)).toEqual(['12 TLS', '14 TLS']);
    const none = cli(['analyze', file, '--format', 'text']);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/0 SIP messages/);
    expect(none.out).toMatch(
      /tls-encrypted: .*no key for client random [0-9a-f]{64}; give a key log \(--keylog FILE\)/,
    );
  }, 120_000);

  it('a key log that cannot be read, or holds no secret, is an error (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-keylog-'));
    const empty = join(dir, 'empty.keys');
    writeFileSync(empty, '# nothing\n');
    for (const k of [join(dir, 'missing.keys'), empty]) {
      const r = cli(['--keylog', k, 'analyze', file]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/sipscope: .*(ENOENT|no TLS secrets)/);
    }
  }, 60_000);
});
