/**
 * UDP mirror listener: SIP copies sent to a port (a switch/SBC "mirror to collector" rule, or
 * `siptrace` with `duplicate_uri` and `hep_mode_on=0`). Each datagram is one SIP message; the
 * original addresses are not known, so a message is recorded as sent from the mirroring host to the
 * listener. Datagrams that are HEP are decoded as HEP (then the real addresses are known).
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { frameDatagram } from '../../sip-core/capture/sip-framing';
import { decodeHep, hepVersion, newHepPacket } from '../../sip-core/capture/unwrap/hep';
import { LiveTrace } from './live-trace';
import { hostPort, newStats, type LiveSource, type LiveTraceChoice } from './source';
import { epochMicros } from './time';

export interface UdpMirrorOptions extends LiveTraceChoice {
  host?: string;
  /** Port to listen on (0: a free port). */
  port: number;
}

export async function startUdpMirror(opts: UdpMirrorOptions): Promise<LiveSource> {
  const host = opts.host ?? '127.0.0.1';
  const fam = isIP(host);
  if (fam === 0) throw new Error(`UDP mirror: bind address must be an IP address, not "${host}"`);
  const s = createSocket({ type: fam === 6 ? 'udp6' : 'udp4', ipv6Only: fam === 6 });
  try {
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind({ address: host, port: opts.port, exclusive: true }, () => {
        s.off('error', rej);
        res();
      });
    });
  } catch (err) {
    s.close();
    throw new Error(`UDP mirror: cannot listen on ${hostPort(host, opts.port)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    s.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    // not permitted: keep the default
  }
  s.on('error', () => undefined);
  const port = s.address().port;
  const live = new LiveTrace({
    name: `UDP mirror ${hostPort(host, port)}`,
    format: 'live-mirror',
    limit: opts.limit,
    batchMs: opts.batchMs,
    pcap: opts.pcap,
  });
  const stats = newStats();
  const h = newHepPacket();
  s.on('message', (msg, rinfo) => {
    stats.packets++;
    const buf = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    if (hepVersion(buf, 0, buf.length) !== 0) {
      if (!decodeHep(buf, 0, buf.length, live.addresses, zlibInflate, h) || h.protoType !== 1) {
        stats.ignored++;
        live.countUndecoded('hepNonSip');
        return;
      }
      const f = frameDatagram(h.payload, h.payloadStart, h.payloadEnd);
      if (!f) {
        stats.ignored++;
        return;
      }
      stats.messages++;
      const names = live.addresses.names;
      live.add({
        buf: h.payload,
        start: f.start,
        end: f.end,
        timeUs: h.timeUs >= 0 ? h.timeUs : epochMicros(),
        srcHost: names[h.src] ?? '0.0.0.0',
        srcPort: h.srcPort,
        dstHost: names[h.dst] ?? '0.0.0.0',
        dstPort: h.dstPort,
        transport: h.ipProto === 6 ? 'TCP' : 'UDP',
        reassembly: 'hep',
        hepCorrelationId: h.correlationId,
      });
      return;
    }
    const f = frameDatagram(buf, 0, buf.length);
    if (!f) {
      stats.ignored++;
      live.countUndecoded('udpNonSip');
      return;
    }
    stats.messages++;
    live.add({
      buf,
      start: f.start,
      end: f.end,
      timeUs: epochMicros(),
      srcHost: rinfo.address,
      srcPort: rinfo.port,
      dstHost: host,
      dstPort: port,
      transport: 'UDP',
      comment: 'mirrored copy: addresses are the mirror sender and this listener',
    });
  });
  let resolveDone: (r: string) => void = () => undefined;
  const done = new Promise<string>((res) => (resolveDone = res));
  let stopped = false;
  return {
    name: `UDP mirror ${hostPort(host, port)}`,
    listening: [`mirror udp ${hostPort(host, port)}`],
    live,
    stats,
    done,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((res) => s.close(() => res()));
      live.close();
      resolveDone('stopped');
    },
  };
}
