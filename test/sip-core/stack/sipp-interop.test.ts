/**
 * The transaction layer against SIPp on real loopback UDP sockets (the live transport), in real
 * time: SIPp's built-in `uac` calls our UAS test double, and our UAC test double calls SIPp's `uas`.
 * Skipped (loudly) when sipp is not installed.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePeer } from '../../helpers/peers';
import { openUdpTransport } from '../../../src/main/live/transport';
import type { UdpTransport } from '../../../src/main/live/transport';
import { buildRequest, buildResponseTo } from '../../../src/sip-core/message';
import type { SipMessage } from '../../../src/sip-core/message';
import { SeededIdSource } from '../../../src/sip-core/stack/clock';
import { RealClock } from '../../../src/sip-core/stack/clock.node';
import { TransactionLayer } from '../../../src/sip-core/stack/transaction';
import type { ServerTransaction, TransactionLayerUser } from '../../../src/sip-core/stack/transaction';

const sipp = requirePeer('sipp');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function runSipp(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(sipp!, [...args, '-nostdin', '-timeout', '15s', '-timeout_error'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

const open: { transport: UdpTransport; clock: RealClock }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.clock.cancelAll();
    await o.transport.close();
  }
});

describe.skipIf(!sipp)('transaction layer ↔ SIPp over real UDP (127.0.0.1)', () => {
  it('SIPp uac → our UAS: INVITE (retransmitted by SIPp, absorbed)/180/200, ACK (stray, end-to-end), BYE/200', async () => {
    const transport = await openUdpTransport({ host: '127.0.0.1', port: 0 });
    const clock = new RealClock();
    open.push({ transport, clock });
    const seen: string[] = [];
    // Our UAS answers after 1.7 s, so SIPp retransmits the INVITE (Timer A, 500 ms) meanwhile.
    const uas: TransactionLayerUser = {
      onNewRequest(tx: ServerTransaction, req: SipMessage) {
        seen.push(`new ${req.method}`);
        const contact: [string, string][] = [['Contact', `<sip:uas@127.0.0.1:${transport.local.port}>`]];
        if (req.method === 'INVITE') {
          clock.schedule(1_700_000, () => {
            tx.respond(buildResponseTo(req, 180, { toTag: 'uas1', headers: contact }));
            tx.respond(buildResponseTo(req, 200, { toTag: 'uas1', headers: contact }));
          });
        } else tx.respond(buildResponseTo(req, 200, { toTag: 'uas1' }));
      },
      onStrayAck: () => void seen.push('ack'),
    };
    // No automatic 100 Trying, so SIPp keeps retransmitting the INVITE until our 180.
    new TransactionLayer({ clock, transports: transport, user: uas, inviteServer: { trying: 'never' } });
    const port = await freePort();
    const r = await runSipp([
      '-sn',
      'uac',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      `127.0.0.1:${transport.local.port}`,
    ]);
    expect(r.code, r.out.slice(-2000)).toBe(0);
    expect(seen).toEqual(['new INVITE', 'ack', 'new BYE']);
    // INVITE at 0, 0.5 s and 1.5 s (SIPp Timer A), then ACK and BYE: the retransmissions reached us and were absorbed.
    expect(transport.stats.received).toBeGreaterThanOrEqual(5);
  });

  it('our UAC → SIPp uas: INVITE client transaction gets 180/200, we ACK the 2xx and BYE in a non-INVITE client transaction', async () => {
    const transport = await openUdpTransport({ host: '127.0.0.1', port: 0 });
    const clock = new RealClock();
    open.push({ transport, clock });
    const port = await freePort();
    const sippAddr = { host: '127.0.0.1', port, transport: 'UDP' as const };
    const ids = new SeededIdSource(42);
    const me = `127.0.0.1:${transport.local.port}`;
    const callId = ids.callId('127.0.0.1');
    const common = (cseq: string, toTag: string | null): [string, string][] => [
      ['Max-Forwards', '70'],
      ['From', `<sip:alice@${me}>;tag=alice1`],
      ['To', `<sip:service@127.0.0.1:${port}>${toTag ? `;tag=${toTag}` : ''}`],
      ['Call-ID', callId],
      ['CSeq', cseq],
      ['Contact', `<sip:alice@${me}>`],
    ];
    const log: string[] = [];
    let sippRun: Promise<{ code: number | null; out: string }> = Promise.resolve({ code: null, out: '' });
    const done = new Promise<void>((resolve) => {
      const uac: TransactionLayerUser = {
        onNewRequest: () => undefined,
        onResponse(_tx, res) {
          log.push(`${res.status} ${res.cseqMethod}`);
          if (res.status === 200 && res.cseqMethod === 'INVITE') {
            const route: [string, string][] = [
              ['Via', `SIP/2.0/UDP ${me};branch=${ids.branch()}`],
              ...common('1 ACK', res.toTag),
            ];
            layer.sendStateless(
              buildRequest({ method: 'ACK', uri: `sip:service@127.0.0.1:${port}`, headers: route }),
              sippAddr,
            );
            clock.schedule(200_000, () =>
              layer.sendRequest(
                buildRequest({
                  method: 'BYE',
                  uri: `sip:service@127.0.0.1:${port}`,
                  headers: [
                    ['Via', `SIP/2.0/UDP ${me};branch=${ids.branch()}`],
                    ...common('2 BYE', res.toTag),
                  ],
                }),
                sippAddr,
              ),
            );
          }
          if (res.status === 200 && res.cseqMethod === 'BYE') resolve();
        },
      };
      const layer = new TransactionLayer({ clock, transports: transport, user: uac });
      sippRun = runSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-m', '1']);
      // Give SIPp a moment to bind, then call it.
      clock.schedule(500_000, () =>
        layer.sendRequest(
          buildRequest({
            method: 'INVITE',
            uri: `sip:service@127.0.0.1:${port}`,
            headers: [
              ['Via', `SIP/2.0/UDP ${me};branch=${ids.branch()}`],
              ...common('1 INVITE', null),
              ['Content-Type', 'application/sdp'],
            ],
            body: `v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n`,
          }),
          sippAddr,
        ),
      );
    });
    await done;
    const r = await sippRun;
    expect(r.code, r.out.slice(-2000)).toBe(0);
    expect(log).toEqual(['180 INVITE', '200 INVITE', '200 BYE']);
  });
});
