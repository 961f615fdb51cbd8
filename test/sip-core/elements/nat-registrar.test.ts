import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip-core/message';
import { NO_EVENTS } from '../../../src/sip-core/elements/events';
import { NatBox, type NatType } from '../../../src/sip-core/elements/nat';
import { LocationService } from '../../../src/sip-core/elements/registrar';
import { SECOND } from '../../../src/sip-core/stack/clock';
import type { TransportAddress } from '../../../src/sip-core/stack/transport';

const inside: TransportAddress = { host: '192.168.1.10', port: 5060, transport: 'UDP' };
const server: TransportAddress = { host: '198.51.100.10', port: 5060, transport: 'UDP' };
const nat = (type: NatType, timeout = 30 * SECOND): NatBox =>
  new NatBox(
    {
      name: 'N',
      type,
      publicIp: '203.0.113.5',
      insideIp: '192.168.1.1',
      timeout,
      hairpin: false,
      alg: false,
      portBase: 20000,
    },
    NO_EVENTS,
  );

describe('NAT box filtering (RFC 4787 §5)', () => {
  const cases: [NatType, TransportAddress, boolean][] = [
    ['full-cone', { host: '198.51.100.99', port: 7000, transport: 'UDP' }, true],
    ['restricted', { host: '198.51.100.10', port: 7000, transport: 'UDP' }, true],
    ['restricted', { host: '198.51.100.99', port: 5060, transport: 'UDP' }, false],
    ['port-restricted', { host: '198.51.100.10', port: 7000, transport: 'UDP' }, false],
    ['port-restricted', server, true],
    ['symmetric', server, true],
    ['symmetric', { host: '198.51.100.10', port: 7000, transport: 'UDP' }, false],
  ];
  for (const [type, from, allowed] of cases) {
    it(`${type}: a packet from ${from.host}:${from.port} is ${allowed ? 'let in' : 'dropped'}`, () => {
      const n = nat(type);
      const pub = n.outbound(inside, server, 0);
      const r = n.inbound(from, pub.port, 1000);
      expect('to' in r).toBe(allowed);
    });
  }
  it('a symmetric NAT gives each destination its own public port; a cone NAT keeps one', () => {
    const s = nat('symmetric');
    expect(s.outbound(inside, server, 0).port).not.toBe(
      s.outbound(inside, { ...server, port: 3478 }, 0).port,
    );
    const c = nat('full-cone');
    expect(c.outbound(inside, server, 0).port).toBe(c.outbound(inside, { ...server, port: 3478 }, 0).port);
  });
  it('an idle binding times out', () => {
    const n = nat('full-cone', 20 * SECOND);
    const pub = n.outbound(inside, server, 0);
    expect('drop' in n.inbound(server, pub.port, 21 * SECOND)).toBe(true);
  });
});

describe('registrar / location service (RFC 3261 §10.3)', () => {
  const reg = (contact: string, extra = '', cseq = 1): ReturnType<typeof parseMessage> =>
    parseMessage(
      new TextEncoder().encode(
        `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:bob@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: r1\r\nCSeq: ${cseq} REGISTER\r\n${contact ? `Contact: ${contact}\r\n` : ''}${extra}Content-Length: 0\r\n\r\n`,
      ),
    );
  it('keeps several contacts per AOR, highest q first, and lists them in the 200 OK', () => {
    const l = new LocationService('R', NO_EVENTS);
    expect(
      l.register(reg('<sip:bob@192.0.2.4>;q=0.5, <sip:bob@192.0.2.5>;q=1.0', 'Expires: 600\r\n'), 0, null)
        .headers,
    ).toHaveLength(2);
    expect(l.lookup('sip:bob@example.com', 0).map((b) => b.contact)).toEqual([
      'sip:bob@192.0.2.5',
      'sip:bob@192.0.2.4',
    ]);
  });
  it('expires bindings, removes one with expires=0, and all with Contact: * and Expires: 0', () => {
    const l = new LocationService('R', NO_EVENTS);
    l.register(reg('<sip:bob@192.0.2.4>;expires=60, <sip:bob@192.0.2.5>'), 0, null);
    l.register(reg('<sip:bob@192.0.2.5>;expires=0', '', 2), 0, null);
    expect(l.lookup('sip:bob@example.com', 0).map((b) => b.contact)).toEqual(['sip:bob@192.0.2.4']);
    expect(l.lookup('sip:bob@example.com', 61 * SECOND)).toEqual([]);
    l.register(reg('<sip:bob@192.0.2.6>', '', 3), 0, null);
    expect(l.register(reg('*', '', 4), 0, null).status).toBe(400); // "*" needs Expires: 0
    expect(l.lookup('sip:bob@example.com', 0).length).toBe(1);
    l.register(reg('*', 'Expires: 0\r\n', 5), 0, null);
    expect(l.lookup('sip:bob@example.com', 0)).toEqual([]);
  });
  it('ignores an update with the same Call-ID and a CSeq that is not higher', () => {
    const l = new LocationService('R', NO_EVENTS);
    l.register(reg('<sip:bob@192.0.2.4>', 'Expires: 600\r\n', 5), 0, null);
    l.register(reg('<sip:bob@192.0.2.4>', 'Expires: 0\r\n', 4), 0, null);
    expect(l.lookup('sip:bob@example.com', 0).length).toBe(1);
  });
});
