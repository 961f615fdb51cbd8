/**
 * SIP over WebSocket (RFC 7118) on a TCP stream: the HTTP/1.1 Upgrade handshake (RFC 6455 §4) and
 * the framing (RFC 6455 §5.2): FIN, opcodes, 7/16/64-bit lengths, client masking, continuation.
 * Each WebSocket message carries one SIP message (RFC 7118 §5).
 */

export const WS_OPCODE = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One frame header; reused between calls. */
export interface WsFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  /** Offset of the 4-byte masking key (when masked). */
  maskAt: number;
  payloadStart: number;
  payloadLength: number;
}

export function newWsFrame(): WsFrame {
  return { fin: false, opcode: 0, masked: false, maskAt: 0, payloadStart: 0, payloadLength: 0 };
}

/** Largest frame we accept (a SIP message is far smaller). */
const MAX_FRAME = 16 * 1024 * 1024;

/**
 * Reads a frame header at `buf[start]`. Returns the whole frame's length when it is complete in
 * `buf[start,end)`, 0 when more bytes are needed, -1 when the bytes cannot be a WebSocket frame.
 */
export function readWsFrame(buf: Uint8Array, start: number, end: number, out: WsFrame): number {
  if (end - start < 2) return 0;
  const b0 = buf[start]!;
  const b1 = buf[start + 1]!;
  if (b0 & 0x70) return -1; // RSV bits without a negotiated extension
  out.fin = (b0 & 0x80) !== 0;
  out.opcode = b0 & 0x0f;
  if ((out.opcode > 2 && out.opcode < 8) || out.opcode > 10) return -1;
  out.masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let p = start + 2;
  if (len === 126) {
    if (end - p < 2) return 0;
    len = (buf[p]! << 8) | buf[p + 1]!;
    p += 2;
  } else if (len === 127) {
    if (end - p < 8) return 0;
    const hi = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
    const lo = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
    if (hi !== 0 || lo > MAX_FRAME) return -1;
    len = lo;
    p += 8;
  }
  if (out.masked) {
    if (end - p < 4) return 0;
    out.maskAt = p;
    p += 4;
  }
  out.payloadStart = p;
  out.payloadLength = len;
  if (end - p < len) return 0;
  return p + len - start;
}

/** Copies the frame payload into `dst[at]`, unmasking it (RFC 6455 §5.3). */
export function copyWsPayload(buf: Uint8Array, f: WsFrame, dst: Uint8Array, at: number): void {
  const src = buf.subarray(f.payloadStart, f.payloadStart + f.payloadLength);
  if (!f.masked) {
    dst.set(src, at);
    return;
  }
  const m0 = buf[f.maskAt]!;
  const m1 = buf[f.maskAt + 1]!;
  const m2 = buf[f.maskAt + 2]!;
  const m3 = buf[f.maskAt + 3]!;
  for (let i = 0; i < src.length; i++) {
    const k = i & 3;
    dst[at + i] = src[i]! ^ (k === 0 ? m0 : k === 1 ? m1 : k === 2 ? m2 : m3);
  }
}

const lower = (buf: Uint8Array, start: number, end: number): string => {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return s;
};

/** An HTTP/1.1 message head at the stream start: what it is and where it ends. */
export interface HttpHead {
  /** 'upgrade-request': GET with `Upgrade: websocket`; 'switching': `HTTP/1.1 101`; 'http': other HTTP. */
  kind: 'upgrade-request' | 'switching' | 'http';
  /** Index after the empty line ending the head. */
  end: number;
}

/** Does `buf[start]` begin an HTTP/1.x request or response? true/false, or null when unsure yet. */
export function isHttpStart(buf: Uint8Array, start: number, end: number): boolean | null {
  const methods = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'HTTP/1.'];
  for (const m of methods) {
    let ok = true;
    let partial = false;
    for (let i = 0; i < m.length; i++) {
      if (start + i >= end) {
        partial = true;
        break;
      }
      if (buf[start + i] !== m.charCodeAt(i)) {
        ok = false;
        break;
      }
    }
    if (ok && !partial) {
      // "OPTIONS sip:... SIP/2.0" is SIP, not HTTP: look at the end of the line.
      const lf = buf.indexOf(10, start);
      if (lf < 0 || lf >= end) return m === 'OPTIONS ' ? null : true;
      return !lower(buf, Math.max(start, lf - 9), lf).includes('sip/2.0');
    }
    if (ok && partial) return null;
  }
  return false;
}

/**
 * Reads an HTTP head (RFC 9112) at `buf[start]`. Returns null when the head is not complete yet.
 */
export function readHttpHead(buf: Uint8Array, start: number, end: number): HttpHead | null {
  let p = start;
  let headEnd = -1;
  for (;;) {
    const lf = buf.indexOf(10, p);
    if (lf < 0 || lf >= end) break;
    if (lf + 1 < end && buf[lf + 1] === 10) {
      headEnd = lf + 2;
      break;
    }
    if (lf + 2 < end && buf[lf + 1] === 13 && buf[lf + 2] === 10) {
      headEnd = lf + 3;
      break;
    }
    p = lf + 1;
  }
  if (headEnd < 0) return null;
  const text = lower(buf, start, headEnd);
  if (text.startsWith('http/1.') && text.slice(9, 12) === '101') return { kind: 'switching', end: headEnd };
  if (text.startsWith('get ') && /\r?\nupgrade:[ \t]*websocket/.test(text))
    return { kind: 'upgrade-request', end: headEnd };
  return { kind: 'http', end: headEnd };
}
