/**
 * `sipscope ladder FILE --format sipp`: one call as a SIPp scenario of one endpoint (`--side`),
 * the peer's with `--peer FILE`, and the errors a user gets (export/sipp.ts; run with real SIPp in
 * test/interop/sipp-export.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ladder } from '../../src/main/cli/commands/ladder';
import { analyzeTrace } from '../../src/sip-core/analysis';
import { traceMedia } from '../../src/sip-core/media/media-json';
import { ingestBytes } from '../../src/sip-core/trace/trace-builder';

const repo = path.resolve(import.meta.dirname, '../..');
const sample = path.join(repo, 'resources/samples/sample-call.pcap');
const mediaSample = path.join(repo, 'resources/samples/sample-media.pcap');

async function run(
  o: Parameters<typeof ladder>[1],
  file = sample,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void (err += String(s)));
  try {
    const code = await ladder(file, o, (s) => (out += s));
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('sipscope ladder --format sipp', () => {
  it("writes the caller's scenario (the first INVITE call by default) and, with --peer, the proxy's", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-sipp-cli-'));
    const peer = path.join(dir, 'peer.xml');
    const { code, out } = await run({ format: 'sipp', peer });
    expect(code).toBe(0);
    expect(out).toMatch(/^<\?xml version="1.0"/);
    expect(out).toContain(
      'call C1 (Call-ID 1-9721@127.0.0.10) of sample-call.pcap, 127.0.0.10:5060 (caller · alice)',
    );
    expect(out).toContain('<!-- run: sipp -sf caller.xml 127.0.0.20:5060 -i 127.0.0.10 -p 5060 -m 1 -->');
    const p = readFileSync(peer, 'utf8');
    expect(p).toContain('127.0.0.20:5060 as a SIPp server, its peer 127.0.0.10:5060');
    expect(p).toContain('<recv request="INVITE" rrs="true"/>');
  });

  it('--side callee, --side ADDR and --keep-timing', async () => {
    const callee = await run({ format: 'sipp', call: 'C4', side: 'callee' });
    expect(callee.code).toBe(0);
    expect(callee.out).toContain('127.0.0.31:5060 (callee · busy); 127.0.0.31:5060 as a SIPp server');
    expect(callee.out).toContain('SIP/2.0 486 Busy Here');
    const byAddress = await run({ format: 'sipp', call: 'C4', side: '127.0.0.31:5060' });
    expect(byAddress.out).toBe(callee.out);
    const timed = await run({ format: 'sipp', call: 'C1', keepTiming: true });
    expect(timed.out).toContain('<pause milliseconds="808"/>');
  });

  it('says why not: an address not in the call, several calls, an unknown call', async () => {
    const bad = await run({ format: 'sipp', call: 'C1', side: '10.1.1.1:5060' });
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err).toContain('sipscope ladder: --format sipp: 10.1.1.1:5060 is not an address of this call');
    const two = await run({ format: 'sipp', call: ['C1', 'C2'] });
    expect(two.code).toBe(2);
    expect(two.err).toContain('--format sipp takes one call (C1, C2)');
    const unknown = await run({ format: 'sipp', call: 'C42' });
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no call "C42"');
  });

  it("--media and --peer-media: each end's RTP as a pcap its scenario plays, held as long as the capture's", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-sipp-cli-'));
    const [peer, media, peerMedia] = ['peer.xml', 'caller-rtp.pcap', 'proxy-rtp.pcap'].map((f) =>
      path.join(dir, f),
    );
    const r = await run({ format: 'sipp', call: 'C2', peer, media, peerMedia }, mediaSample);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // the caller plays its 88 packets (the capture lost 12) once the ACK is sent, and holds the call
    expect(r.out).toContain(`<exec play_pcap_audio="${media}"/>`);
    expect(r.out.indexOf('<nop>')).toBeGreaterThan(r.out.indexOf('ACK [next_url]'));
    expect(r.out).toMatch(/<!-- the RTP 127\.0\.0\.10:5060 sent: 88 packets over 3\.0 s/);
    expect(r.out).toMatch(/<pause milliseconds="(\d+)"\/>\s*<!-- BYE to the peer/);
    const held = Number(/<pause milliseconds="(\d+)"\/>\s*<!-- BYE/.exec(r.out)![1]);
    expect(held).toBeGreaterThan(3000);
    expect(held).toBeLessThanOrEqual(4008);
    // the proxy's side relayed the callee's SDP to the caller: it plays the callee's 100 packets
    const p = readFileSync(peer, 'utf8');
    expect(p).toContain(`<exec play_pcap_audio="${peerMedia}"/>`);
    expect(p).toMatch(/<!-- the RTP 127\.0\.0\.20:5060 sent: 100 packets/);
    // each pcap: Ethernet frames (SIPp reads no other link type) of the stream as captured
    for (const [file, src, dst, n] of [
      [media, '127.0.0.10', '127.0.0.30', 88],
      [peerMedia, '127.0.0.30', '127.0.0.10', 100],
    ] as const) {
      const bytes = new Uint8Array(readFileSync(file));
      expect(new DataView(bytes.buffer).getUint32(20, true)).toBe(1); // LINKTYPE_ETHERNET
      const { trace } = ingestBytes(bytes, path.basename(file));
      analyzeTrace(trace);
      const streams = traceMedia(trace)!.streams;
      expect(streams.map((s) => [s.record.src, s.record.dst, s.record.packets, s.record.ssrc])).toEqual([
        [src, dst, n, 0xdee0ee8f],
      ]);
    }
  });

  it('--media says why not: no RTP of that end in the capture, --peer-media without --peer', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-sipp-cli-'));
    const none = await run({ format: 'sipp', call: 'C1', media: path.join(dir, 'x.pcap') });
    expect(none.code).toBe(1);
    expect(none.out).toBe('');
    expect(none.err).toContain('--media: this capture holds no RTP that 127.0.0.10:5060 sent in call C1');
    expect(existsSync(path.join(dir, 'x.pcap'))).toBe(false);
    const noPeer = await run({ format: 'sipp', peerMedia: path.join(dir, 'y.pcap') }, mediaSample);
    expect(noPeer.code).toBe(2);
    expect(noPeer.err).toContain('--peer-media needs --peer');
  });

  it('the command line lists the format and its options', () => {
    const help = execFileSync(process.execPath, [path.join(repo, 'bin/sipscope.js'), 'ladder', '--help'], {
      encoding: 'utf8',
    });
    expect(help).toContain('"sipp"');
    expect(help).toMatch(/--side <who>\s+sipp: the endpoint to play/);
    expect(help).toContain('--keep-timing');
    expect(help).toContain('--peer <file>');
    expect(help).toMatch(/--media <file>\s+sipp: also write the RTP the endpoint sent/);
    expect(help).toContain('--peer-media <file>');
  });
});
