/**
 * Generates a large, realistic SIP capture for bench/ingest.bench.ts: calls through one proxy seen at
 * two capture points (UAC ↔ proxy and proxy ↔ UAS, the proxy adding Via and Record-Route), SDP
 * offers/answers, 10% of the proxy ↔ UAS legs over TCP (persistent connections, sometimes two
 * messages in one segment). Classic pcap, Ethernet, µs. Templated frames, written in 8 MB blocks.
 *
 *   node --import tsx bench/tools/gen-sip-capture.ts [OUT] [SIZE_MB]      (SIZE_MB env works too)
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** bench/, whether this module runs from bench/tools or bundled into bench/.NAME.bench.mjs (npm run bench). */
const benchDir = basename(here) === 'tools' ? dirname(here) : here;
export const DEFAULT_OUT = (mb: number): string => resolve(benchDir, `data/sip-${mb}MB.pcap`);

const BLOCK = 8 * 1024 * 1024;

class PcapWriter {
  readonly #fd: number;
  readonly #buf = Buffer.alloc(BLOCK + 70000);
  #n = 0;
  bytes = 0;
  frames = 0;
  /** Bytes written and still in the block. */
  get size(): number {
    return this.bytes + this.#n;
  }
  messages = 0;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    writeSync(this.#fd, h);
    this.bytes = 24;
  }

  /** One Ethernet/IPv4/(UDP|TCP) frame carrying `payload`. */
  frame(
    tUs: number,
    src: number,
    dst: number,
    sp: number,
    dp: number,
    payload: string,
    tcp: { seq: number } | null,
    count: number,
  ): void {
    const plen = Buffer.byteLength(payload, 'latin1');
    const l4 = tcp ? 20 : 8;
    const iplen = 20 + l4 + plen;
    const caplen = 14 + iplen;
    const b = this.#buf;
    let o = this.#n;
    b.writeUInt32LE(Math.floor(tUs / 1e6), o);
    b.writeUInt32LE(tUs % 1e6, o + 4);
    b.writeUInt32LE(caplen, o + 8);
    b.writeUInt32LE(caplen, o + 12);
    o += 16;
    b.writeUInt32BE(0x02000000, o);
    b.writeUInt16BE(0x0002, o + 4);
    b.writeUInt32BE(0x02000000, o + 6);
    b.writeUInt16BE(0x0001, o + 10);
    b.writeUInt16BE(0x0800, o + 12);
    o += 14;
    b.writeUInt32BE(0x45000000 | iplen, o);
    b.writeUInt32BE(0, o + 4);
    b.writeUInt32BE((64 << 24) | ((tcp ? 6 : 17) << 16), o + 8);
    b.writeUInt32BE(src >>> 0, o + 12);
    b.writeUInt32BE(dst >>> 0, o + 16);
    o += 20;
    b.writeUInt16BE(sp, o);
    b.writeUInt16BE(dp, o + 2);
    if (tcp) {
      b.writeUInt32BE(tcp.seq >>> 0, o + 4);
      b.writeUInt32BE(1, o + 8);
      b.writeUInt16BE((5 << 12) | 0x18, o + 12);
      b.writeUInt32BE(0xffff0000, o + 14);
      b.writeUInt16BE(0, o + 18);
      tcp.seq = (tcp.seq + plen) >>> 0;
    } else {
      b.writeUInt16BE(8 + plen, o + 4);
      b.writeUInt16BE(0, o + 6);
    }
    o += l4;
    b.write(payload, o, 'latin1');
    o += plen;
    this.#n = o;
    this.frames++;
    this.messages += count;
    if (this.#n >= BLOCK) this.flush();
  }

  flush(): void {
    writeSync(this.#fd, this.#buf, 0, this.#n);
    this.bytes += this.#n;
    this.#n = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

const ip = (a: number, b: number, c: number, d: number): number =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const ipText = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** Writes about `sizeMb` MB; returns what was written. */
export function generate(
  out: string,
  sizeMb: number,
): { bytes: number; frames: number; messages: number; calls: number } {
  const w = new PcapWriter(out);
  const target = sizeMb * 1024 * 1024;
  const proxy = ip(10, 0, 0, 10);
  const proxyTxt = ipText(proxy);
  let t = 1_700_000_000_000_000;
  let call = 0;
  const tcpConn = new Map<number, { seq: number }>();
  // Whole blocks while another fits, then up to a multiple of 64 calls (the sizes the bench captures
  // were made with stay byte-identical); a target of one block or less (which wrote no call that way)
  // until the bytes reach it.
  while (
    w.bytes + BLOCK < target ||
    (w.bytes < target && call % 64 !== 0) ||
    (target <= BLOCK && w.size < target)
  ) {
    const n = call++;
    const uac = ip(10, 1, (n >> 8) & 255, n & 255 || 1);
    const uas = ip(10, 2, (n >> 10) & 63, (n >> 3) & 255 || 1);
    const uacTxt = ipText(uac);
    const uasTxt = ipText(uas);
    const tcpLeg = n % 10 === 7;
    const legB = tcpLeg ? 'TCP' : 'UDP';
    let conn = tcpConn.get(uas);
    let back = tcpConn.get(-uas - 1);
    if (tcpLeg && !conn) tcpConn.set(uas, (conn = { seq: 1000 }));
    if (tcpLeg && !back) tcpConn.set(-uas - 1, (back = { seq: 5000 }));
    const cid = `${n.toString(36)}-${(n * 2654435761) >>> 0}@${uacTxt}`;
    const ftag = `f${(n * 40503) >>> 0}`;
    const ttag = `t${(n * 69069) >>> 0}`;
    const brA = `z9hG4bK-a${n}`;
    const brB = `z9hG4bK-p${n}`;
    const user = `+3120${(1000000 + n).toString()}`;
    const sdp = (h: string, port: number): string =>
      `v=0\r\no=- ${n} 1 IN IP4 ${h}\r\ns=-\r\nc=IN IP4 ${h}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n`;
    const viaA = `Via: SIP/2.0/UDP ${uacTxt}:5060;branch=${brA};rport\r\n`;
    const viaB = `Via: SIP/2.0/${legB} ${proxyTxt}:5060;branch=${brB}\r\n${viaA.replace(';rport', `;received=${uacTxt};rport=5060`)}`;
    const rr = `Record-Route: <sip:${proxyTxt};lr>\r\n`;
    const from = `From: "Caller ${n}" <sip:alice${n}@a.example.com>;tag=${ftag}\r\n`;
    const to = (tag: boolean): string => `To: <sip:${user}@b.example.com>${tag ? `;tag=${ttag}` : ''}\r\n`;
    const common = (cseq: string, tag: boolean): string =>
      `${from}${to(tag)}Call-ID: ${cid}\r\nCSeq: ${cseq}\r\nUser-Agent: sipscope-bench/1.0\r\n`;
    const body = (b: string): string =>
      b
        ? `Content-Type: application/sdp\r\nContent-Length: ${b.length}\r\n\r\n${b}`
        : 'Content-Length: 0\r\n\r\n';
    const offer = sdp(uacTxt, 20000 + (n % 20000) * 2);
    const answer = sdp(uasTxt, 30000 + (n % 20000) * 2);
    const invA = `INVITE sip:${user}@b.example.com SIP/2.0\r\n${viaA}Max-Forwards: 70\r\n${common('1 INVITE', false)}Contact: <sip:alice${n}@${uacTxt}:5060>\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\n${body(offer)}`;
    const invB = `INVITE sip:${user}@${uasTxt}:5060 SIP/2.0\r\n${viaB}${rr}Max-Forwards: 69\r\n${common('1 INVITE', false)}Contact: <sip:alice${n}@${uacTxt}:5060>\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\n${body(offer)}`;
    const resp = (
      code: string,
      via: string,
      tag: boolean,
      cseq: string,
      b: string,
      withRr: boolean,
    ): string =>
      `SIP/2.0 ${code}\r\n${via}${withRr ? rr : ''}${common(cseq, tag)}${tag ? `Contact: <sip:${user}@${uasTxt}:5060>\r\n` : ''}${body(b)}`;
    const ackA = `ACK sip:${user}@${uasTxt}:5060 SIP/2.0\r\nVia: SIP/2.0/UDP ${uacTxt}:5060;branch=${brA}-ack;rport\r\nRoute: <sip:${proxyTxt};lr>\r\nMax-Forwards: 70\r\n${common('1 ACK', true)}${body('')}`;
    const ackB = `ACK sip:${user}@${uasTxt}:5060 SIP/2.0\r\nVia: SIP/2.0/${legB} ${proxyTxt}:5060;branch=${brB}-ack\r\nVia: SIP/2.0/UDP ${uacTxt}:5060;branch=${brA}-ack;rport=5060\r\nMax-Forwards: 69\r\n${common('1 ACK', true)}${body('')}`;
    const byeB = `BYE sip:alice${n}@${uacTxt}:5060 SIP/2.0\r\nVia: SIP/2.0/${legB} ${uasTxt}:5060;branch=z9hG4bK-b${n}\r\nRoute: <sip:${proxyTxt};lr>\r\nMax-Forwards: 70\r\nFrom: <sip:${user}@b.example.com>;tag=${ttag}\r\nTo: "Caller ${n}" <sip:alice${n}@a.example.com>;tag=${ftag}\r\nCall-ID: ${cid}\r\nCSeq: 1 BYE\r\n${body('')}`;
    const byeA = byeB
      .replace(
        `Via: SIP/2.0/${legB} ${uasTxt}`,
        `Via: SIP/2.0/UDP ${proxyTxt}:5060;branch=z9hG4bK-pb${n}\r\nVia: SIP/2.0/${legB} ${uasTxt}`,
      )
      .replace('Max-Forwards: 70', 'Max-Forwards: 69')
      .replace(`Route: <sip:${proxyTxt};lr>\r\n`, '');
    const okBye = (bye: string): string =>
      bye
        .replace(/^BYE [^\r]+/, 'SIP/2.0 200 OK')
        .replace(/Route: [^\r]+\r\n/, '')
        .replace(/Max-Forwards: \d+\r\n/, '');
    const step = (): number => (t += 40 + (n % 7) * 10);
    const A = (from: number, to: number, s: string): void =>
      w.frame(step(), from, to, 5060, 5060, s, null, 1);
    const B = (from: number, to: number, s: string): void =>
      tcpLeg
        ? w.frame(step(), from, to, 5060, 5060, s, from === proxy ? conn! : back!, 1)
        : w.frame(step(), from, to, 5060, 5060, s, null, 1);
    A(uac, proxy, invA);
    A(proxy, uac, resp('100 Trying', viaA, false, '1 INVITE', '', false));
    B(proxy, uas, invB);
    B(uas, proxy, resp('180 Ringing', viaB, true, '1 INVITE', '', true));
    A(proxy, uac, resp('180 Ringing', viaA, true, '1 INVITE', '', true));
    if (tcpLeg && n % 20 === 17) {
      // Two messages in one TCP segment.
      w.frame(
        step(),
        uas,
        proxy,
        5060,
        5060,
        resp('200 OK', viaB, true, '1 INVITE', answer, true) +
          resp('200 OK', viaB, true, '1 INVITE', answer, true),
        back!,
        2,
      );
    } else B(uas, proxy, resp('200 OK', viaB, true, '1 INVITE', answer, true));
    A(proxy, uac, resp('200 OK', viaA, true, '1 INVITE', answer, true));
    A(uac, proxy, ackA);
    B(proxy, uas, ackB);
    t += 2_000;
    B(uas, proxy, byeB);
    A(proxy, uac, byeA);
    A(uac, proxy, okBye(byeA));
    B(proxy, uas, okBye(byeB));
  }
  w.close();
  return { bytes: w.bytes, frames: w.frames, messages: w.messages, calls: call };
}

// Run as a script (not when bundled into a benchmark, where import.meta.url is the bundle's).
if (process.argv[1] && /gen-sip-capture\.[cm]?[jt]s$/.test(process.argv[1])) {
  const mb = Number(process.argv[3] ?? process.env.SIZE_MB ?? 200);
  const out = process.argv[2] ?? DEFAULT_OUT(mb);
  const t0 = performance.now();
  const r = generate(out, mb);
  console.log(
    `${out}: ${r.bytes} bytes, ${r.frames} frames, ${r.messages} SIP messages, ${r.calls} calls in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
