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
  });
});
