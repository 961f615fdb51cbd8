/**
 * The small SDP (RFC 4566) the simulated phones offer and answer (RFC 3264): one audio stream,
 * PCMU, a direction attribute for hold (`sendonly`/`inactive`, RFC 3264 §8.4).
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpSpec {
  user: string;
  sessionId: number;
  version: number;
  ip: string;
  port: number;
  direction: MediaDirection;
}

export function buildSdp(s: SdpSpec): string {
  return (
    `v=0\r\n` +
    `o=${s.user} ${s.sessionId} ${s.version} IN IP4 ${s.ip}\r\n` +
    `s=-\r\n` +
    `c=IN IP4 ${s.ip}\r\n` +
    `t=0 0\r\n` +
    `m=audio ${s.port} RTP/AVP 0\r\n` +
    `a=rtpmap:0 PCMU/8000\r\n` +
    `a=${s.direction}\r\n`
  );
}

export interface SdpSummary {
  ip: string | null;
  port: number | null;
  direction: MediaDirection;
  /** The audio m= line's first payload type (the one a phone sends, RFC 3264 §5.1); 0 (PCMU) when none. */
  pt: number;
}

/** Reads c=, the audio m= port and first payload type, and the direction attribute (default sendrecv). */
export function readSdp(body: string): SdpSummary {
  const ip = /^c=IN IP[46] ([^\s]+)/m.exec(body)?.[1] ?? null;
  const m = /^m=audio (\d+)(?: [^ \r\n]+ (\d{1,3})\b)?/m.exec(body);
  const dir = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(body)?.[1] as MediaDirection | undefined;
  const pt = m?.[2] ? Number(m[2]) : 0;
  return { ip, port: m?.[1] ? Number(m[1]) : null, direction: dir ?? 'sendrecv', pt: pt < 128 ? pt : 0 };
}

/** RFC 3264 §6.1: the answer's direction for an offered direction. */
export function answerDirection(offered: MediaDirection): MediaDirection {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    default:
      return 'sendrecv';
  }
}

/**
 * {@link readSdp}, remembered for the last body read: a phone's peer sends the same SDP on every
 * call but for its `o=` line (session id and version), which readSdp does not look at, so a body
 * equal to the last one outside that line gives the same summary (the returned object is shared:
 * treat it as read-only).
 */
export function readSdpCached(body: string, memo: SdpMemo): SdpSummary {
  const o = originLine(body);
  const last = memo.last;
  if (last !== null && sameOutsideLine(body, o, last.text, last.o)) return last.summary;
  const summary = readSdp(body);
  memo.last = { text: body, o, summary };
  return summary;
}

/** Where {@link readSdpCached} remembers the last body it read (one per phone: each has its own peer's SDP). */
export interface SdpMemo {
  last: { text: string; o: readonly [number, number]; summary: SdpSummary } | null;
}

/** [start, end) of the first `o=` line (end after its LF), [0, 0] when there is none. */
function originLine(body: string): readonly [number, number] {
  const s = body.startsWith('o=') ? 0 : body.indexOf('\no=') + 1;
  if (s <= 0 && !body.startsWith('o=')) return NO_LINE;
  const nl = body.indexOf('\n', s);
  return [s, nl < 0 ? body.length : nl + 1];
}
const NO_LINE: readonly [number, number] = [0, 0];

/** a and b equal once their lines [ao) and [bo) are cut out. */
function sameOutsideLine(
  a: string,
  ao: readonly [number, number],
  b: string,
  bo: readonly [number, number],
): boolean {
  if (ao[0] !== bo[0] || a.length - (ao[1] - ao[0]) !== b.length - (bo[1] - bo[0])) return false;
  for (let i = 0; i < ao[0]; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  const n = a.length - ao[1];
  for (let i = 0; i < n; i++) if (a.charCodeAt(ao[1] + i) !== b.charCodeAt(bo[1] + i)) return false;
  return true;
}
