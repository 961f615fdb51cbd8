/**
 * `sipscope capture` end to end: the real CLI process, a HEP sender and a UDP mirror sender on
 * loopback; ndjson lines in the trace JSON shape, a pcapng file written as it goes.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';
import { hep3 } from '../main/live/hep-encode';

const root = resolve(import.meta.dirname, '../..');

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function run(
  args: string[],
  feed: (port: number) => Promise<void>,
  port: number,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [join(root, 'bin/sipscope.js'), 'capture', ...args], { cwd: root });
    let out = '';
    let err = '';
    let fed = false;
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => {
      err += d;
      if (!fed && err.includes('Press Ctrl-C')) {
        fed = true;
        feed(port).catch(rej);
      }
    });
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      res({ code: code ?? -1, out, err });
    });
  });
}

const INVITE =
  'INVITE sip:bob@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@a>;tag=1\r\nTo: <sip:bob@b>\r\nCall-ID: cli-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';

describe('sipscope capture', () => {
  it('--hep PORT --format ndjson --count 2 --pcap: prints trace-JSON lines and writes pcapng', async () => {
    const port = await freeUdpPort();
    const pcap = join(mkdtempSync(join(tmpdir(), 'sipscope-cap-')), 'hep.pcapng');
    const r = await run(
      ['--hep', String(port), '--format', 'ndjson', '--count', '2', '--pcap', pcap],
      async (p) => {
        const u = createSocket('udp4');
        for (const [i, m] of [
          INVITE,
          INVITE.replace('INVITE sip:bob@b', 'CANCEL sip:bob@b').replace('1 INVITE', '1 CANCEL'),
        ].entries())
          await new Promise<void>((r2) =>
            u.send(
              hep3({
                src: '10.0.0.1',
                dst: '10.0.0.2',
                srcPort: 5060,
                dstPort: 5060,
                timeUs: 1_700_000_000_000_000 + i,
                payload: m,
              }),
              p,
              '127.0.0.1',
              () => r2(),
            ),
          );
        u.close();
      },
      port,
    );
    expect(r.err).toContain(`listening: HEP udp 127.0.0.1:${port}`);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      id: 0,
      src: '10.0.0.1:5060',
      dst: '10.0.0.2:5060',
      method: 'INVITE',
      callId: 'cli-1',
      time: 1_700_000_000,
    });
    expect(lines[1]).toMatchObject({ id: 1, method: 'CANCEL' });
    expect(r.err).toMatch(/count reached; 2 SIP messages from 2 packets/);
    const saved = ingestBytes(new Uint8Array(readFileSync(pcap)), 'hep.pcapng');
    expect(saved.trace.count).toBe(2);
    expect(saved.trace.src(0)).toBe('10.0.0.1:5060');
  });

  it('--mirror PORT --format text: one line per message', async () => {
    const port = await freeUdpPort();
    const r = await run(
      ['--mirror', String(port), '--count', '1'],
      async (p) => {
        const u = createSocket('udp4');
        await new Promise<void>((r2) => u.send(INVITE, p, '127.0.0.1', () => r2()));
        u.close();
      },
      port,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`127\\.0\\.0\\.1:\\d+ +-> 127\\.0\\.0\\.1:${port} +UDP +INVITE sip:bob@b +cli-1`),
    );
  });

  it('refuses two sources at once and an unknown interface with a clear message', async () => {
    const both = await run(['--hep', '--mirror', '5999'], async () => undefined, 0);
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/choose exactly one source/);
    const bad = await run(['--iface', 'nosuch0'], async () => undefined, 0);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no interface named "nosuch0"|dumpcap is not installed/);
  });
});
