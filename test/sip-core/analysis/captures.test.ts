/**
 * The analysis on real captures: the sample made by SIPp → Kamailio → SIPp (resources/samples) and the
 * public captures (../shared/captures/public, skipped when absent), with the counts and states a SIP
 * expert reads off the ladders.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../../src/sip-core/analysis';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';

const repo = path.resolve(import.meta.dirname, '../../..');
const pub = path.resolve(repo, '../shared/captures/public');

function load(file: string) {
  const r = ingestBytes(new Uint8Array(readFileSync(file)), path.basename(file));
  return { trace: r.trace, a: analyzeTrace(r.trace) };
}

describe('sample-call.pcap (SIPp → Kamailio record-routing proxy → SIPp)', () => {
  const { trace, a } = load(path.join(repo, 'resources/samples/sample-call.pcap'));

  it('finds 5 calls: 3 completed, 1 busy (486), 1 rejected (404 from the proxy)', () => {
    const calls = a.calls();
    expect(calls.map((c) => [c.state, c.finalStatus])).toEqual([
      ['completed', 200],
      ['completed', 200],
      ['completed', 200],
      ['busy', 486],
      ['rejected', 404],
    ]);
    expect(calls[0]!.toUser).toBe('bob');
    expect(calls[3]!.toUser).toBe('busy');
    expect(calls[0]!.codecs).toEqual({ offer: ['PCMU', 'PCMA'], answer: ['PCMU'] });
    expect(calls[0]!.messages).toBe(13);
    // PDD: INVITE → 180 at the caller (~1 ms on loopback); setup ~0.4 s (uas-answer pauses 400 ms).
    expect(calls[0]!.pdd).toBeGreaterThan(0);
    expect(calls[0]!.pdd).toBeLessThan(0.01);
    expect(calls[0]!.setupTime).toBeGreaterThan(0.39);
    expect(calls[0]!.setupTime).toBeLessThan(0.45);
    expect(calls[0]!.duration).toBeGreaterThan(0.7);
  });

  it('builds one transaction per hop: 21 transactions, ACKs for 2xx on their own', () => {
    const s = a.summary();
    expect(a.totals().transactions).toBe(21);
    // 3 calls × (INVITE×2 hops + ACK×2 + BYE×2) = 18, busy: INVITE×2, 404: INVITE×1.
    expect(s.transactions).toEqual({ accepted: 6, terminated: 6, completed: 6, confirmed: 3 });
    const t1 = a.transactions()[0]!;
    expect(t1).toMatchObject({
      kind: 'INVITE',
      method: 'INVITE',
      client: '127.0.0.10:5060',
      server: '127.0.0.20:5060',
      finalStatus: 200,
    });
    expect(t1.states.map((x) => x.state)).toEqual(['calling', 'proceeding', 'accepted']);
    // The 486 transaction on the proxy→busy hop absorbs the proxy's ACK (§17.1.1.3).
    const busy = a.transactions().filter((t) => t.finalStatus === 486);
    expect(busy).toHaveLength(2);
    expect(busy.every((t) => t.state === 'confirmed')).toBe(true);
  });

  it('builds 3 dialogs, all terminated by BYE, with the proxy in the route set', () => {
    const d = a.dialogs();
    expect(d).toHaveLength(3);
    expect(d.every((x) => x.state === 'terminated')).toBe(true);
    expect(d[0]!.states.map((x) => x.state)).toEqual(['early', 'confirmed', 'terminated']);
    expect(d[0]!.routeSet.callee).toHaveLength(1);
    expect(d[0]!.routeSet.callee[0]).toContain('127.0.0.20');
    expect(d[0]!.remoteTarget.caller).toContain('127.0.0.30');
    expect(d[0]!.strictRouting).toBe(false);
  });

  it('raises no diagnostics on this clean trace and marks every message', () => {
    expect(a.diagnostics()).toEqual([]);
    for (let i = 0; i < trace.count; i++) {
      const f = a.messageFields(i);
      expect(f.transaction).not.toBeNull();
      expect(f.call).not.toBeNull();
      expect(f.retransmission).toBe(false);
    }
  });
});

const cases: {
  file: string;
  calls: Record<string, number>;
  types?: Record<string, number>;
  dialogs?: Record<string, number>;
  retransmissions?: number;
  diagnostics?: Record<string, number>;
  /** Codes that must not be raised. */
  absent?: string[];
}[] = [
  // A clean call over TCP: INVITE/100/180/200/ACK/BYE/200.
  {
    file: 'heplify__sip_ipv4_tcp.pcap',
    calls: { completed: 1 },
    dialogs: { terminated: 1 },
    diagnostics: {},
  },
  // Full call over IPv6 UDP (the file's timestamps jump by years between frames: the clock is wrong, so no
  // time rule — pdd-long said "post-dial delay 201412350.0 s" — is evaluated).
  {
    file: 'heplify__sip_ipv6_udp.pcap',
    calls: { completed: 1 },
    dialogs: { terminated: 1 },
    diagnostics: {},
  },
  // Two SIPp calls: the first ends with BYE; the second is answered when the capture stops. recvonly offer, sendonly answer: not hold.
  { file: 'ws__sip-rtp-g711.pcap', calls: { completed: 1, 'in-call': 1 }, diagnostics: {} },
  // DTMF over INFO to echo@iptel.org, no BYE in the capture.
  { file: 'ws__DTMFsipinfo.pcap', calls: { 'in-call': 1 }, dialogs: { confirmed: 1 }, diagnostics: {} },
  // The classic Wireshark sample: registrations with digest auth, INVITE/CANCEL (a 408'd CANCEL storm: CANCEL's sent-by lacks the port), 403s, a 480.
  {
    file: 'ws__aaa.pcap',
    calls: { cancelled: 1, rejected: 3 },
    types: { registration: 2, call: 4 },
    retransmissions: 14,
  },
  // X-Lite through Asterisk: REGISTER 401/200, OPTIONS, SUBSCRIBE 404 ×2, one call completed.
  {
    file: 'ws__Asterisk_ZFONE_XLITE.pcap',
    calls: { completed: 1 },
    types: { registration: 1, options: 1, subscription: 2, call: 1 },
  },
  // 100rel call over fragmented IPv6, forked into two early dialogs: PRACK/UPDATE CSeq 2 and 3, one 200
  // retransmitted, then the caller's BYE reuses CSeq 2 (a real CSeq regression, reported once for both hops).
  // The caller (SIPp) sends its PRACKs, UPDATEs, ACK and BYE with Route in the Record-Route's order
  // (<...3519>, <...4222>) instead of reversed (§12.1.2: its route set starts with <...4222>): six requests.
  // The UAS answers with two early dialogs (To tags ...0171847 and ...0271847); its 200 (frame 26) is on
  // the second, but the ACK it gets (frame 30) carries the first's tag: that 2xx is never ACKed (it
  // retransmits it once, frame 27), its dialog stays confirmed.
  {
    file: 'sngrep__ipv6frag.pcap',
    calls: { completed: 1 },
    dialogs: { terminated: 1, confirmed: 1 },
    retransmissions: 1,
    diagnostics: {
      'ack-missing-2xx': 1,
      'invite-2xx-retransmitted': 1,
      'cseq-not-increasing': 1,
      'in-dialog-request-without-route-set': 6,
    },
  },
  // INVITE over SCTP from port 57098 with Via :5060 (no rport): the 100 and the 403 go to 5060 (§18.2.2),
  // the ACK is the non-2xx ACK of the INVITE transaction: one rejected call, no dialog.
  {
    file: 'heplify__sip_sctp.pcap',
    calls: { rejected: 1 },
    dialogs: {},
    diagnostics: {},
  },
  // Metasploit's spoofed INVITE (no branch, no From tag, empty user) from port 62986, its 180 sent to the Via
  // port 5060: the call is ringing when the capture stops.
  { file: 'ws__metasploit-sip-invite-spoof.pcap', calls: { ringing: 1 } },
  // T.38 fax through a B2BUA (two Call-IDs) behind an address-only NAT (10.35.60.x inside, 10.35.40.x
  // outside: the same transactions on both sides, Via and Contact not rewritten: the nat-* reports are
  // right). Its 18 "retransmissions" are duplicate frames (the mirror port saw each packet twice: same
  // IP ID, under 2 ms apart), so no 2xx is retransmitted for want of an ACK, and no 100 follows the
  // 200 on its own hop (the 100 at frame 177 is on the inside, after the outside's 200).
  {
    file: 'ndpi__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap',
    calls: { completed: 2 },
    retransmissions: 18,
    absent: ['invite-2xx-retransmitted', 'provisional-after-final'],
  },
  // Junk, then a REGISTER with no Call-ID, From, To, CSeq or Via (its header-missing diagnostics are the
  // parser's): a registration of its own, unanswered.
  {
    file: 'zeek__sip-junk-before-request.pcap',
    calls: {},
    types: { registration: 1 },
    diagnostics: {},
  },
  // HEPGEN's synthetic INVITE (407), OPTIONS (200) and PUBLISH: its responses' Via sent-by is rewritten
  // (127.0.0.1:48495 in the requests, 192.168.1.1:48495 in the responses); §17.1.3 matches them by branch
  // and CSeq method: three transactions, none unmatched.
  { file: 'hepws__hep.pcap', calls: { rejected: 1 }, diagnostics: {} },
  // Mirrored over GRE: SUBSCRIBE/NOTIFY, REFER, calls; the client's ALG rewrites the Via port of its 200s
  // to the server's NOTIFY CSeq 10 (5260 -> 5860): matched by branch and method, not unmatched.
  {
    file: 'heplify__erspan_sip_ipv4_udp.pcapng',
    calls: { completed: 3 },
    types: { subscription: 4, call: 3 },
    absent: ['unmatched-response', 'non-invite-no-final-response'],
  },
  // SIP.js over WebSocket → Kamailio (WS 8080 / UDP 5060) → FreeSWITCH (10.243.0.143), which calls out
  // through Kamailio to a carrier: two Call-IDs, one call. FreeSWITCH's B-leg INVITE carries
  // `XCall-ID: kovfhoptshgn59q712sr` (the A-leg's Call-ID verbatim), its 183/200/BYE follow the other
  // leg's within 25-45 ms, and the numbers match (caller 12675941249, callee 2263382742 with the carrier
  // prefix 999811): linked as one call by x-cid (0.95). The WebRTC client's offer has c= 10.243.17.55 and
  // ICE candidates (a public srflx among them), FreeSWITCH's 183 answers with its public address and a
  // candidate: ICE finds the path, so no media-unreachable (it was raised on the 183, frame 32).
  {
    file: 'heplify__sip_tcp_websocket.pcap',
    calls: { completed: 1 },
    types: { options: 1, call: 1 },
    diagnostics: {},
  },
  // INVITE with Content-Length: bad, answered 200 without Contact.
  {
    file: 'zeek__invalid-content-length.pcap',
    calls: { 'in-call': 1 },
    diagnostics: { 'invite-2xx-no-contact': 1 },
  },
];

describe.skipIf(!existsSync(pub))('public captures', () => {
  for (const c of cases) {
    it(c.file, () => {
      const { a } = load(path.join(pub, c.file));
      const s = a.summary();
      expect(s.calls).toEqual(c.calls);
      if (c.types) expect(s.callTypes).toEqual(c.types);
      if (c.dialogs) expect(s.dialogs).toEqual(c.dialogs);
      if (c.retransmissions !== undefined) expect(a.totals().retransmissions).toBe(c.retransmissions);
      if (c.diagnostics) expect(s.diagnostics).toEqual(c.diagnostics);
      for (const code of c.absent ?? []) expect(s.diagnostics?.[code], code).toBeUndefined();
    });
  }

  it('heplify__sip_tcp_websocket.pcap: the FreeSWITCH B-leg joins the WebSocket A-leg by its XCall-ID header', () => {
    const { a } = load(path.join(pub, 'heplify__sip_tcp_websocket.pcap'));
    const c2 = a.calls().find((c) => c.id === 'C2')!;
    expect(c2.callIds).toEqual(['kovfhoptshgn59q712sr', '926ffd16-6154-1237-09ba-0270b3230128']);
    expect(c2.links).toEqual([
      {
        a: 'kovfhoptshgn59q712sr',
        b: '926ffd16-6154-1237-09ba-0270b3230128',
        reason: 'x-cid',
        confidence: 0.95,
        detail: 'xcall-id: kovfhoptshgn59q712sr',
      },
    ]);
    expect(c2.state).toBe('completed');
    expect(c2.messages).toBe(37);
  });

  it('heplify__sip_ipv4_tcp_fragmented.pcap: 406 carrier messages on TCP 6060 build calls without errors', () => {
    const { a } = load(path.join(pub, 'heplify__sip_ipv4_tcp_fragmented.pcap'));
    const s = a.summary();
    expect(a.totals().messages).toBe(406);
    expect(s.calls!.completed).toBeGreaterThan(10);
    // No response is unmatched: every one whose request is missing came within Timer C (INVITE) of the
    // capture's first message, its request sent before the capture began (see the next test).
    expect(s.diagnostics!['unmatched-response'] ?? 0).toBe(0);
    // C58: INVITE, 183, PRACK/200, then 32.5 s of capture without a final: early media, not a Timer B
    // timeout (Timer B stops at the first provisional, §17.1.1.2); C4's INVITE, never answered, is one.
    expect(a.calls().find((c) => c.id === 'C58')!.state).toBe('ringing');
    expect(
      a
        .diagnostics()
        .filter((d) => d.code === 'invite-no-final-response')
        .map((d) => d.call),
    ).toEqual(['C4']);
  });
});

describe.skipIf(!existsSync(pub))('calls whose start the capture missed (public captures)', () => {
  /** [id, type, state, finalStatus, from user, to user, duration (s) or null, startOpen, durationOpen] of the calls with a call-start-not-captured. */
  function openCalls(file: string) {
    const { a } = load(path.join(pub, file));
    const flagged = new Set(
      a
        .diagnostics()
        .filter((d) => d.code === 'call-start-not-captured')
        .map((d) => d.call),
    );
    return {
      a,
      rows: a
        .calls()
        .filter((c) => flagged.has(c.id))
        .map((c) => [
          c.id,
          c.type,
          c.state,
          c.finalStatus,
          c.fromUser,
          c.toUser,
          c.duration,
          c.startOpen,
          c.durationOpen,
        ]),
    };
  }

  it('heplify__sip_ipv4_tcp_fragmented.pcap: 28 calls in progress when the capture began, none failed', () => {
    const { a, rows } = openCalls('heplify__sip_ipv4_tcp_fragmented.pcap');
    expect(rows).toHaveLength(28);
    // Every Call-ID group is a call or an OPTIONS ping now (28 were 'other': a BYE, an UPDATE, a 486...).
    expect(a.summary().callTypes).toEqual({ call: 65, options: 5 });
    const byId = new Map(rows.map((r) => [r[0], r]));
    // 486 to INVITE (CSeq 1) 0.76 s into the capture, then its ACK: busy (was 'other', failed after 32 s).
    expect(byId.get('C2')).toEqual(['C2', 'call', 'busy', 486, '499705', '79283840774', null, false, false]);
    // 200 to INVITE at 19.1 s, ACK, BYE, 200: completed, the 2xx → BYE duration exact, no PDD or setup.
    expect(byId.get('C21')).toEqual([
      'C21',
      'call',
      'completed',
      200,
      '493020',
      '79270262646',
      2.820727,
      false,
      false,
    ]);
    const c21 = a.calls().find((c) => c.id === 'C21')!;
    expect([c21.pdd, c21.setupTime]).toEqual([null, null]);
    // CANCEL, its 200, 487 to INVITE, ACK: cancelled (its INVITE rang before the capture began).
    expect(byId.get('C31')!.slice(1, 4)).toEqual(['call', 'cancelled', 487]);
    // BYE and its 200 only: answered before the capture began, completed, the duration a lower bound.
    expect(byId.get('C6')).toEqual([
      'C6',
      'call',
      'completed',
      null,
      '493179',
      '79210088228',
      0.017959,
      true,
      false,
    ]);
    // UPDATE (a session refresh, no body) twice: in a call answered before the capture, still up at its end.
    expect(byId.get('C20')!.slice(1, 4)).toEqual(['call', 'in-call', null]);
    expect(byId.get('C20')!.slice(7)).toEqual([true, true]);
    expect(rows.filter((r) => r[2] === 'completed')).toHaveLength(22);
    expect(rows.filter((r) => r[2] === 'in-call')).toHaveLength(4);
    // The notice is an info and names the first message; nothing else is said of these calls.
    const d = a.diagnostics().find((x) => x.call === 'C2')!;
    expect(d).toMatchObject({ code: 'call-start-not-captured', severity: 'info', frame: 12 });
    expect(d.message).toContain('its first message is 486 to INVITE (CSeq 1)');
    expect(a.diagnostics().filter((x) => x.code === 'cancel-unmatched')).toEqual([]);
  });

  it('heplify__ipip0.pcap: the capture begins with a 403 to an INVITE: a rejected call, From/To from the 403', () => {
    const { rows } = openCalls('heplify__ipip0.pcap');
    expect(rows).toEqual([
      ['C2', 'call', 'rejected', 403, '18120614121', '+3908351673002', null, false, false],
    ]);
  });
});

describe('sipp/start-cut-3.pcap, start-cut-5.pcap (a SIPp capture with its first 2 or 4 packets dropped)', () => {
  const cut = (n: number) => load(path.join(repo, `test/fixtures/analysis/sipp/start-cut-${n}.pcap`)).a;

  it('from its 200 OK: the first call completed, its duration exact, no PDD or setup, a notice on the 200', () => {
    const a = cut(3);
    const c = a.calls()[0]!;
    expect([c.type, c.state, c.finalStatus, c.fromUser, c.toUser]).toEqual([
      'call',
      'completed',
      200,
      'sipp',
      'service',
    ]);
    expect([c.pdd, c.setupTime, c.duration, c.startOpen, c.durationOpen]).toEqual([
      null,
      null,
      0.102836,
      false,
      false,
    ]);
    expect(a.diagnostics().map((d) => [d.code, d.severity, d.frame, d.call])).toEqual([
      ['call-start-not-captured', 'info', 1, 'C1'],
    ]);
    // The two calls after it are whole.
    expect(a.calls().map((x) => x.state)).toEqual(['completed', 'completed', 'completed']);
  });

  it('from its BYE: the first call answered before the capture, completed, its duration open at the start', () => {
    const a = cut(5);
    const c = a.calls()[0]!;
    expect([c.type, c.state, c.finalStatus, c.fromUser, c.toUser]).toEqual([
      'call',
      'completed',
      null,
      'sipp',
      'service',
    ]);
    expect([c.pdd, c.setupTime, c.duration, c.startOpen, c.durationOpen]).toEqual([
      null,
      null,
      0.000085,
      true,
      false,
    ]);
    expect(a.diagnostics().map((d) => [d.code, d.frame, d.message])).toEqual([
      [
        'call-start-not-captured',
        1,
        "the call's INVITE is not in the capture (it began before the capture, or the capture missed it): its first message is BYE (CSeq 2); its state is from what was seen, without PDD or setup time",
      ],
    ]);
  });
});

describe('sipp/timer-a.pcap (SIPp UAC → silent SIPp UAS, made by make-timer-a.sh)', () => {
  const { trace, a } = load(path.join(repo, 'test/fixtures/analysis/sipp/timer-a.pcap'));
  it('flags the INVITE retransmissions with Timer A doubling: 0.5, 1, 2, 4, 8 s', () => {
    expect(trace.count).toBe(6);
    const intervals: number[] = [];
    for (let i = 0; i < trace.count; i++) {
      const r = a.retransmission(i);
      expect(a.messageFields(i).retransmission).toBe(i > 0);
      if (r) {
        expect(r.of).toBe(0);
        intervals.push(Math.round(r.intervalUs / 1e5) / 10);
      }
    }
    expect(intervals).toEqual([0.5, 1, 2, 4, 8]);
  });
  it('one INVITE transaction still calling, a call in setup, no storm (5 ≤ 6 retransmissions)', () => {
    const [t] = a.transactions();
    expect(a.transactions()).toHaveLength(1);
    expect(t).toMatchObject({
      kind: 'INVITE',
      state: 'calling',
      requests: 6,
      retransmissions: 5,
      finalStatus: null,
    });
    expect(a.calls()[0]!.state).toBe('setup');
    // The capture stops 15.5 s after the INVITE: before Timer B, so no timeout is claimed.
    expect(a.diagnostics()).toEqual([]);
  });
});
