/**
 * The scenarios' `dtmf` step (src/sip-core/sim/steps.ts, UserAgent.dtmf): the built-in `dtmf`
 * scenario's pcap read back by `sipscope analyze` (the calls' DTMF) and by tshark (`rtpevent.*` for
 * the RFC 4733 events, the INFO bodies), the events' packets byte by byte (RFC 4733 §2.5.1), what
 * the phone refuses (no telephone-event agreed, a held call), and the validator's line and column for
 * bad values.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/sip-core/sim';
import type { WirePacket } from '../../../src/sip-core/sim/network';
import { requirePeer } from '../../helpers/peers';
import { tsharkEvents } from '../../helpers/rtp-tshark';
import { loadOk, runSim } from '../../helpers/sim-run';

const REPO = join(import.meta.dirname, '..', '..', '..');
const DTMF_YAML = readFileSync(join(REPO, 'resources', 'scenarios', 'dtmf.yaml'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'sipscope-dtmf-step-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const load = loadOk;
const run = runSim;

/** The RTP header and RFC 4733 payload fields of an event packet. */
function rtpFields(p: WirePacket): {
  marker: boolean;
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  code: number;
  end: boolean;
  volume: number;
  duration: number;
} {
  const b = p.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    marker: (b[1]! & 0x80) !== 0,
    pt: b[1]! & 0x7f,
    seq: dv.getUint16(2),
    ts: dv.getUint32(4),
    ssrc: dv.getUint32(8),
    code: b[12]!,
    end: (b[13]! & 0x80) !== 0,
    volume: b[13]! & 0x3f,
    duration: dv.getUint16(14),
  };
}

/** `sipscope` through bin/sipscope.js, as a user runs it. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'sipscope.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the dtmf step in the simulator (the built-in dtmf scenario)', () => {
  const sim = run(load(DTMF_YAML));
  const events = sim.rtpPackets.filter((p) => p.bytes.length === 16);

  it('meets its expectations and has no step errors', () => {
    expect(sim.stepErrors).toEqual([]);
  });

  it('sends each key as RFC 4733 packets: one timestamp, marker on the first, duration +160, the end three times', () => {
    expect(events).toHaveLength(4 * 7); // 100 ms: 5 packets (the 5th the end), its end sent twice more
    const f = events.map(rtpFields);
    const audio = sim.rtpPackets
      .filter((p) => p.fromNode === 'Alice' && p.bytes.length === 172)
      .map(rtpFields);
    expect(new Set(f.map((x) => x.ssrc))).toEqual(new Set([audio[0]!.ssrc])); // the call side's own stream
    expect(new Set(f.map((x) => x.pt))).toEqual(new Set([101]));
    // sequence numbers go on from the burst's, one per packet (the end's repeats too, §2.5.1.4)
    expect(f[0]!.seq).toBe((audio.at(-1)!.seq + 1) & 0xffff);
    f.forEach((x, i) => expect(x.seq).toBe((f[0]!.seq + i) & 0xffff));
    for (let k = 0; k < 4; k++) {
      const ev = f.slice(k * 7, k * 7 + 7);
      const at = events.slice(k * 7, k * 7 + 7).map((p) => p.sentAt);
      expect(ev.map((x) => x.code)).toEqual(Array(7).fill(k + 1));
      expect(new Set(ev.map((x) => x.ts)).size).toBe(1);
      expect(ev.map((x) => x.marker)).toEqual([true, false, false, false, false, false, false]);
      expect(ev.map((x) => x.duration)).toEqual([160, 320, 480, 640, 800, 800, 800]);
      expect(ev.map((x) => x.end)).toEqual([false, false, false, false, true, true, true]);
      expect(ev.every((x) => x.volume === 10)).toBe(true);
      // 20 ms apart, a key every 200 ms (100 ms + 100 ms pause) from 2 s
      expect(at).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => 2_000_000 + k * 200_000 + i * 20_000));
    }
    // the timestamp is the stream's sampling clock at the key's start: 200 ms = 1600 samples apart,
    // and from the first audio packet (the call's answer) by the 8 kHz samples between them
    for (let k = 1; k < 4; k++) expect((f[k * 7]!.ts - f[(k - 1) * 7]!.ts) >>> 0).toBe(1600);
    const firstAudio = sim.rtpPackets.find((p) => p.fromNode === 'Alice')!;
    expect((f[0]!.ts - audio[0]!.ts) >>> 0).toBe((2_000_000 - firstAudio.sentAt) / 125);
  });

  it('sends the INFO keys as application/dtmf-relay requests in the dialog, through the proxy', () => {
    const infos = sim.sipPackets
      .filter((p) => p.fromNode === 'Alice' && /^INFO /.test(new TextDecoder().decode(p.bytes)))
      .map((p) => ({ at: p.sentAt, text: new TextDecoder().decode(p.bytes) }));
    expect(infos.map((i) => i.at)).toEqual([4_000_000, 4_400_000]);
    for (const [i, d] of ['9', '#'].entries()) {
      expect(infos[i]!.text).toMatch(/^Content-Type: application\/dtmf-relay\r$/m);
      expect(infos[i]!.text).toMatch(/^Route: <sip:192\.0\.2\.20:5060;lr>\r$/m);
      expect(infos[i]!.text.endsWith(`\r\n\r\nSignal=${d}\r\nDuration=160\r\n`)).toBe(true);
    }
  });

  it('runs the same with other seeds', () => {
    for (const seed of [3, 7]) {
      const s = run(load(DTMF_YAML), seed);
      expect(s.stepErrors).toEqual([]);
      expect(s.rtpPackets.filter((p) => p.bytes.length === 16)).toHaveLength(28);
    }
  });
});

describe('the dtmf scenario pcap, read back by sipscope analyze and by tshark', () => {
  const pcap = join(tmp, 'dtmf.pcap');
  const sim = cli('simulate', 'dtmf', '--format', 'json', '--pcap', pcap);

  it('simulates with its expectations met', () => {
    expect(sim.stderr).toBe('');
    expect(sim.status).toBe(0);
    const j = JSON.parse(sim.stdout) as { expectations: { ok: boolean }[] };
    expect(j.expectations.length).toBeGreaterThan(0);
    expect(j.expectations.every((e) => e.ok)).toBe(true);
  });

  it('sipscope analyze finds the six keys, how each was sent, when and how long', () => {
    const r = cli('analyze', pcap, '--format', 'json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as {
      calls: {
        dtmf?: { digit: string; method: string; time: number; direction: string; durationMs: number }[];
      }[];
    };
    expect(j.calls).toHaveLength(1);
    expect(j.calls[0]!.dtmf!.map((d) => [d.digit, d.method, d.time, d.direction, d.durationMs])).toEqual([
      ['1', 'rtp-event', 2, 'forward', 100],
      ['2', 'rtp-event', 2.2, 'forward', 100],
      ['3', 'rtp-event', 2.4, 'forward', 100],
      ['4', 'rtp-event', 2.6, 'forward', 100],
      ['9', 'info', 4, 'forward', 160],
      ['#', 'info', 4.4, 'forward', 160],
    ]);
    const text = cli('analyze', pcap, '--format', 'text').stdout;
    expect(text).toContain(
      'call C1 DTMF: caller pressed 1 2 3 4 at 00:02.0 (RTP events (RFC 4733)); caller pressed 9 # at 00:04.0 (SIP INFO)',
    );
  });

  const tshark = requirePeer('tshark');
  it.skipIf(!tshark)('tshark reads the same events (rtpevent.*) and the INFO bodies', () => {
    const keys = [...tsharkEvents(tshark!, pcap).values()];
    expect(keys.map((k) => k.code)).toEqual([1, 2, 3, 4]);
    for (const k of keys) {
      expect(k.packets).toBe(7);
      expect(k.markers).toEqual([true, false, false, false, false, false, false]);
      expect(k.endPackets).toBe(3);
      expect(k.volumes).toEqual(new Set([10]));
      expect(k.duration).toBe(800); // 100 ms at 8 kHz
    }
    const info = execFileSync(tshark!, ['-n', '-r', pcap, '-Y', 'sip.Method == "INFO"', '-V'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // each INFO twice on the wire (Alice to the proxy, the proxy to the voicemail)
    expect([...info.matchAll(/^\s*Signal=(\S)\\r\\n$/gm)].map((m) => m[1])).toEqual(['9', '9', '#', '#']);
  });
});

describe('what the phone refuses', () => {
  it('RFC 4733 on a call that did not agree telephone-event: nothing sent, a step error, an event saying why', () => {
    const sc = load(DTMF_YAML.replace(/codecs: \[PCMU, telephone-event\],\n {6}answer/, 'answer'));
    const sim = run(sc);
    expect(sim.rtpPackets.filter((p) => p.bytes.length === 16)).toEqual([]);
    expect(sim.stepErrors).toEqual(['Alice: dtmf had nothing to act on at 2s']);
    expect(sim.eventList.map((e) => `${e.node}: ${e.text}`)).toContain(
      'Alice: DTMF 1234 not sent: the offer and answer did not agree telephone-event (RFC 4733): send SIP INFO',
    );
    // INFO needs nothing of the SDP
    expect(sim.sipPackets.filter((p) => /^INFO /.test(new TextDecoder().decode(p.bytes)))).toHaveLength(4);
  });

  it('RFC 4733 while the peer holds the call (a=sendonly from it: recvonly here) sends nothing', () => {
    const sc = load(
      DTMF_YAML.replace(
        "  - { at: 2s, node: Alice, action: dtmf, digits: '1234'",
        "  - { at: 1.5s, node: Voicemail, action: hold }\n  - { at: 2s, node: Alice, action: dtmf, digits: '1234'",
      ).replace(/expect:[\s\S]*$/, ''),
    );
    const sim = run(sc);
    expect(sim.rtpPackets.filter((p) => p.bytes.length === 16)).toEqual([]);
    expect(sim.eventList.map((e) => `${e.node}: ${e.text}`)).toContain(
      'Alice: DTMF 1234 not sent: the call is on hold: this side may not send RTP (RFC 3264 §6.1)',
    );
  });

  it('RFC 4733 from a phone that sends no RTP (rtp: false): nothing sent', () => {
    const sc = load(
      DTMF_YAML.replace(
        'codecs: [PCMU, telephone-event],\n    }',
        'codecs: [PCMU, telephone-event],\n      rtp: false,\n    }',
      ),
    );
    const sim = run(sc);
    expect(sim.rtpPackets.filter((p) => p.fromNode === 'Alice')).toEqual([]);
    expect(sim.stepErrors).toEqual(['Alice: dtmf had nothing to act on at 2s']);
    expect(sim.eventList.map((e) => `${e.node}: ${e.text}`)).toContain(
      'Alice: DTMF 1234 not sent: the phone sends no RTP (rtp: false): send SIP INFO',
    );
  });

  it('a dtmf step with no answered call is a step error', () => {
    const sc = load(
      DTMF_YAML.replace('at: 2s, node: Alice, action: dtmf', 'at: 0.5s, node: Alice, action: dtmf'),
    );
    const sim = run(sc);
    expect(sim.stepErrors).toContain('Alice: dtmf had nothing to act on at 0.5s');
  });
});

describe('the validator: bad dtmf values at their line and column', () => {
  const base = DTMF_YAML.replace(/expect:[\s\S]*$/, '');
  const errorsOf = (step: string): string[] =>
    loadScenario(`${base.replace(/steps:\n[\s\S]*$/, 'steps:\n')}${step}\n`).errors.map(
      (e) => `${e.line}:${e.col}: ${e.code}: ${e.message}`,
    );
  const line = base.replace(/steps:\n[\s\S]*$/, 'steps:\n').split('\n').length;

  it('keys other than 0-9 * # A-D', () => {
    expect(errorsOf("  - { at: 1s, node: Alice, action: dtmf, digits: '12x' }")).toEqual([
      `${line}:50: scenario-schema: /steps/0/digits must match pattern "^[0-9*#A-Da-d]{1,32}$"`,
    ]);
    expect(errorsOf('  - { at: 1s, node: Alice, action: dtmf, digits: 1234 }')).toEqual([
      `${line}:50: scenario-schema: /steps/0/digits must be string`,
    ]);
  });

  it('a method other than rfc4733 or info', () => {
    expect(errorsOf("  - { at: 1s, node: Alice, action: dtmf, digits: '1', method: inband }")).toEqual([
      `${line}:63: scenario-schema: /steps/0/method must be equal to one of the allowed values (one of rfc4733, info)`,
    ]);
  });

  it('a duration or pause out of range, or not a duration', () => {
    expect(
      errorsOf("  - { at: 1s, node: Alice, action: dtmf, digits: '1', duration: 10ms, pause: 20s }"),
    ).toEqual([
      `${line}:65: scenario-schema: /steps/0/duration must be 40 ms to 2 s per key (is 10 ms)`,
      `${line}:78: scenario-schema: /steps/0/pause must be 60 ms to 10 s between keys (is 20000 ms; RTP events repeat their end packet for 40 ms after it)`,
    ]);
    expect(errorsOf("  - { at: 1s, node: Alice, action: dtmf, digits: '1', duration: long }")).toEqual([
      `${line}:65: scenario-schema: /steps/0/duration must be number`,
      `${line}:65: scenario-schema: /steps/0/duration must match pattern "^\\s*\\d+(\\.\\d+)?\\s*(us|ms|s|m)?\\s*$"`,
    ]);
  });

  it('no digits, and dtmf keys on another step', () => {
    expect(errorsOf('  - { at: 1s, node: Alice, action: dtmf }')).toEqual([
      `${line}:5: scenario-schema: /steps/0 a dtmf step needs digits (1–32 of 0-9 * # A-D)`,
    ]);
    expect(errorsOf("  - { at: 1s, node: Alice, action: hangup, digits: '1' }")).toEqual([
      `${line}:52: scenario-schema: /steps/0/digits is for a dtmf step only (this one is hangup)`,
    ]);
  });
});
