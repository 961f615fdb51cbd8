/**
 * The ack-not-relayed rule (RFC 3261 §16.6/§16.7, the 2xx ACK end to end: §13.2.2.4, §17.1.1.3):
 * where it fires on the real-peer problems sample (erin's ACK, which reached Kamailio and never left
 * it), the 64·T1 margin it waits for, and where it stays silent — a relay after the margin, the B leg
 * of a B2BUA keeping the Call-ID (no Via added), the B leg under another Call-ID, an ACK addressed to
 * the element itself, one side of the element captured — and on every other fixture, sample and
 * capture (one pass and tiered).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { TraceAnalyzer } from '../../../src/sip-core/analysis/analyzer';
import { TieredAnalysis } from '../../../src/sip-core/analysis/tiered';
import type { Trace } from '../../../src/sip-core/trace/trace';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { parseFixture, traceFromMessages, traceOfText } from '../../fixtures/analysis/load';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');
const fixtures = path.join(repo, 'test/fixtures/analysis');
const CODE = 'ack-not-relayed';
const trigger = readFileSync(path.join(fixtures, 'rules/ack-not-relayed.sip'), 'utf8');

function capture(file: string): Trace {
  return ingestBytes(new Uint8Array(readFileSync(file)), path.basename(file), { parse: false }).trace;
}

function codes(text: string): string[] {
  return analyzeTrace(traceOfText(text))
    .diagnostics()
    .map((d) => d.code);
}

/** The fixture's blocks (`@ time src > dst` and the message), to drop or change some. */
function blocks(text: string): string[] {
  return text.split(/\n(?=@ )/);
}

/** The proxy's copy of the trigger's ACK, sent at `t` (fixture text). */
const ackOut = (t: string): string =>
  [
    `@ ${t} 198.51.100.20:5060 > 198.51.100.30:5060`,
    'ACK sip:bob@198.51.100.30:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.20;branch=z9hG4bK-p-ack',
    'Via: SIP/2.0/UDP 198.51.100.10:5060;received=198.51.100.10;rport=5060;branch=z9hG4bK-a-ack',
    'Max-Forwards: 69',
    'From: <sip:alice@example.com>;tag=a-tag-1',
    'To: <sip:bob@example.com>;tag=b-tag-1',
    'Call-ID: px-ackdrop@198.51.100.10',
    'CSeq: 1 ACK',
    'Content-Length: 0',
    '',
  ].join('\n');

describe('ack-not-relayed', () => {
  it("fires on erin's first ACK in the problems sample (frame 21), one pass and tiered, nowhere else", () => {
    for (const tiered of [false, true]) {
      const t = capture(path.join(repo, 'resources/samples/sample-problems.pcap'));
      const a = tiered ? TieredAnalysis.attach(t).runTier2Now() : TraceAnalyzer.attach(t);
      const hits = a.diagnostics().filter((d) => d.code === CODE);
      expect(hits.map((d) => [d.frame, d.severity, d.rfc, d.call, d.transaction])).toEqual([
        [21, 'error', '3261 §16.7', 'C2', 'T9'],
      ]);
      expect(hits[0]!.message).toBe(
        'ACK (CSeq 1) for the 2xx from 127.0.0.32:5060 reached 127.0.0.20:5060, which forwarded the INVITE there and relayed that 2xx, but no copy of the ACK left 127.0.0.20:5060 (34.4 s of the trace after it): 127.0.0.32:5060 never got it',
      );
      expect(a.messageFields(20).diagnostics).toEqual(['in-dialog-request-without-route-set', CODE]);
      // erin's later ACKs (frames 27, 36) repeat the first: retransmissions, not reported again.
      for (const id of [26, 35]) {
        expect(a.messageFields(id).retransmission).toBe(true);
        expect(a.messageFields(id).diagnostics).not.toContain(CODE);
      }
      // bob's ACKs, relayed by the proxy (frames 8→9, 64→65): silent.
      for (const id of [7, 8, 63, 64]) expect(a.messageFields(id).diagnostics).toEqual([]);
      // The call's count includes it (one diagnostic more than before the rule, all on erin's call; and
      // since session 17 bye-rejected on the proxy's 404 to the BYE without Route, frame 39).
      const c2 = a.calls().find((c) => c.id === 'C2')!;
      expect(c2.diagnostics).toBe(a.diagnostics().filter((d) => d.call === 'C2').length);
      expect(c2.diagnostics).toBe(7);
      t.close();
    }
  });

  it('waits 64·T1 after the ACK: a trace that ends sooner says nothing', () => {
    // The trigger's ACK is at 0.61 s; its ping (40 s) moved to 32.6 s (31.99 s after) and 32.62 s.
    const at = (t: string): string =>
      trigger.replace(/^@ 40\.000000 /m, `@ ${t} `).replace(/^@ 40\.010000 /m, `@ ${t}1 `);
    expect(codes(at('32.60000'))).not.toContain(CODE);
    expect(codes(at('32.62000'))).toContain(CODE);
    // Growing: the trace analysed as it arrives reports once the margin has passed (the ping at 40 s).
    const msgs = parseFixture(trigger);
    const trace = traceFromMessages(msgs.slice(0, -2));
    const a = TraceAnalyzer.attach(trace);
    expect(a.diagnostics().map((d) => d.code)).not.toContain(CODE);
    expect(a.messageFields(7).diagnostics).toEqual([]);
    traceFromMessages(msgs.slice(-2), trace);
    expect(
      a
        .diagnostics()
        .filter((d) => d.code === CODE)
        .map((d) => d.frame),
    ).toEqual([8]);
    expect(a.messageFields(7).diagnostics).toEqual([CODE]);
    expect(a.calls()[0]!.diagnostics).toBe(a.diagnostics().filter((d) => d.call === 'C1').length);
  });

  it('stays silent on an ACK the proxy relays late (after 2xx retransmissions, even after 64·T1)', () => {
    const b = blocks(trigger);
    const ping = b.findIndex((x) => x.startsWith('@ 40.000000'));
    for (const t of ['5.000000', '41.000000']) {
      const late = [
        ...b.slice(0, ping),
        ...(t < '40' ? [ackOut(t)] : []),
        ...b.slice(ping),
        ...(t > '40' ? [ackOut(t)] : []),
      ];
      const c = codes(late.join('\n'));
      expect(c, t).not.toContain(CODE);
      expect(c, t).not.toContain('ack-missing-2xx');
    }
    // Incrementally: reported at 40 s, withdrawn when the relay shows up at 41 s.
    const msgs = parseFixture(trigger);
    const trace = traceFromMessages(msgs);
    const a = TraceAnalyzer.attach(trace);
    expect(a.diagnostics().map((d) => d.code)).toContain(CODE);
    traceFromMessages(parseFixture(ackOut('41.000000')), trace);
    expect(a.diagnostics().map((d) => d.code)).not.toContain(CODE);
    expect(a.messageFields(7).diagnostics).toEqual([]);
    // Without the relay the same text fires (the test above is not silent by accident).
    expect(codes(trigger)).toContain(CODE);
  });

  it('finds a proxy that sends its forwarded requests from another port than it receives on', () => {
    // The proxy receives on 5060 and forwards (INVITE, and the ACK it should relay) from 5080.
    const fromOther = (text: string): string =>
      text
        .replace(
          /^@ ([\d.]+) 198\.51\.100\.20:5060 > 198\.51\.100\.30/gm,
          '@ $1 198.51.100.20:5080 > 198.51.100.30',
        )
        .replace(
          /^@ ([\d.]+) 198\.51\.100\.30:5060 > 198\.51\.100\.20:5060/gm,
          '@ $1 198.51.100.30:5060 > 198.51.100.20:5080',
        );
    const moved = fromOther(trigger);
    expect(moved).toContain('198.51.100.20:5080 > 198.51.100.30:5060');
    expect(codes(moved)).toContain(CODE);
    // Relayed from 5080: silent.
    const b = blocks(trigger);
    const ping = b.findIndex((x) => x.startsWith('@ 40.000000'));
    const relayed = fromOther([...b.slice(0, ping), ackOut('5.000000'), ...b.slice(ping)].join('\n'));
    expect(relayed).toContain('@ 5.000000 198.51.100.20:5080 > 198.51.100.30:5060');
    expect(codes(relayed)).not.toContain(CODE);
  });

  it('stays silent where the capture cannot show a proxy that dropped the ACK', () => {
    // A B2BUA keeping the Call-ID and CSeq: its INVITE starts its own Via stack (one Via, not two).
    const b2bua = trigger.replace(
      /\nVia: SIP\/2\.0\/UDP 198\.51\.100\.10:5060;received=198\.51\.100\.10;rport=5060;branch=z9hG4bK-a-inv/g,
      '',
    );
    expect(b2bua).not.toBe(trigger);
    expect(codes(b2bua)).not.toContain(CODE);
    expect(codes(b2bua)).toContain('ack-missing-2xx');
    // The B leg under another Call-ID (a B2BUA): another dialog, nothing to relay.
    const otherLeg = blocks(trigger)
      .map((x) =>
        /^@ \S+ (198\.51\.100\.20:5060 > 198\.51\.100\.30|198\.51\.100\.30:5060 >)/.test(x)
          ? x.replace('Call-ID: px-ackdrop', 'Call-ID: leg-b')
          : x,
      )
      .join('\n');
    expect(codes(otherLeg)).not.toContain(CODE);
    // The ACK's Request-URI names the element (its final destination, as the remote target says).
    const toElement = trigger.replace(
      /^ACK sip:bob@198\.51\.100\.30:5060 /gm,
      'ACK sip:bob@198.51.100.20:5060 ',
    );
    expect(toElement).not.toBe(trigger);
    expect(codes(toElement)).not.toContain(CODE);
    // The capture starts after the INVITE reached the proxy: nothing shows the proxy received it.
    const late = blocks(trigger)
      .filter(
        (x) =>
          !/^@ \S+ \S+ > 198\.51\.100\.10:5060\n/.test(x) && !x.includes('\nINVITE sip:bob@example.com '),
      )
      .join('\n');
    expect(codes(late)).toContain('ack-missing-2xx');
    expect(codes(late)).not.toContain(CODE);
    // Only the caller's side of the proxy captured.
    const oneSide = blocks(trigger)
      .filter((x) => !/^@ \S+ (198\.51\.100\.20:5060 > 198\.51\.100\.30|198\.51\.100\.30:5060 >)/.test(x))
      .join('\n');
    expect(codes(oneSide)).not.toContain(CODE);
  });

  it('marks the branch whose 2xx the ACK answers (its To tag) when the proxy forked the INVITE', () => {
    // The proxy forks to B and B2 (198.51.100.31), both answer before the ACK; the caller's ACK for B's 2xx dies at
    // the proxy, and it never ACKs B2's: the ACK that died was for B's 2xx.
    const b = blocks(trigger);
    const time = (x: string): number => Number(x.slice(2, x.indexOf(' ', 2)));
    const fork = b
      .filter(
        (x) =>
          time(x) < 1 && /^@ \S+ (198\.51\.100\.20:5060 > 198\.51\.100\.30|198\.51\.100\.30:5060 >)/.test(x),
      )
      .map((x) =>
        x
          .replace(/^@ \S+/, `@ ${(time(x) + 0.0005).toFixed(6)}`)
          .replace(/198\.51\.100\.30/g, '198.51.100.31')
          .replace(/z9hG4bK-p-inv/g, 'z9hG4bK-p-inv2')
          .replace(/b-tag-1/g, 'b-tag-2'),
      );
    const ok = b.find((x) => x.startsWith('@ 0.601000 198.51.100.20:5060 > 198.51.100.10'))!;
    const okB2 = ok.replace('@ 0.601000', '@ 0.601500').replace(/b-tag-1/g, 'b-tag-2');
    const text = (extra: string[]): string =>
      [...b, ...fork, okB2, ...extra].sort((x, y) => time(x) - time(y)).join('\n');
    const from = (t: string) =>
      analyzeTrace(traceOfText(t))
        .diagnostics()
        .filter((d) => d.code === CODE)
        .map((d) => d.message.slice(0, d.message.indexOf(' reached')));
    expect(from(text([]))).toEqual(['ACK (CSeq 1) for the 2xx from 198.51.100.30:5060']);
    // The caller ACKs B2's 2xx too (at 1.5 s), and that ACK dies at the proxy as well.
    const ack = b.find((x) => x.startsWith('@ 0.610000 198.51.100.10:5060 > 198.51.100.20:5060\nACK '))!;
    const ackB2 = ack
      .replace(/^@ 0\.610000/, '@ 1.500000')
      .replace('b-tag-1', 'b-tag-2')
      .replace('z9hG4bK-a-ack', 'z9hG4bK-a-ack2')
      .replace('sip:bob@198.51.100.30:5060', 'sip:bob@198.51.100.31:5060');
    expect(from(text([ackB2]))).toEqual([
      'ACK (CSeq 1) for the 2xx from 198.51.100.30:5060',
      'ACK (CSeq 1) for the 2xx from 198.51.100.31:5060',
    ]);
    // The proxy relays the ACK for B's 2xx but not B2's: B2's 2xx is the one never ACKed — the ACK
    // that left for B (To tag b-tag-1) does not answer B2's (b-tag-2), though both are the proxy's
    // INVITE client transactions of CSeq 1 (ack-missing-2xx matched any ACK of the CSeq before).
    const missing = analyzeTrace(traceOfText(text([ackOut('0.611000'), ackB2])))
      .diagnostics()
      .filter((d) => d.code === 'ack-missing-2xx')
      .map((d) => d.message);
    expect(missing).toEqual(['2xx to INVITE (CSeq 1) from 198.51.100.31:5060 was never ACKed']);
    expect(from(text([ackOut('0.611000'), ackB2]))).toEqual([
      'ACK (CSeq 1) for the 2xx from 198.51.100.31:5060',
    ]);
  });

  it('fires nowhere else: every analysis fixture, sample and capture, one pass and tiered', () => {
    const where: string[] = [];
    let n = 0;
    const caps: string[] = [];
    for (const d of [
      path.join(repo, 'resources/samples'),
      pub,
      path.join(repo, 'test/fixtures/capture'),
      path.join(fixtures, 'sipp'),
    ])
      if (existsSync(d))
        for (const f of readdirSync(d).sort())
          if (/\.(pcap|pcapng|cap|gz)$/.test(f)) caps.push(path.join(d, f));
    for (const f of caps)
      for (const tiered of [false, true]) {
        const t = capture(f);
        const a = tiered ? TieredAnalysis.attach(t).runTier2Now() : TraceAnalyzer.attach(t);
        for (const d of a.diagnostics()) if (d.code === CODE) where.push(`${path.basename(f)} ${d.frame}`);
        t.close();
        n++;
      }
    for (const dir of ['rules', 'calls'])
      for (const f of readdirSync(path.join(fixtures, dir)).sort()) {
        if (!f.endsWith('.sip')) continue;
        const a = analyzeTrace(traceOfText(readFileSync(path.join(fixtures, dir, f), 'utf8')));
        for (const d of a.diagnostics()) if (d.code === CODE) where.push(`${f} ${d.frame}`);
        n++;
      }
    expect(where).toEqual(['sample-problems.pcap 21', 'sample-problems.pcap 21', 'ack-not-relayed.sip 8']);
    expect(n).toBeGreaterThan(60);
  });
});
