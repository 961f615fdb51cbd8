/**
 * A NAT box (RFC 4787 vocabulary): endpoint-independent mapping with full-cone, address-restricted
 * or port-restricted filtering, or a symmetric NAT (address-and-port-dependent mapping); binding
 * timeouts, hairpinning, and an optional SIP ALG that rewrites private addresses in SIP headers and
 * SDP. The simulated network asks it to translate packets; it never touches a socket.
 */
import type { Micros } from '../stack/clock';
import type { TransportAddress } from '../stack/transport';
import type { EventSink } from './events';

export type NatType = 'full-cone' | 'restricted' | 'port-restricted' | 'symmetric';

export interface NatConfig {
  name: string;
  type: NatType;
  /** Address on the public side. */
  publicIp: string;
  /** Address of the box on the private side (the hosts' default gateway). */
  insideIp: string;
  /** Idle time after which a binding is dropped (default 30 s, RFC 4787 REQ-5 allows ≥ 2 min; home NATs often use 30 s). */
  timeout: Micros;
  /** Hairpinning (RFC 4787 §6): inside hosts reach each other through the public address. */
  hairpin: boolean;
  /** SIP ALG: rewrite private addresses in SIP headers and SDP. */
  alg: boolean;
  /** First public port handed out. */
  portBase: number;
}

interface Binding {
  inside: TransportAddress;
  publicPort: number;
  /** Remote destination of a symmetric mapping (null: endpoint-independent). */
  remote: string | null;
  /** Remote "ip" and "ip:port" this binding has sent to (filtering). */
  sentTo: Set<string>;
  lastUsed: Micros;
  /** An ALG pinhole: accepts packets from any remote. */
  open?: boolean;
}

export class NatBox {
  private readonly byInside = new Map<string, Binding>();
  private readonly byPort = new Map<number, Binding>();
  private nextPort: number;

  constructor(
    readonly config: NatConfig,
    private readonly events: EventSink,
  ) {
    this.nextPort = config.portBase;
  }

  get name(): string {
    return this.config.name;
  }

  /** Current bindings (for display). */
  bindings(now: Micros): { inside: string; public: string; remote: string | null; idle: Micros }[] {
    return [...this.byPort.values()].map((b) => ({
      inside: `${b.inside.host}:${b.inside.port}`,
      public: `${this.config.publicIp}:${b.publicPort}`,
      remote: b.remote,
      idle: now - b.lastUsed,
    }));
  }

  private expired(b: Binding, now: Micros): boolean {
    return now - b.lastUsed > this.config.timeout;
  }

  /**
   * A binding is found expired only when a packet meets it: the text says when it really ended, so
   * "removed" at the packet's time does not read as a longer timeout than the NAT's.
   */
  private timeoutReason(b: Binding): string {
    const s = (t: Micros): string => `${+(t / 1_000_000).toFixed(3)} s`;
    return `timeout: idle since ${s(b.lastUsed)}, expired at ${s(b.lastUsed + this.config.timeout)}`;
  }

  private drop(b: Binding, now: Micros, why: string, text = why): void {
    this.byPort.delete(b.publicPort);
    this.byInside.delete(this.insideKey(b.inside, b.remote));
    this.emit(
      now,
      'nat-binding',
      `binding ${b.inside.host}:${b.inside.port} -> ${this.config.publicIp}:${b.publicPort} removed (${text})`,
      {
        inside: `${b.inside.host}:${b.inside.port}`,
        public: `${this.config.publicIp}:${b.publicPort}`,
        removed: why,
      },
    );
  }

  private insideKey(a: TransportAddress, remote: string | null): string {
    return `${a.host}:${a.port}/${a.transport}${remote ? `>${remote}` : ''}`;
  }

  /** Outbound packet from `inside` to `dest`: returns the public source address to use. */
  outbound(inside: TransportAddress, dest: TransportAddress, now: Micros): TransportAddress {
    const remote = this.config.type === 'symmetric' ? `${dest.host}:${dest.port}` : null;
    const key = this.insideKey(inside, remote);
    let b = this.byInside.get(key) ?? this.byInside.get(this.insideKey(inside, null));
    if (b && !b.open && b.remote !== remote) b = undefined;
    if (b && this.expired(b, now)) {
      this.drop(b, now, 'timeout', this.timeoutReason(b));
      b = undefined;
    }
    if (!b) {
      const port = this.nextPort++;
      b = { inside: { ...inside }, publicPort: port, remote, sentTo: new Set(), lastUsed: now };
      this.byInside.set(key, b);
      this.byPort.set(port, b);
      this.emit(
        now,
        'nat-binding',
        `binding ${inside.host}:${inside.port} -> ${this.config.publicIp}:${port}${remote ? ` (only for ${remote})` : ''} created`,
        {
          inside: `${inside.host}:${inside.port}`,
          public: `${this.config.publicIp}:${port}`,
          remote,
          created: true,
        },
      );
    }
    b.lastUsed = now;
    b.sentTo.add(dest.host);
    b.sentTo.add(`${dest.host}:${dest.port}`);
    return { host: this.config.publicIp, port: b.publicPort, transport: inside.transport };
  }

  /**
   * Inbound packet from `source` to public port `port`: the inside address, or null with a reason
   * when there is no binding or the filter drops it (RFC 4787 §5).
   */
  inbound(source: TransportAddress, port: number, now: Micros): { to: TransportAddress } | { drop: string } {
    const b = this.byPort.get(port);
    if (!b) return { drop: `no binding for ${this.config.publicIp}:${port}` };
    if (this.expired(b, now)) {
      this.drop(b, now, 'timeout', this.timeoutReason(b));
      return { drop: `binding for ${this.config.publicIp}:${port} timed out` };
    }
    const ip = source.host;
    const ipPort = `${source.host}:${source.port}`;
    if (b.open) return { to: b.inside };
    switch (this.config.type) {
      case 'full-cone':
        break;
      case 'restricted':
        if (!b.sentTo.has(ip))
          return { drop: `address-restricted: ${ip} was never contacted from this binding` };
        break;
      case 'port-restricted':
        if (!b.sentTo.has(ipPort))
          return { drop: `port-restricted: ${ipPort} was never contacted from this binding` };
        break;
      case 'symmetric':
        if (b.remote !== ipPort)
          return { drop: `symmetric: binding ${this.config.publicIp}:${port} is only for ${b.remote}` };
        break;
    }
    return { to: b.inside };
  }

  /**
   * SIP ALG, outbound: private `ip:port` → public mapping in headers and SDP; for an SDP audio port
   * it opens a pinhole (a binding that accepts any remote) and rewrites the m= port to it.
   */
  algOutbound(
    bytes: Uint8Array,
    inside: TransportAddress,
    pub: TransportAddress,
    now: Micros = 0,
  ): Uint8Array {
    if (!this.config.alg) return bytes;
    let out = rewriteAddresses(bytes, inside.host, inside.port, pub.host, pub.port);
    const text = dec.decode(out);
    const m = /\r\nm=audio (\d+) /.exec(text);
    if (m) {
      const mport = Number(m[1]);
      const media: TransportAddress = { host: inside.host, port: mport, transport: 'UDP' };
      const key = this.insideKey(media, null);
      let b = this.byInside.get(key);
      if (!b) {
        const port = this.nextPort++;
        b = { inside: media, publicPort: port, remote: null, sentTo: new Set(), lastUsed: now, open: true };
        this.byInside.set(key, b);
        this.byPort.set(port, b);
        this.emit(
          now,
          'nat-binding',
          `ALG pinhole ${inside.host}:${mport} -> ${this.config.publicIp}:${port} for media`,
          {
            inside: `${inside.host}:${mport}`,
            public: `${this.config.publicIp}:${port}`,
            created: true,
          },
        );
      }
      b.lastUsed = now;
      out = rewriteMediaPort(out, mport, b.publicPort);
    }
    return out;
  }

  /** SIP ALG, inbound: public mapping → private address (so the phone recognises its own Via/Contact). */
  algInbound(bytes: Uint8Array, inside: TransportAddress, pub: TransportAddress): Uint8Array {
    if (!this.config.alg) return bytes;
    return rewriteAddresses(bytes, pub.host, pub.port, inside.host, inside.port);
  }

  private emit(
    now: Micros,
    kind: 'nat-binding' | 'nat-drop',
    text: string,
    data: Record<string, unknown>,
  ): void {
    if (this.events.enabled) this.events.emit({ time: now, node: this.config.name, kind, text, data });
  }
}

const dec = new TextDecoder();
const enc = new TextEncoder();

/**
 * Replaces `fromHost:fromPort` by `toHost:toPort` in the header section, and bare `fromHost` in the
 * SDP body (c= and o= lines), then fixes Content-Length (what a SIP ALG does).
 */
export function rewriteAddresses(
  bytes: Uint8Array,
  fromHost: string,
  fromPort: number,
  toHost: string,
  toPort: number,
): Uint8Array {
  const text = dec.decode(bytes);
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return bytes;
  let body = text.slice(split + 4);
  const bare = fromPort === 5060 ? new RegExp(`${escapeRe(fromHost)}(?![\\d:.])`, 'g') : null;
  // Call-ID is an opaque word, not an address (RFC 3261 §8.1.1.4): "host" there is no sent-by, and
  // rewriting it to "public:port" could not be undone on the way back (the phone would get its
  // responses with another Call-ID)
  let head = text
    .slice(0, split)
    .split('\r\n')
    .map((line) => {
      if (/^(call-id|i)[ \t]*:/i.test(line)) return line;
      line = line.split(`${fromHost}:${fromPort}`).join(`${toHost}:${toPort}`);
      // a sent-by or Contact without a port means 5060
      return bare ? line.replace(bare, `${toHost}:${toPort}`) : line;
    })
    .join('\r\n');
  const oldLen = enc.encode(body).length;
  body = body.split(` ${fromHost}\r\n`).join(` ${toHost}\r\n`).split(` ${fromHost} `).join(` ${toHost} `);
  const newLen = enc.encode(body).length;
  if (newLen !== oldLen)
    head = head.replace(/^(Content-Length|l)\s*:\s*\d+/im, (m) => m.replace(/\d+$/, String(newLen)));
  return enc.encode(`${head}\r\n\r\n${body}`);
}

/** Rewrites the SDP `m=audio` port (Content-Length unchanged only when the digits count is the same). */
function rewriteMediaPort(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const text = dec.decode(bytes);
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return bytes;
  let head = text.slice(0, split);
  const body = text.slice(split + 4).replace(`m=audio ${from} `, `m=audio ${to} `);
  const len = enc.encode(body).length;
  head = head.replace(/^(Content-Length|l)\s*:\s*\d+/im, (m) => m.replace(/\d+$/, String(len)));
  return enc.encode(`${head}\r\n\r\n${body}`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
