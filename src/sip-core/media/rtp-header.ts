/**
 * The RTP header's length (RFC 3550 §5.1, §5.3.1): the fixed 12 octets, the CSRCs, the header
 * extension. One function for the players (rtp-audio.ts: the payload after it) and SRTP (srtp.ts:
 * what is authenticated but not encrypted), so both read a header the same way.
 */

/** The length of the RTP header of `b[start, end)`; −1 when it is not version 2 or runs past `end`. */
export function rtpHeaderLength(b: Uint8Array, start: number, end: number): number {
  if (end - start < 12 || b[start]! >> 6 !== 2) return -1;
  let h = 12 + (b[start]! & 0x0f) * 4;
  if (b[start]! & 0x10) {
    if (start + h + 4 > end) return -1;
    h += 4 + ((b[start + h + 2]! << 8) | b[start + h + 3]!) * 4;
  }
  return start + h <= end ? h : -1;
}
