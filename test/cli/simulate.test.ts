import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'sipscope.js');
const run = (args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync(process.execPath, [bin, 'simulate', ...args], { encoding: 'utf8', cwd: root });

describe('sipscope simulate', () => {
  it('prints a readable trapezoid ladder with every expectation met', () => {
    const r = run(['trapezoid', '--format', 'text']);
    expect(r.status).toBe(0);
    const out = String(r.stdout);
    expect(out).toMatch(/Alice\s+atlanta\.example\.com\s+biloxi\.example\.com\s+Bob/);
    // The story first, then the ladder; a message with an SDP body says so, as a capture's ladder does.
    expect(out).toMatch(/^The SIP trapezoid: .*\n {2}Alice \(atlanta\.example\.com\) calls Bob/);
    expect(out).toMatch(/^ {2}Teaches: RFC 3261 §4 trapezoid/m);
    expect(out).toMatch(/\|-+INVITE \(SDP\)-+>\|/);
    expect(out).toMatch(/\|<-+200 OK \(SDP\)-+\|/);
    expect(out).toMatch(/\|-+ACK-+>\|/);
    expect(out).toMatch(/\|<-+180 Ringing-+\|/);
    expect(out).toMatch(/expectations: (\d+)\/\1 met/);
  });

  it('prints the trace contract JSON with srcNode/dstNode and the nodes', () => {
    const r = run(['trapezoid', '--format', 'json', '--seed', '7']);
    expect(r.status).toBe(0);
    const j = JSON.parse(String(r.stdout)) as {
      messages: { method: string | null; srcNode: string; dstNode: string; src: string; frame: number }[];
      nodes: { name: string; role: string; address: string }[];
      seed: number;
    };
    expect(j.seed).toBe(7);
    expect(j.nodes.map((n) => n.role)).toEqual(['ua', 'proxy', 'proxy', 'ua']);
    const inv = j.messages.find((m) => m.method === 'INVITE')!;
    expect(inv).toMatchObject({
      srcNode: 'Alice',
      dstNode: 'atlanta.example.com',
      src: '192.0.2.10:5060',
      frame: 3,
    });
  });

  it('shows where the offer and the answer travel (RFC 3665 §3.6: offer in the 200, answer in the ACK)', () => {
    const out = String(run(['rfc3665-3.6', '--format', 'text']).stdout);
    const rows = out.split('\n').filter((l) => /^\s+\d+\.\d{3}\s/.test(l));
    expect(rows.find((l) => l.includes('INVITE sip:bob@chicago'))).not.toMatch(/SDP/);
    expect(rows.filter((l) => /200 OK \(SDP\)/.test(l))).toHaveLength(2);
    expect(rows.filter((l) => /ACK.*\(SDP\)/.test(l))).toHaveLength(2);
  });

  it('lists the library', () => {
    const out = execFileSync(process.execPath, [bin, 'simulate', '--list'], { encoding: 'utf8', cwd: root });
    expect(out).toMatch(/^ {2}trapezoid\s+The SIP trapezoid/m);
    // By topic, in learning order: registration first, NAT last.
    expect(out.indexOf('Registration\n')).toBe(0);
    expect(out.indexOf('\nA call\n')).toBeLessThan(out.indexOf('  trapezoid'));
    expect(out.indexOf('\nNAT\n')).toBeLessThan(out.indexOf('  nat-no-rport'));
  });

  it('reports schema errors with line and column', () => {
    const d = mkdtempSync(join(tmpdir(), 'sim-'));
    const f = join(d, 'bad.yaml');
    writeFileSync(
      f,
      'name: x\ndescription: y\nnodes:\n  - name: A\n    role: phone\n    address: 192.0.2.1\n',
    );
    const r = run([f]);
    expect(r.status).toBe(1);
    expect(String(r.stderr)).toMatch(
      /bad\.yaml:5:11: scenario-schema: \/nodes\/0\/role must be equal to one of the allowed values/,
    );
  });

  it('writes a pcap that tshark reads back with the same messages', () => {
    const tshark = requirePeer('tshark');
    if (!tshark) return;
    const d = mkdtempSync(join(tmpdir(), 'sim-'));
    const pcap = join(d, 't.pcap');
    const r = run(['trapezoid', '--format', 'json', '--pcap', pcap]);
    const j = JSON.parse(String(r.stdout)) as {
      messages: { src: string; dst: string; time: number; method: string | null; status: number | null }[];
    };
    const out = execFileSync(
      tshark,
      [
        '-r',
        pcap,
        '-Y',
        'sip',
        '-T',
        'fields',
        '-e',
        'ip.src',
        '-e',
        'udp.srcport',
        '-e',
        'ip.dst',
        '-e',
        'udp.dstport',
        '-e',
        'frame.time_epoch',
        '-e',
        'sip.Method',
        '-e',
        'sip.Status-Code',
      ],
      { encoding: 'utf8' },
    );
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.length).toBe(j.messages.length);
    rows.forEach((row, i) => {
      const m = j.messages[i]!;
      expect(`${row[0]}:${row[1]}`).toBe(m.src);
      expect(`${row[2]}:${row[3]}`).toBe(m.dst);
      expect(Number(row[4])).toBeCloseTo(m.time, 5);
      if (m.method && m.status === null) expect(row[5]).toBe(m.method);
      else expect(Number(row[6])).toBe(m.status);
    });
    expect(readFileSync(pcap).length).toBeGreaterThan(24);
    // ...and the phones' RTP beside them: 5 packets each way after the ACK (tshark follows the SDP).
    const rtp = execFileSync(tshark, ['-r', pcap, '-Y', 'rtp', '-T', 'fields', '-e', 'rtp.ssrc'], {
      encoding: 'utf8',
    });
    expect(rtp.trim().split('\n')).toHaveLength(10);
  });

  /** `tshark -z rtp,streams` rows: src, dst, SSRC, payload, packets, lost. */
  const tsharkStreams = (tshark: string, pcap: string): string[] =>
    execFileSync(tshark, ['-r', pcap, '-q', '-z', 'rtp,streams'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => /^0x[0-9A-F]{8}$/.test(f[6] ?? ''))
      .map((f) => `${f[2]}:${f[3]} > ${f[4]}:${f[5]} ${f[7]} ${f[8]} pkts, ${f[9]} lost`)
      .sort();

  it("writes the phones' RTP as tshark's RTP streams: one-way audio behind the NAT (nat-fix-nated-contact)", () => {
    const tshark = requirePeer('tshark');
    if (!tshark) return;
    const pcap = join(mkdtempSync(join(tmpdir(), 'sim-')), 'nat.pcap');
    expect(run(['nat-fix-nated-contact', '--pcap', pcap]).status).toBe(0);
    // Alice's stream leaves her (inside the NAT) and its translation reaches Bob; Bob's goes to the
    // private address of her SDP: on his wire (5 packets sent), and nowhere after it (dropped): no
    // stream towards Alice's NAT ever exists. Each side its own SSRC, both PCMU as negotiated.
    const rows = tsharkStreams(tshark, pcap);
    expect(rows).toEqual([
      '192.168.1.10:49170 > 198.51.100.40:49170 g711U 5 pkts, 0 lost',
      '198.51.100.40:49170 > 192.168.1.10:49170 g711U 5 pkts, 0 lost',
      '203.0.113.5:20001 > 198.51.100.40:49170 g711U 5 pkts, 0 lost',
    ]);
    const ssrcs = execFileSync(
      tshark,
      ['-r', pcap, '-Y', 'rtp', '-T', 'fields', '-e', 'ip.src', '-e', 'rtp.ssrc'],
      {
        encoding: 'utf8',
      },
    );
    const bySrc = new Map<string, Set<string>>();
    for (const [src, ssrc] of ssrcs
      .trim()
      .split('\n')
      .map((l) => l.split('\t')))
      bySrc.set(src!, (bySrc.get(src!) ?? new Set()).add(ssrc!));
    expect(bySrc.get('198.51.100.40')!.size).toBe(1);
    expect([...bySrc.get('198.51.100.40')!]).not.toEqual([...bySrc.get('192.168.1.10')!]);
    expect([...bySrc.get('203.0.113.5')!]).toEqual([...bySrc.get('192.168.1.10')!]);
  });
});
