/**
 * The ports of a lab proxy's media relay (`rtpproxy_manage()` / `rtpengine_manage()` in its
 * script), on real UDP sockets on the proxy's address. What the relay decides — the ports per call,
 * the SDP rewrite, latching, where each packet goes, when a call's ports close — is the simulator's
 * (src/sip-core/elements/media-relay.ts); this file adds the sockets and the trace.
 *
 * Every packet the relay sends is recorded in the lab's live trace's RTP tracker (lab-media.ts
 * `sent`), from the relay's port to where it goes, and every packet it receives from outside the
 * lab (SIPp, a softphone) as it arrives (`received`); a lab phone's packet was recorded when the
 * phone sent it — also when the phone's call ended before the relay read it.
 * So the ladder shows both legs of a relayed stream (phone → proxy, proxy → phone) and the stream
 * analysis has one stream per leg. Ports are claimed in the lab's media port table (lab-media.ts
 * `claim`): a port a phone or another relay holds is skipped; one another program holds fails when
 * bound, said once as an event, and that call's media stops there.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { RelayPort } from '../../sip-core/elements/media-relay';
import type { TransportAddress, TransportListener } from '../../sip-core/stack/transport';
import { closeSocket, type LabMedia } from './lab-media';
import { hostPort } from './source';

/** Most calls one lab proxy relays at once. */
export const LAB_RELAY_MAX_SESSIONS = 128;

/** The relay ports of the proxy at `host`: `bind` for its config, `close` when the lab stops. */
export class LabRelayPorts {
  readonly #open = new Set<Socket>();

  constructor(
    private readonly media: LabMedia,
    private readonly host: string,
    private readonly log: (text: string) => void,
  ) {}

  bind(port: number): RelayPort | null {
    const { media, host } = this;
    if (port < 1 || port > 65535 || !media.claim(host, port)) return null;
    const local: TransportAddress = { host, port, transport: 'UDP' };
    const sock = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    this.#open.add(sock);
    let listener: TransportListener | null = null;
    let closed = false;
    let sendFailed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.#open.delete(sock);
      media.release(host, port);
      try {
        sock.close();
      } catch {
        // already closed
      }
    };
    sock.on('error', (err) => {
      if (!closed) this.log(`media relay: port ${hostPort(host, port)} failed: ${err.message}`);
      close();
    });
    const t: RelayPort = {
      local,
      reliable: false,
      send: (bytes, dest) => {
        if (closed) return { ok: false, error: 'relay port closed' };
        try {
          // (an unreachable or unusable destination: said once, the port stays open for the other side)
          sock.send(bytes, dest.port, dest.host, (err) => {
            if (err && !sendFailed) {
              sendFailed = true;
              this.log(`media relay: sending to ${hostPort(dest.host, dest.port)} failed: ${err.message}`);
            }
          });
        } catch (err) {
          if (!sendFailed) {
            sendFailed = true;
            this.log(
              `media relay: sending to ${hostPort(dest.host, dest.port)} failed: ${(err as Error).message}`,
            );
          }
          return { ok: false, error: (err as Error).message };
        }
        media.sent(host, port, dest.host, dest.port, bytes);
        return { ok: true };
      },
      setListener: (l) => {
        listener = l;
      },
      close,
    };
    sock.on('message', (buf, r) => {
      if (closed) return;
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      // (a lab phone's or another relay's packet was recorded when it was sent)
      media.received(r.address, r.port, host, port, bytes);
      listener?.onMessage(bytes, { host: r.address, port: r.port, transport: 'UDP' }, t);
    });
    sock.bind({ address: host, port, exclusive: true });
    return t;
  }

  /** Closes every port still open (the lab stops). */
  async close(): Promise<void> {
    const all = [...this.#open];
    this.#open.clear();
    await Promise.all(all.map(closeSocket));
  }
}
