/**
 * ForwardEdits (a proxy's usual forwarding edits written straight from the received bytes, RFC 3261
 * §16.6) against MessagePatch as the oracle: for every request layout below and every sequence of
 * the usual edits, either the same bytes as the patch, or null (the request does not fit: the patch
 * takes over) — and the common layouts must fit. An edit it does not keep hands the edits made so
 * far to a patch (replayInto), which then gives the same bytes as a patch that made them all.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message';
import { MessagePatch } from '../../../src/sip-core/elements/message-patch';
import { ForwardEdits } from '../../../src/sip-core/elements/forward-edits';

const enc = new TextEncoder();
const dec = new TextDecoder();
const msg = (lines: string[]): ReturnType<typeof parseMessage> =>
  parseMessage(enc.encode(lines.join('\r\n')));

const VIA_HEAD = enc.encode('Via: SIP/2.0/UDP 192.0.2.30:5060;branch=');
const RR = enc.encode('Record-Route: <sip:192.0.2.30:5060;lr>\r\n');
const NEW_VIA = enc.encode(
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport=5060;received=192.0.2.10\r\n',
);

const body = ['Content-Length: 4', '', 'v=0\n'];
/** Request layouts, named by what they exercise; `fits`: the fast edits must apply. */
const LAYOUTS: { name: string; fits: boolean; lines: string[] }[] = [
  {
    name: 'INVITE from a phone (one Via, no Route)',
    fits: true,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport',
      'Max-Forwards: 70',
      'From: <sip:alice@atlanta.example.com>;tag=1928301774',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: a84b4c76e66710',
      'CSeq: 314159 INVITE',
      ...body,
    ],
  },
  {
    name: 'BYE with a Route of one value (loose routing)',
    fits: true,
    lines: [
      'BYE sip:bob@192.0.2.40:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKb2;rport',
      'Max-Forwards: 70',
      'Route: <sip:192.0.2.30:5060;lr>',
      'From: <sip:alice@atlanta.example.com>;tag=1928301774',
      'To: <sip:bob@biloxi.example.com>;tag=x',
      'Call-ID: a84b4c76e66710',
      'CSeq: 2 BYE',
      'Content-Length: 0',
      '',
      '',
    ],
  },
  {
    name: 'second proxy: two Via fields, a Record-Route, Route first in the section',
    fits: true,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Route: <sip:192.0.2.31;lr>',
      'Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKp1',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;received=192.0.2.10;rport=5060',
      'Record-Route: <sip:192.0.2.30:5060;lr>',
      'Max-Forwards: 69',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...body,
    ],
  },
  {
    name: 'Via not first, Max-Forwards first',
    fits: true,
    lines: [
      'OPTIONS sip:bob@biloxi.example.com SIP/2.0',
      'Max-Forwards: 5',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 OPTIONS',
      ...body,
    ],
  },
  {
    name: 'compact forms (v:, i:, l:)',
    fits: true,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport',
      'Max-Forwards: 1',
      'f: <sip:alice@atlanta.example.com>;tag=1',
      't: <sip:bob@biloxi.example.com>',
      'i: c1',
      'CSeq: 1 INVITE',
      'l: 4',
      '',
      'v=0\n',
    ],
  },
  {
    name: 'Via and Route fields of two values',
    fits: true, // it fits; the top-Via and Route edits go to the patch
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.31;branch=z9hG4bKq, SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKa1',
      'Route: <sip:192.0.2.30;lr>, <sip:192.0.2.32;lr>',
      'Max-Forwards: 70',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...body,
    ],
  },
  {
    name: 'no Max-Forwards',
    fits: true,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...body,
    ],
  },
  {
    name: 'two Max-Forwards fields',
    fits: false,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1',
      'Max-Forwards: 70',
      'Max-Forwards: 9',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...body,
    ],
  },
  {
    name: 'Max-Forwards not plain digits',
    fits: false,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1',
      'Max-Forwards: +7',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      ...body,
    ],
  },
  {
    name: 'Content-Length off',
    fits: false,
    lines: [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1',
      'Max-Forwards: 70',
      'From: <sip:alice@atlanta.example.com>;tag=1',
      'To: <sip:bob@biloxi.example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Content-Length: 9',
      '',
      'v=0\n',
    ],
  },
];

type Op = 'mf' | 'rr' | 'via' | 'route';
/** Edit sequences as a proxy makes them (mf_process_maxfwd_header, loose_route, t_relay's prepare). */
const SEQUENCES: Op[][] = [
  ['mf', 'rr', 'via'],
  ['mf', 'via'],
  ['mf', 'route', 'rr', 'via'],
  ['route', 'mf', 'via'],
  ['mf'],
  [],
  ['rr'],
  ['via', 'rr'], // Record-Route after the Via line: the patch keeps that order
];
const URIS = [null, 'sip:bob@192.0.2.40'];

function applyPatch(p: MessagePatch, op: Op): void {
  if (op === 'mf') p.decrementMaxForwards();
  else if (op === 'rr') p.addHeaderBytes('Record-Route', RR, 'top');
  else if (op === 'via') {
    p.removeFirstValue('via');
    p.addHeaderBytes('Via', NEW_VIA, 'top');
  } else p.removeFirstValue('route');
}

/** The ops through ForwardEdits, each one it does not keep handed to a patch made from it (as the proxy does). */
function viaFast(
  m: ReturnType<typeof parseMessage>,
  ops: Op[],
  uri: string | null,
): { bytes: string; fast: boolean } {
  const f = new ForwardEdits(m);
  let patch: MessagePatch | null = null;
  const editor = (): MessagePatch => {
    if (!patch) {
      patch = new MessagePatch(m);
      f.replayInto(patch);
    }
    return patch;
  };
  for (const op of ops) {
    const kept =
      patch === null &&
      (op === 'mf'
        ? f.decrementMaxForwards()
        : op === 'rr'
          ? f.addRecordRoute(RR)
          : op === 'via'
            ? f.replaceTopVia(NEW_VIA)
            : f.removeTopRoute());
    if (!kept) applyPatch(editor(), op);
  }
  const received = m.requestUri;
  const target = uri ?? received ?? '';
  const out = patch === null ? f.toBytes(target, received, VIA_HEAD, 'z9hG4bKp9.0') : null;
  if (out) return { bytes: dec.decode(out), fast: true };
  const p = editor();
  if (target !== p.currentRequestUri) p.setRequestUri(target);
  return { bytes: dec.decode(p.toBytes('z9hG4bKp9.0', VIA_HEAD)), fast: false };
}

function viaPatch(m: ReturnType<typeof parseMessage>, ops: Op[], uri: string | null): string {
  const p = new MessagePatch(m);
  for (const op of ops) applyPatch(p, op);
  const target = uri ?? m.requestUri ?? '';
  if (target !== p.currentRequestUri) p.setRequestUri(target);
  return dec.decode(p.toBytes('z9hG4bKp9.0', VIA_HEAD));
}

describe('ForwardEdits writes what MessagePatch writes for the usual forwarding edits', () => {
  for (const l of LAYOUTS)
    it(`${l.name}: same bytes for every edit sequence${l.fits ? ', written without a patch' : ', through the patch'}`, () => {
      for (const ops of SEQUENCES)
        for (const uri of URIS) {
          const m = msg(l.lines);
          const fast = viaFast(m, ops, uri);
          expect(fast.bytes, `${ops.join(',')} ${uri}`).toBe(viaPatch(msg(l.lines), ops, uri));
          if (!l.fits) expect(fast.fast).toBe(false);
        }
      if (l.fits) expect(viaFast(msg(l.lines), ['rr'], null).fast).toBe(true);
    });

  it('a forwarded INVITE: our Via, the received Via with received/rport, Record-Route, Max-Forwards 69', () => {
    const m = msg(LAYOUTS[0]!.lines);
    const r = viaFast(m, ['mf', 'rr', 'via'], 'sip:bob@192.0.2.40');
    expect(r.fast).toBe(true);
    expect(r.bytes.split('\r\n').slice(0, 5)).toEqual([
      'INVITE sip:bob@192.0.2.40 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKp9.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1;rport=5060;received=192.0.2.10',
      'Record-Route: <sip:192.0.2.30:5060;lr>',
      'Max-Forwards: 69',
    ]);
    expect(parseMessage(enc.encode(r.bytes)).kind).toBe('request');
  });
});
