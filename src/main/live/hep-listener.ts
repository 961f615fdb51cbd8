/**
 * HEP collector: receives HEP v1/v2/v3 (Homer Encapsulation Protocol) over UDP and HEP3 over TCP,
 * the way Kamailio's `siptrace` (hep_mode_on), OpenSIPS, FreeSWITCH, Asterisk and heplify send
 * captured SIP. The addresses, ports, time and transport of each message come from the HEP header
 * (decoded by the capture engineer's `unwrap/hep.ts`), not from the packet that carried it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket as TcpSocket } from 'node:net';
import { zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { frameDatagram } from '../../sip-core/capture/sip-framing';
import { decodeHep, hep3Length, hepVersion, newHepPacket } from '../../sip-core/capture/unwrap/hep';
import type { TransportName } from '../../sip-core/capture/provenance';
import { LiveTrace } from './live-trace';
import { hostPort, newStats, type LiveSource, type LiveTraceChoice } from './source';
import { epochMicros } from './time';

export interface HepListenerOptions extends LiveTraceChoice {
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Port for both UDP and TCP; default 9060 (0: a free port, possibly different for UDP and TCP). */
  port?: number;
  udp?: boolean;
  tcp?: boolean;
}

const HEP3_MAX = 65535;

/** Starts a HEP collector; resolves once it listens. */
export async function startHepListener(opts: HepListenerOptions = {}): Promise<LiveSource> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 9060;
  const wantUdp = opts.udp ?? true;
  const wantTcp = opts.tcp ?? true;
  if (!wantUdp && !wantTcp) throw new Error('HEP listener: choose UDP, TCP or both');
  const fam = isIP(host);
  if (fam === 0) throw new Error(`HEP listener: bind address must be an IP address, not "${host}"`);
  const live = new LiveTrace({
    name: `HEP ${hostPort(host, port)}`,
    format: 'live-hep',
    limit: opts.limit,
    batchMs: opts.batchMs,
    pcap: opts.pcap,
  });
  const stats = newStats();
  const h = newHepPacket();
  const names = live.addresses.names;

  const onPacket = (buf: Uint8Array, start: number, end: number, carrier: string): void => {
    stats.packets++;
    if (hepVersion(buf, start, end) === 0) {
      stats.malformed++;
      live.countUndecoded('notHep');
      return;
    }
    const ok = decodeHep(buf, start, end, live.addresses, zlibInflate, h);
    if (!ok) {
      stats.malformed++;
      live.countUndecoded(h.problem ?? 'hepMalformed');
      if (h.problem)
        live.diagnostic({
          code: h.problem,
          severity: 'warning',
          layer: 'hep',
          message: `HEP packet from ${carrier}: ${h.problem}`,
        });
      return;
    }
    if (h.protoType !== 1) {
      stats.ignored++;
      live.countUndecoded('hepNonSip');
      return;
    }
    const f = frameDatagram(h.payload, h.payloadStart, h.payloadEnd);
    if (!f) {
      stats.ignored++;
      live.countUndecoded('hepNonSip');
      return;
    }
    const transport: TransportName = h.ipProto === 6 ? 'TCP' : h.ipProto === 132 ? 'SCTP' : 'UDP';
    stats.messages++;
    live.add({
      buf: h.payload,
      start: f.start,
      end: f.end,
      timeUs: h.timeUs >= 0 ? h.timeUs : epochMicros(),
      srcHost: names[h.src] ?? '0.0.0.0',
      srcPort: h.srcPort,
      dstHost: names[h.dst] ?? '0.0.0.0',
      dstPort: h.dstPort,
      transport,
      reassembly: 'hep',
      hepCorrelationId: h.correlationId,
      comment: `HEP v${h.version} capture id ${h.captureId} via ${carrier}`,
    });
  };

  const listening: string[] = [];
  let udp: Socket | null = null;
  let tcp: Server | null = null;
  const conns = new Set<TcpSocket>();
  let udpPort = port;
  try {
    if (wantUdp) {
      const s = createSocket({ type: fam === 6 ? 'udp6' : 'udp4', ipv6Only: fam === 6 });
      udp = s;
      await new Promise<void>((res, rej) => {
        s.once('error', rej);
        s.bind({ address: host, port, exclusive: true }, () => {
          s.off('error', rej);
          res();
        });
      });
      try {
        s.setRecvBufferSize(8 * 1024 * 1024);
      } catch {
        // not permitted: keep the default
      }
      s.on('error', () => undefined);
      udpPort = s.address().port;
      s.on('message', (msg, rinfo) =>
        onPacket(
          new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
          0,
          msg.byteLength,
          `udp ${hostPort(rinfo.address, rinfo.port)}`,
        ),
      );
      listening.push(`HEP udp ${hostPort(host, udpPort)}`);
    }
    if (wantTcp) {
      const srv = createServer((sock) => {
        conns.add(sock);
        const carrier = `tcp ${hostPort(sock.remoteAddress ?? '?', sock.remotePort ?? 0)}`;
        let buf = new Uint8Array(0);
        sock.on('data', (chunk: Buffer) => {
          const merged = new Uint8Array(buf.length + chunk.length);
          merged.set(buf);
          merged.set(chunk, buf.length);
          let p = 0;
          while (merged.length - p >= 6) {
            if (hepVersion(merged, p, merged.length) !== 3) {
              // HEP over TCP is HEP3 only (it carries its own length); anything else ends the stream.
              stats.malformed++;
              live.countUndecoded('hepTcpNotHep3');
              sock.destroy();
              return;
            }
            const len = hep3Length(merged, p, merged.length);
            if (len < 6 || len > HEP3_MAX) {
              stats.malformed++;
              sock.destroy();
              return;
            }
            if (merged.length - p < len) break;
            onPacket(merged, p, p + len, carrier);
            p += len;
          }
          buf = merged.slice(p);
        });
        sock.on('error', () => undefined);
        sock.on('close', () => conns.delete(sock));
      });
      tcp = srv;
      // With port 0, try the UDP port so both share one number.
      const tcpPort = port === 0 && wantUdp ? udpPort : port;
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen({ host, port: tcpPort, exclusive: true, ipv6Only: fam === 6 }, () => {
          srv.off('error', rej);
          res();
        });
      });
      srv.on('error', () => undefined);
      const a = srv.address();
      listening.push(`HEP tcp ${hostPort(host, typeof a === 'object' && a ? a.port : tcpPort)}`);
    }
  } catch (err) {
    udp?.close();
    tcp?.close();
    live.close();
    throw new Error(`HEP listener: cannot listen on ${hostPort(host, port)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let resolveDone: (reason: string) => void = () => undefined;
  const done = new Promise<string>((res) => (resolveDone = res));
  let stopped = false;
  return {
    name: `HEP ${hostPort(host, udpPort)}`,
    listening,
    live,
    stats,
    done,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of conns) c.destroy();
      await Promise.all([
        udp ? new Promise<void>((res) => udp!.close(() => res())) : null,
        tcp ? new Promise<void>((res) => tcp!.close(() => res())) : null,
      ]);
      live.close();
      resolveDone('stopped');
    },
  };
}
