/**
 * Agreement with tshark, message by message, on every public capture and every fixture of ours:
 * frame number, time (µs), source and destination address:port, method or status, Call-ID, CSeq,
 * top Via branch, From/To tags, Via and Record-Route value counts. Where we differ on purpose, the
 * reason is written down here and tested.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../helpers/peers';
import {
  compareMessages,
  type ComparableMessage,
  FIXTURES,
  havePublic,
  ingestFile,
  ourMessages,
  PUBLIC_CAPTURES,
  tsharkMessages,
} from '../sip-core/capture/tshark-compare';

const tshark = requirePeer('tshark');

interface Case {
  /** Extra tshark options (decode-as for ports tshark does not try). */
  tsharkArgs?: string[];
  /** Known, explained differences: the exact diff lines expected (anything else fails). */
  expectedDiffs?: (diffs: string[]) => void;
  /** Our messages tshark cannot see, removed before the comparison; `dropped` checks exactly which. */
  dropOurs?: { keep: (m: ComparableMessage) => boolean; dropped: (m: ComparableMessage[]) => void };
  reason?: string;
}

const PUBLIC: Record<string, Case> = {
  'heplify__sip_ipv4_tcp_fragmented.pcap': {
    tsharkArgs: ['-d', 'tcp.port==6060,sip'],
    reason: 'SIP on TCP 6060: tshark only tries SIP there when told (we detect SIP by content on any port)',
  },
  'heplify__sip_ipv6_udp.pcap': {
    reason:
      'the Via sent-by is an IPv6 address without brackets (RFC 3261 §25.1 requires IPv6reference); tshark then reads no Via parameters, we still read the branch',
    expectedDiffs: (d) => {
      expect(d).toHaveLength(6);
      for (const x of d) expect(x).toMatch(/branch: sipscope "z9hG4bKkdjuw\d+", tshark null$/);
    },
  },
  'suricata__sip_compact_form.pcap': {
    reason:
      'the From display name is `\\"arik\\"` (a backslash outside a quoted string, then a quoted string that never ends): the parser reports quoted-string-unterminated and no tag; tshark guesses tag=6433ef9',
    expectedDiffs: (d) =>
      expect(d).toEqual(['message 0 (tshark frame 1) fromTag: sipscope null, tshark "6433ef9"']),
  },
  'suricata__sip_header_multi_val.pcap': {
    reason: 'same From header as sip_compact_form',
    expectedDiffs: (d) =>
      expect(d).toEqual(['message 0 (tshark frame 1) fromTag: sipscope null, tshark "6433ef9"']),
  },
  'hepws__hep.pcap': {
    reason:
      'tshark 4.0 has no HEP dissector: it shows UDP :9060 datagrams, no SIP; we decode the SIP inside HEP',
    expectedDiffs: (d) => expect(d).toEqual(['count: sipscope 6, tshark 0']),
  },
  'hepws__hep3_compressed.pcapng': {
    reason: 'no HEP dissector in tshark 4.0 (and the payload is compressed)',
    expectedDiffs: (d) => expect(d).toEqual(['count: sipscope 21, tshark 0']),
  },
};

describe.skipIf(!tshark || !havePublic)('tshark agreement: public captures', () => {
  const files = havePublic ? readdirSync(PUBLIC_CAPTURES).filter((f) => !f.endsWith('.md')) : [];
  for (const f of files) {
    const c = PUBLIC[f] ?? {};
    it(`${f}${c.reason ? ` (${c.reason.slice(0, 60)}…)` : ''}`, () => {
      const file = `${PUBLIC_CAPTURES}/${f}`;
      const theirs = tsharkMessages(tshark!, file, c.tsharkArgs);
      const ours = ourMessages(ingestFile(file));
      const diffs = compareMessages(ours, theirs);
      if (c.expectedDiffs) c.expectedDiffs(diffs);
      else expect(diffs).toEqual([]);
    });
  }

  it('HEP: the SIP we decode is the SIP inside the UDP :9060 payloads tshark shows', () => {
    const file = `${PUBLIC_CAPTURES}/hepws__hep.pcap`;
    const hex = execFileSync(
      tshark!,
      ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'udp.payload'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const payloadByFrame = new Map(
      hex
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
        .map(([n, h]) => [Number(n), Buffer.from(h ?? '', 'hex').toString('latin1')]),
    );
    const ours = ourMessages(ingestFile(file));
    expect(ours.length).toBe(6);
    for (const m of ours) expect(payloadByFrame.get(m.frame)).toContain(m.callId);
  });
});

describe.skipIf(!tshark)('tshark agreement: our fixtures', () => {
  const files = existsSync(FIXTURES)
    ? readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng|gz)$/.test(f))
    : [];
  it('fixtures exist', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    const c = FIXTURE_CASES[f] ?? {};
    it(f, () => {
      const file = `${FIXTURES}/${f}`;
      const theirs = tsharkMessages(tshark!, file, c.tsharkArgs);
      const all = ourMessages(ingestFile(file));
      const ours = c.dropOurs ? all.filter(c.dropOurs.keep) : all;
      if (c.dropOurs) c.dropOurs.dropped(all.filter((m) => !c.dropOurs!.keep(m)));
      const diffs = compareMessages(ours, theirs);
      if (c.expectedDiffs) c.expectedDiffs(diffs);
      else expect(diffs).toEqual([]);
      expect(all.length).toBeGreaterThan(0);
    });
  }
});

/** Fixture-specific tshark options and explained differences (fixtures: test/fixtures/capture/make-*.{py,sh}). */
const FIXTURE_CASES: Record<string, Case> = {
  'tcp-segmentation.pcap': {
    // tshark 4.0 only reassembles out-of-order segments with this preference (off by default).
    tsharkArgs: ['-o', 'tcp.reassemble_out_of_order:TRUE'],
    reason:
      'frame 8 re-sends 10 bytes already received and carries 500 new ones (OPTIONS + MESSAGE); tshark flags it as a retransmission and drops the new bytes, a TCP receiver (RFC 9293 §3.10.7.4) keeps them',
    dropOurs: {
      keep: (m) => m.frame !== 8,
      dropped: (d) =>
        expect(d.map((m) => [m.frame, m.method, m.callId])).toEqual([
          [8, 'OPTIONS', 'tcp-2@a'],
          [8, 'MESSAGE', 'tcp-3@a'],
        ]),
    },
  },
  'hep.pcap': {
    reason: 'tshark 4.0 has no HEP dissector',
    expectedDiffs: (d) => expect(d).toEqual(['count: sipscope 3, tshark 0']),
  },
};
