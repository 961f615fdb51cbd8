/**
 * SRTCP's reports read (RFC 3711 §3.4): the capture path keeps the RTCP datagrams that are not clean
 * compound packets (rtcp.ts `kept`: SRTCP, whose packets after the first 8 octets are encrypted and
 * which ends in E|index, MKI and an 80-bit tag — the _32 suites' too, RFC 4568 §6.2.2); once the
 * analysis knows each stream's key from its sender's SDP, the flows from that sender are
 * authenticated and decrypted with it and their reports read again as a plain flow's (SR, RR, SDES,
 * BYE, XR; the round trip from the SRs of the flow the other way). The figures are then those of the
 * same packets sent without SRTP.
 * @remarks A flow's key is that of the stream its compound packets' first SSRC sends (the SR's or
 * RR's sender is an RTP sender of that host: RFC 3550 §6.4), else of the stream from the same host
 * and port (RFC 5761 mux) or the port below (RTP port + 1); keys a re-INVITE changed are tried in
 * order as for RTP. A flow whose plain packets came before its first SRTCP one keeps only the SRTCP
 * part's figures (sipscope keeps no plain datagram).
 */
import { parseRtcp, RtcpFlowState, type RtcpFlowReports } from './rtcp';
import type { RtcpFlowRecord } from './rtp-streams';
import { parseSdesCrypto, SrtpRekeyedSessions, SrtpSession, type SrtpCrypto } from './srtp';
import type { StreamSrtpKeys } from './srtp-keys';

/** What a stream brings: its addresses, ports and SSRC, and its SRTP keys (null: plain RTP). */
export interface SrtcpStreamKeys {
  src: string;
  srcPort: number;
  dst: string;
  ssrc: number;
  srtp: StreamSrtpKeys | null;
}

/** A flow's SRTCP after the analysis: what decrypted and what did not. */
export interface SrtcpCounts {
  decrypted: number;
  /** Kept datagrams that failed authentication (or were too short, past a lifetime) with the key. */
  failed: number;
}

/** The sessions of a stream's keys (its SDP's, then a re-INVITE's), null without a usable key. */
function sessionsOf(k: StreamSrtpKeys, cr: SrtpCrypto): SrtpRekeyedSessions | null {
  const lines = [k.crypto, ...(k.rekeys ?? []).map((r) => r.crypto)];
  const sessions: SrtpSession[] = [];
  for (const l of lines) {
    if (l === null) continue;
    const c = parseSdesCrypto(l);
    if (typeof c !== 'string') sessions.push(new SrtpSession(c, cr));
  }
  return sessions.length > 0 ? new SrtpRekeyedSessions(sessions) : null;
}

const u32 = (b: Uint8Array, i: number): number =>
  ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * The RTCP flows with their SRTCP decrypted by the keys of `streams` (the same array, the same
 * objects, when nothing could be: no kept datagram, no key, no crypto): a decrypted flow's reports are
 * those of its datagrams read again, with `srtcp` counts.
 */
export function decryptSrtcpFlows(
  flows: readonly RtcpFlowRecord[],
  streams: readonly SrtcpStreamKeys[],
  cr: SrtpCrypto | null,
): { flows: readonly RtcpFlowRecord[]; counts: Map<number, SrtcpCounts> } {
  const counts = new Map<number, SrtcpCounts>();
  if (cr === null || !flows.some((f) => f.reports.kept?.length)) return { flows, counts };
  /** The keyed streams by `src|dst`, in their order. */
  const keyed = new Map<string, SrtcpStreamKeys[]>();
  for (const s of streams) {
    if (!s.srtp?.crypto) continue;
    const k = `${s.src}|${s.dst}`;
    const l = keyed.get(k);
    if (l) l.push(s);
    else keyed.set(k, [s]);
  }
  if (keyed.size === 0) return { flows, counts };
  /** Per flow index: its decrypted datagrams (plain compound octets), in capture order. */
  const plain = new Map<number, { us: number; frame: number; malformed: boolean; bytes: Uint8Array }[]>();
  const sessions = new Map<SrtcpStreamKeys, SrtpRekeyedSessions | null>();
  /** Per flow: its encrypted datagrams, the decrypted ones counted by their E flag. */
  const encrypted = new Map<number, number>();
  flows.forEach((f, fi) => {
    const kept = f.reports.kept;
    if (!kept?.length) return;
    const c = { decrypted: 0, failed: 0, encrypted: f.reports.encrypted };
    const out: { us: number; frame: number; malformed: boolean; bytes: Uint8Array }[] = [];
    const from = keyed.get(`${f.src}|${f.dst}`) ?? [];
    for (const d of kept) {
      if (d.bytes.length < 8 || from.length === 0) continue;
      const ssrc = u32(d.bytes, 4);
      const s =
        from.find((x) => x.ssrc === ssrc) ??
        from.find((x) => x.srcPort === f.srcPort) ??
        from.find((x) => x.srcPort + 1 === f.srcPort);
      if (!s) continue;
      let session = sessions.get(s);
      if (session === undefined) sessions.set(s, (session = sessionsOf(s.srtp!, cr)));
      if (!session) continue;
      const r = session.unprotectRtcp(d.bytes, 0, d.bytes.length);
      if (r.status === 'ok') {
        c.decrypted++;
        out.push({ ...d, bytes: r.packet });
        // (the capture's count guessed from the octets; the E flag now known)
        if (!d.malformed) c.encrypted--;
        if (r.encrypted) c.encrypted++;
      } else c.failed++;
    }
    if (c.decrypted + c.failed > 0) {
      counts.set(fi, { decrypted: c.decrypted, failed: c.failed });
      encrypted.set(fi, c.encrypted);
    }
    if (out.length > 0) plain.set(fi, out);
  });
  if (plain.size === 0) return { flows, counts };
  // The decrypted flows read again together in capture order (an RR's round trip needs the SRs of
  // the flow the other way as they stood when it came).
  const states = new Map<number, RtcpFlowState>();
  for (const fi of plain.keys()) states.set(fi, new RtcpFlowState());
  /** Flow index by `src|srcPort|dst|dstPort` (the first such), for each decrypted flow's reverse. */
  const index = new Map<string, number>();
  flows.forEach((g, gi) => {
    const k = `${g.src}|${g.srcPort}|${g.dst}|${g.dstPort}`;
    if (!index.has(k)) index.set(k, gi);
  });
  const reverse = new Map<number, RtcpFlowState | undefined>();
  for (const fi of plain.keys()) {
    const f = flows[fi]!;
    const ri = index.get(`${f.dst}|${f.dstPort}|${f.src}|${f.srcPort}`);
    reverse.set(fi, ri === undefined ? undefined : states.get(ri));
  }
  const all = [...plain].flatMap(([fi, l]) => l.map((d) => ({ fi, d })));
  all.sort((a, b) => a.d.us - b.d.us || a.d.frame - b.d.frame);
  for (const { fi, d } of all) {
    const p = parseRtcp(d.bytes, 0, d.bytes.length);
    delete p.raw; // (kept already)
    states.get(fi)!.add(p, d.us, d.frame, reverse.get(fi));
  }
  const out = flows.map((f, fi): RtcpFlowRecord => {
    const st = states.get(fi);
    if (!st) return f;
    const o = f.reports;
    const again = st.record();
    const wasMalformed = plain.get(fi)!.filter((d) => d.malformed).length;
    const rest = o.malformed - wasMalformed;
    const reports: RtcpFlowReports = {
      ...again,
      malformed: rest + again.malformed,
      firstError: again.firstError ?? (rest > 0 ? o.firstError : null),
      encrypted: encrypted.get(fi) ?? o.encrypted,
      ...(o.kept && { kept: o.kept, keptDropped: o.keptDropped ?? 0 }),
    };
    return { ...f, reports };
  });
  return { flows: out, counts };
}
