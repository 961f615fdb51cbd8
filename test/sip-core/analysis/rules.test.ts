/**
 * Every analysis rule: a fixture that triggers it (with the count and the message it lands on) and the
 * clean fixtures where it must stay silent. Data-driven (STYLE.md): one row per rule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_RULES, analyzeTrace } from '../../../src/sip-core/analysis';
import { loadFixture } from '../../fixtures/analysis/load';

const dir = path.resolve(import.meta.dirname, '../../fixtures/analysis/rules');
const repo = path.resolve(import.meta.dirname, '../../..');

function analyze(name: string) {
  const trace = loadFixture(path.join(dir, `${name}.sip`));
  return analyzeTrace(trace);
}

function codes(name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of analyze(name).diagnostics()) out[d.code] = (out[d.code] ?? 0) + 1;
  return out;
}

/** rule → [trigger fixture, expected count, 1-based frame of the first hit] */
const TRIGGERS: Record<string, [string, number, number]> = {
  'ack-missing-2xx': ['ack-missing-2xx', 1, 4],
  'ack-not-relayed': ['ack-not-relayed', 1, 8],
  'invite-no-final-response': ['invite-no-final-response', 1, 1],
  'non-invite-no-final-response': ['non-invite-no-final-response', 1, 1],
  'retransmission-storm': ['retransmission-storm', 1, 9],
  'request-loop': ['request-loop', 1, 3],
  'max-forwards-exhausted': ['max-forwards-exhausted', 1, 3],
  'cseq-not-increasing': ['cseq-not-increasing', 1, 8],
  'in-dialog-request-without-route-set': ['in-dialog-request-without-route-set', 2, 8],
  'bye-outside-dialog': ['bye-outside-dialog', 1, 5],
  'call-leg-does-not-exist': ['call-leg-does-not-exist', 1, 7],
  'bye-rejected': ['bye-rejected', 1, 7],
  'auth-loop': ['auth-loop', 1, 8],
  'invite-2xx-no-contact': ['invite-2xx-no-contact', 1, 4],
  'nat-private-contact': ['nat-private', 1, 1],
  'nat-private-via': ['nat-private', 3, 1],
  'nat-private-sdp': ['nat-private', 1, 1],
  'nat-no-rport': ['nat-private', 3, 1],
  'sdp-hold': ['sdp-hold', 1, 6],
  'sdp-no-common-codec': ['sdp-no-common-codec', 1, 4],
  'media-unreachable': ['media-unreachable', 1, 4],
  'message-after-dialog-end': ['message-after-dialog-end', 1, 8],
  'unmatched-response': ['unmatched-response', 1, 3],
  'call-start-not-captured': ['call-start-not-captured', 1, 1],
  'cancel-after-final': ['cancel-after-final', 1, 5],
  'cancel-unmatched': ['cancel-unmatched', 1, 3],
  'provisional-after-final': ['provisional-after-final', 1, 5],
  'conflicting-final-response': ['conflicting-final-response', 1, 5],
  'final-response-without-to-tag': ['final-response-without-to-tag', 1, 3],
  'invite-2xx-retransmitted': ['invite-2xx-retransmitted', 1, 5],
  'pdd-long': ['pdd-long', 1, 1],
  'offer-rejected': ['offer-rejected', 1, 3],
  'strict-routing': ['strict-routing', 1, 4],
};

const CLEAN = [
  'clean-call',
  'clean-proxied',
  'clean-retrans',
  'clean-duplicate-retrans',
  'clean-nat-rport',
  'clean-auth',
  'clean-auth-two-realms',
  'clean-bye-auth',
  'clean-reinvite',
  'clean-cancel',
  'clean-route-set',
  'clean-strict-route',
  'clean-proxy-bye',
  'clean-ack-relayed',
  'clean-nat-alg',
  'clean-ice',
  'clean-nat-media-relay',
];
/** Rules a clean fixture is allowed to trigger by design (the NAT fixture keeps a private Via, the strict-route one a strict router). */
const ALLOWED: Record<string, string[]> = {
  'clean-nat-rport': ['nat-private-via'],
  'clean-strict-route': ['strict-routing'],
  'clean-nat-media-relay': ['nat-private-via', 'nat-private-contact'],
};

describe('analysis rule catalogue', () => {
  it('has at least 25 rules with unique stable codes, severity and RFC section', () => {
    expect(ANALYSIS_RULES.length).toBeGreaterThanOrEqual(25);
    const seen = new Set<string>();
    for (const r of ANALYSIS_RULES) {
      expect(r.code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(seen.has(r.code)).toBe(false);
      seen.add(r.code);
      expect(r.rfc).toMatch(/^\d{4} §[\d.]+$/);
      expect(['error', 'warning', 'info']).toContain(r.severity);
    }
  });

  it('pdd-long cites RFC 6076 §4.3.1 (successful session setup SRD; §4.1 is the registration delay)', () => {
    expect(ANALYSIS_RULES.find((r) => r.code === 'pdd-long')!.rfc).toBe('6076 §4.3.1');
    expect(readFileSync(path.join(repo, 'docs/diagnostics.md'), 'utf8')).toContain(
      '| `pdd-long` | info | RFC 6076 §4.3.1 |',
    );
  });

  it('every rule has a trigger row and is documented in docs/diagnostics.md', () => {
    const doc = readFileSync(path.join(repo, 'docs/diagnostics.md'), 'utf8');
    for (const r of ANALYSIS_RULES) {
      expect(TRIGGERS[r.code], r.code).toBeDefined();
      expect(doc, r.code).toContain(`\`${r.code}\``);
    }
  });
});

describe.each(Object.entries(TRIGGERS))('rule %s', (code, [fixture, count, frame]) => {
  it(`fires ${count}× on ${fixture}.sip, first at frame ${frame}`, () => {
    const a = analyze(fixture);
    const hits = a.diagnostics().filter((d) => d.code === code);
    expect(hits.length).toBe(count);
    expect(hits[0]!.frame).toBe(frame);
    expect(hits[0]!.rfc).toBeTruthy();
    expect(hits[0]!.call).toMatch(/^C\d+$/);
    // The code is on the message's analysis fields too.
    expect(a.messageFields(hits[0]!.messageId!).diagnostics).toContain(code);
  });
  it.each(CLEAN.filter((c) => !(ALLOWED[c] ?? []).includes(code)))('stays silent on %s.sip', (clean) => {
    expect(codes(clean)[code] ?? 0).toBe(0);
  });
});

describe('NAT rules: what is not NAT (nat-not-nat.sip)', () => {
  it('reports the REGISTER from behind the NAT, not its 200, the TCP one without nat-no-rport, nothing on loopback', () => {
    const found = analyze('nat-not-nat')
      .diagnostics()
      .map((d) => [d.code, d.frame]);
    expect(found).toEqual([
      ['nat-private-via', 1],
      ['nat-private-contact', 1],
      ['nat-private-via', 3],
      ['nat-private-contact', 3],
    ]);
  });
});

describe('time rules on a capture whose clock goes back or is wrong', () => {
  it('measures from each request to the latest time the capture reached after it (clock-back.sip)', () => {
    const a = analyze('clock-back');
    expect(a.diagnostics().map((d) => [d.code, d.frame])).toEqual([['non-invite-no-final-response', 8]]);
    expect(a.calls().map((c) => [c.callIds[0], c.state])).toContainEqual(['ck-b@198.51.100.10', 'ringing']);
    expect(a.summary().calls).toEqual({ completed: 1, ringing: 1 });
  });
  it('evaluates no time rule when the times span more than a year (clock-span.sip)', () => {
    const a = analyze('clock-span');
    expect(a.diagnostics()).toEqual([]);
    expect(a.calls()[0]!.state).toBe('completed');
  });
});

describe('duplicate frames and a NAT seen on both sides (duplicate-frames.sip)', () => {
  it('marks the copies but says nothing about the ACK, and no provisional after the final on one hop', () => {
    const a = analyze('duplicate-frames');
    expect(a.totals().retransmissions).toBe(7);
    // (dup-2's outside copies are NAT evidence: private Via and Contact from 203.0.113.5)
    expect(a.diagnostics().filter((d) => !d.code.startsWith('nat-'))).toEqual([]);
    expect(a.diagnostics().every((d) => d.call === 'C2')).toBe(true);
  });
});

describe('a response whose Via sent-by was rewritten (via-rewritten.sip)', () => {
  it('matches its client transaction by branch and CSeq method (RFC 3261 §17.1.3)', () => {
    const a = analyze('via-rewritten');
    expect(a.transactions()[0]).toMatchObject({
      method: 'NOTIFY',
      state: 'completed',
      finalStatus: 200,
      requests: 1,
      responses: 1,
    });
    expect(a.transactions()).toHaveLength(2);
    expect(a.diagnostics()).toEqual([]);
  });
});

describe('an INVITE ringing when the capture stops (invite-ringing-long.sip)', () => {
  it('is ringing after 40 s, not failed by Timer B, which stops at the first provisional (§17.1.1.2)', () => {
    const a = analyze('invite-ringing-long');
    expect(a.diagnostics()).toEqual([]);
    expect(a.calls()[0]!.state).toBe('ringing');
    expect(a.transactions()[0]!.state).toBe('proceeding');
  });
});

describe('an INVITE answered only by 100 Trying (invite-trying-long.sip)', () => {
  it("is being set up after 50 s (Proceeding: no Timer B, §17.1.1.2) and failed after 200 s (a proxy's Timer C, §16.6)", () => {
    const a = analyze('invite-trying-long');
    expect(a.diagnostics()).toEqual([]);
    expect(a.calls().map((c) => [c.callIds[0], c.state])).toEqual([
      ['try-1@198.51.100.10', 'failed'],
      ['try-2@198.51.100.10', 'setup'],
      ['ping-9@198.51.100.10', 'completed'],
    ]);
    expect(a.transactions()[1]!.state).toBe('proceeding');
  });
});

describe('clean fixtures', () => {
  it.each(CLEAN)('%s.sip raises only its allowed diagnostics', (clean) => {
    expect(Object.keys(codes(clean)).filter((c) => !(ALLOWED[clean] ?? []).includes(c))).toEqual([]);
  });
  it('request-loop also fires on a Via stack with the same sent-by and branch twice', () => {
    expect(codes('request-loop-via')['request-loop']).toBe(1);
  });
});
