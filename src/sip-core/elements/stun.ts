/**
 * STUN (RFC 5389) Binding request/response, just enough to show how a phone behind a NAT learns
 * its public address: the server answers with XOR-MAPPED-ADDRESS (§15.2) of the request's source.
 */
import type { IdSource, Scheduler } from '../stack/clock';
import type { Transport, TransportAddress } from '../stack/transport';
import type { EventSink } from './events';

const MAGIC = 0x2112a442;

/** A Binding request (§6: type 0x0001, magic cookie, 96-bit transaction id). */
export function stunBindingRequest(ids: IdSource): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x0001);
  v.setUint16(2, 0);
  v.setUint32(4, MAGIC);
  const tid = ids.token(24);
  for (let i = 0; i < 12; i++) b[8 + i] = parseInt(tid.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** A Binding success response (type 0x0101) with XOR-MAPPED-ADDRESS for an IPv4 source. */
export function stunBindingResponse(req: Uint8Array, mapped: TransportAddress): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x0101);
  v.setUint16(2, 12);
  v.setUint32(4, MAGIC);
  b.set(req.subarray(8, 20), 8);
  v.setUint16(20, 0x0020);
  v.setUint16(22, 8);
  b[24] = 0;
  b[25] = 0x01;
  v.setUint16(26, mapped.port ^ (MAGIC >>> 16));
  const ip = mapped.host.split('.').reduce((a, x) => (a << 8) | Number(x), 0) >>> 0;
  v.setUint32(28, (ip ^ MAGIC) >>> 0);
  return b;
}

/** Reads XOR-MAPPED-ADDRESS from a Binding success response; null when it is not one. */
export function readStunMapped(bytes: Uint8Array): { host: string; port: number } | null {
  if (bytes.length < 20) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint16(0) !== 0x0101 || v.getUint32(4) !== MAGIC) return null;
  let o = 20;
  while (o + 4 <= bytes.length) {
    const type = v.getUint16(o);
    const len = v.getUint16(o + 2);
    if (type === 0x0020 && len >= 8 && bytes[o + 5] === 0x01) {
      const port = v.getUint16(o + 6) ^ (MAGIC >>> 16);
      const ip = (v.getUint32(o + 8) ^ MAGIC) >>> 0;
      return { host: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`, port };
    }
    o += 4 + ((len + 3) & ~3);
  }
  return null;
}

/** A STUN server on the simulated network. */
export class StunServer {
  constructor(
    readonly node: string,
    readonly transport: Transport,
    private readonly clock: Scheduler,
    private readonly events: EventSink,
  ) {
    transport.setListener({
      onMessage: (bytes, source) => {
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (bytes.length < 20 || v.getUint16(0) !== 0x0001) return;
        if (this.events.enabled)
          this.events.emit({
            time: this.clock.now(),
            node,
            kind: 'stun',
            text: `Binding request from ${source.host}:${source.port}: mapped address ${source.host}:${source.port}`,
            data: { mapped: `${source.host}:${source.port}` },
          });
        this.transport.send(stunBindingResponse(bytes, source), source);
      },
    });
  }
}
