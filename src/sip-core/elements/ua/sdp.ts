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
}

/** Reads c=, the audio m= port and the direction attribute (default sendrecv). */
export function readSdp(body: string): SdpSummary {
  const ip = /^c=IN IP[46] ([^\s]+)/m.exec(body)?.[1] ?? null;
  const port = /^m=audio (\d+)/m.exec(body)?.[1];
  const dir = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(body)?.[1] as MediaDirection | undefined;
  return { ip, port: port ? Number(port) : null, direction: dir ?? 'sendrecv' };
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
