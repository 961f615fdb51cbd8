/**
 * A captured call as SIPp scenarios: the messages one endpoint of the call sent (`<send>`) and
 * received (`<recv>`), with SIPp's keywords where a replay must differ from the capture, so the call
 * can be reproduced against another server or a lab — and the scenario of the other end of the same
 * exchange (its peer), so both can run against each other (or with a server in the middle).
 *
 * What changes from the captured text (everything else is kept verbatim: User-Agent, P- headers,
 * Subject, non-SDP bodies):
 * - the endpoint's own address → `[local_ip]:[local_port]`, its peer's → `[remote_ip]:[remote_port]`
 *   (the bare IPs too when the two differ); the top Via → `SIP/2.0/[transport] [local_ip]:[local_port]`
 *   with `branch=[branch]` (a CANCEL and the ACK of a non-2xx carry the INVITE's: `[branch-N]`,
 *   RFC 3261 §9.1, §17.1.1.3); Call-ID → `[call_id]`; Content-Length → `[len]`;
 * - the SDP's addresses and ports → `[media_ip]`, `[local_ip]`, `[media_port]` (`[media_port+N]`);
 * - responses the endpoint sends take the request's headers as received: `[last_Via:]`,
 *   `[last_From:]`, `[last_To:]` (`;tag=` the captured To-tag added when the request had none),
 *   `[last_Call-ID:]`, `[last_CSeq:]`, `[last_Record-Route:]` (RFC 3261 §8.2.6.2) — or, when another
 *   message was received in between (a 487 after a CANCEL), the values saved from that request with
 *   `<ereg>`;
 * - in-dialog requests go to `[next_url]` with `[routes]`, learned with `rrs="true"` on the INVITE's
 *   2xx (the caller) or on the INVITE (the callee) (RFC 3261 §12.2.1.1); the peer's tag is learned
 *   with `<ereg>` from the message that carried it and sent as `[$peer_tagN]`; a request to another
 *   dialog than the one SIPp keeps (it stores the first route set only: a second fork's 2xx, RFC
 *   3261 §13.2.2.4) goes to that 2xx's Contact, saved with `<ereg>` (`[$targetN]`);
 * - a PRACK's RAck names the RSeq of the reliable provisional response, learned with `<ereg>`
 *   (`[$rseqN]`, RFC 3262 §7.2): a real UAS picks its own;
 * - credentials: a captured digest response cannot be replayed (its nonce is the capture's). After a
 *   401/407 the `<recv>` gets `auth="true"` and the request's Authorization becomes
 *   `[authentication]` (run SIPp with `-au USER -ap PASSWORD`); one without a challenge before it is
 *   dropped. Either way an XML comment says so.
 * Provisional responses an endpoint received are `optional="true"` (a replayed server may not send a
 * 100 or a 180), as in SIPp's own `uac` scenario. Retransmissions are left out: SIPp retransmits
 * over UDP itself (`retrans="500"` on requests) and answers a retransmitted request again — but those
 * of what was never answered (a 2xx never ACKed, a request timing out), sent as captured (see
 * {@link sippScenario}), with what the other end sent meanwhile between the copies in both
 * scenarios. A forked INVITE's responses are named with the endpoint that answered each
 * To-tag (a comment by each, and a summary at the top).
 * `keepTiming` adds a `<pause>` for each gap the capture shows before a message the endpoint sent.
 * Scenario reference: SIPp 3.x, "Scenario file format" and "Keywords".
 */
import { expandHeaderName } from '../../../shared/compact-forms';
import type { TraceAnalyzer } from '../analyzer';
import { callId } from '../call/call';
import type { MediaAnalysis, MediaStream } from '../../media/call-media';
import type { RtpPacketList } from '../../media/rtp-audio';
import { buildPcap, LINKTYPE_ETHERNET, type PacketInput } from '../../capture/writer/synthesize';
import { ladderModel, type LadderModel } from '../ladder/model';

/** One message of the exchange, as captured. */
export interface SippMessageIn {
  /** The message's text (head and body). */
  text: string;
  /** `host:port` of sender and receiver. */
  from: string;
  to: string;
  /** Capture time, µs. */
  timeUs: number;
  /** A retransmission of an earlier message (the analysis says so): most are left out (see {@link sippScenario}). */
  retransmission?: boolean;
}

export interface SippExportOptions {
  /**
   * The endpoint to play: `caller`, `callee` or one of the call's addresses (`host:port`, or a host
   * alone when one lane has it). Default `caller`.
   */
  side?: string;
  /** A `<pause>` for the gaps the capture shows before each message the endpoint sent. */
  keepTiming?: boolean;
  /** The RTP each end sent, played by SIPp from a pcap ({@link SippMedia}), by endpoint (`host:port`). */
  media?: ReadonlyMap<string, SippMedia>;
}

/**
 * The RTP an endpoint sent in the call, replayed by SIPp: `play_pcap_audio` of `file` (a pcap that
 * {@link sippRtpPcap} writes) when the capture's first packet went out, and the call held at least as
 * long as the capture's packets lasted.
 */
export interface SippMedia {
  /** The pcap's path as the scenario names it (SIPp opens it relative to where it runs). */
  file: string;
  /** Capture times (µs) of the first and last packet. */
  firstUs: number;
  lastUs: number;
  packets: number;
}

export interface SippScenario {
  /** The endpoint played (`host:port`) and the other end of its messages. */
  side: string;
  peer: string;
  /** `client`: the scenario starts by sending (run with the remote address); `server`: by receiving. */
  mode: 'client' | 'server';
  xml: string;
  /** A command line to run it (addresses as the capture had them). */
  command: string;
}

export interface SippExport {
  call: string;
  scenario: SippScenario;
  /** The other end of the same exchange, as its own scenario. */
  peer: SippScenario;
}

/** Why a call cannot be exported, said to the user. */
export class SippExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SippExportError';
  }
}

interface Parsed {
  startLine: string;
  /** Header lines (a folded header's continuation lines joined to it), name lower-cased and expanded. */
  headers: { name: string; line: string }[];
  body: string;
  kind: 'request' | 'response';
  method: string;
  status: number;
  uri: string;
  cseq: number;
  cseqMethod: string;
  fromTag: string | null;
  toTag: string | null;
  transport: string;
}

function parse(text: string): Parsed | null {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const lines = head.split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const headers: { name: string; line: string }[] = [];
  for (const l of lines.slice(1)) {
    if (/^[ \t]/.test(l) && headers.length > 0) {
      headers[headers.length - 1]!.line += ` ${l.trim()}`;
      continue;
    }
    const colon = l.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: expandHeaderName(l.slice(0, colon).trim()), line: l });
  }
  const value = (n: string): string => {
    const h = headers.find((x) => x.name === n);
    return h ? h.line.slice(h.line.indexOf(':') + 1).trim() : '';
  };
  const tagOf = (v: string): string | null => {
    // The tag of the name-addr, not of a parameter inside its <URI>.
    const gt = v.lastIndexOf('>');
    const t = /;\s*tag\s*=\s*([^;,\s>]+)/i.exec(gt >= 0 ? v.slice(gt) : v);
    return t ? t[1]! : null;
  };
  const cs = /^(\d+)\s+(\S+)/.exec(value('cseq'));
  const via = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)/i.exec(value('via'));
  const resp = /^SIP\/2\.0\s+(\d{3})/i.exec(startLine);
  const req = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0\s*$/i.exec(startLine);
  if (!resp && !req) return null;
  return {
    startLine,
    headers,
    body,
    kind: resp ? 'response' : 'request',
    method: req ? req[1]!.toUpperCase() : '',
    status: resp ? Number(resp[1]) : 0,
    uri: req ? req[2]! : '',
    cseq: cs ? Number(cs[1]) : -1,
    cseqMethod: cs ? cs[2]!.toUpperCase() : '',
    fromTag: tagOf(value('from')),
    toTag: tagOf(value('to')),
    transport: via ? via[1]!.toUpperCase() : 'UDP',
  };
}

/** What a `<recv>` of the message waits for: `request="BYE"`, `response="200"`. */
const recvWhat = (p: Parsed): string =>
  p.kind === 'request' ? `request="${p.method}"` : `response="${p.status}"`;

/** The value of header `name` (lower-case, long form), trimmed; '' when absent. */
function header(p: Parsed, name: string): string {
  const h = p.headers.find((x) => x.name === name);
  return h ? h.line.slice(h.line.indexOf(':') + 1).trim() : '';
}

/** RFC 3261 T2 (µs): the longest interval between copies of a non-INVITE request or of a 2xx. */
const T2_US = 4_000_000;

/** How long a replayed call is held after the endpoint's last RTP packet, at most (µs). */
const MEDIA_TAIL_US = 1_000_000;

/** A message of the exchange; `retransmits`: a retransmission kept, sent: its original's index. */
interface Exchanged {
  m: SippMessageIn;
  p: Parsed;
  sent: boolean;
  retransmits?: number;
  /** Received: the retransmissions of it the capture shows (SIPp absorbs them), their times (µs). */
  absorbed?: number[];
}

/**
 * What SIPp 3.6 makes of a copy of a message it received (call.cpp, over UDP): a copy of the last
 * message received, when nothing was sent since, is dropped; a copy of the message received just
 * before its latest send makes it send that again (each send after a receive notes the message
 * received last, none when it sent since); any other copy goes through the scenario as a new message.
 * Messages are keys (an original's index: its copies have the same bytes).
 */
function sippRetransState(): {
  see: (sent: boolean, key: number) => void;
  absorbs: (key: number) => boolean;
  /** The message SIPp sends again for a copy of `key` (-1: none). */
  resends: (key: number) => number;
} {
  let received = false;
  let lastRecv = -1;
  let answered = -1;
  let answeredWith = -1;
  return {
    see(sent, key) {
      if (!sent) {
        received = true;
        lastRecv = key;
      } else if (received) {
        answered = lastRecv;
        answeredWith = key;
        lastRecv = -1;
      }
    },
    absorbs: (key) => key === lastRecv || key === answered,
    resends: (key) => (key >= 0 && key === answered ? answeredWith : -1),
  };
}

/**
 * The exchange without its retransmissions, but those of an unanswered message (see
 * {@link sippScenario}): a final response to an INVITE before the ACK came, a request (not an ACK)
 * that got no response at all. A sent one stays as a message of its own (`retransmits`: its
 * original); a received one is listed on its original (`absorbed`).
 */
function keepUnansweredRetransmissions(all: readonly Exchanged[]): Exchanged[] {
  const out: Exchanged[] = [];
  /** Index in `all` → index in `out`, for originals. */
  const at = new Map<number, number>();
  const sipp = sippRetransState();
  all.forEach((e, i) => {
    if (!e.m.retransmission) {
      at.set(i, out.length);
      sipp.see(e.sent, out.length);
      out.push({ ...e });
      return;
    }
    const { p } = e;
    const same = (x: Exchanged): boolean =>
      x.sent === e.sent &&
      !x.m.retransmission &&
      x.p.kind === p.kind &&
      x.p.cseq === p.cseq &&
      x.p.cseqMethod === p.cseqMethod &&
      x.p.status === p.status &&
      x.p.toTag === p.toTag;
    // (none: the analysis took another message for a copy — a fork's 2xx, another To-tag: left out)
    let k = i - 1;
    while (k >= 0 && !same(all[k]!)) k--;
    if (k < 0) return;
    const other = (x: Exchanged): boolean => x.sent !== e.sent;
    let unanswered = false;
    if (p.kind === 'response' && p.cseqMethod === 'INVITE' && p.status >= 200)
      // no ACK of it in the whole exchange (RFC 3261 §13.3.1.4: the 2xx; §17.2.1: a 3xx-6xx). One
      // that came late is not waited for: a replayed peer ACKs at once, and SIPp takes a message
      // that comes during a <pause> for an unexpected one.
      unanswered = !all.some(
        (x) => other(x) && x.p.kind === 'request' && x.p.method === 'ACK' && x.p.cseq === p.cseq,
      );
    else if (p.kind === 'request' && p.method !== 'ACK')
      // no response to it in the whole exchange: the transaction timed out
      unanswered = !all.some(
        (x) => other(x) && x.p.kind === 'response' && x.p.cseq === p.cseq && x.p.cseqMethod === p.method,
      );
    if (!unanswered) return;
    const o = at.get(k)!;
    // (a copy SIPp takes for a new message needs a <recv> of its own: an INVITE's after the CANCEL)
    if (!e.sent && sipp.absorbs(o)) (out[o]!.absorbed ??= []).push(e.m.timeUs);
    else {
      sipp.see(e.sent, o);
      out.push({ ...e, retransmits: o });
    }
  });
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `127.0.0.1:5060` → host and port (IPv6 in brackets). */
function splitAddress(a: string): { host: string; port: string } {
  const i = a.lastIndexOf(':');
  return i > 0 && !a.endsWith(']') ? { host: a.slice(0, i), port: a.slice(i + 1) } : { host: a, port: '' };
}

/** XML comment text (`--` is not allowed in one). */
const comment = (s: string): string => `<!-- ${s.replace(/-{2,}/g, (d) => d.split('').join(' '))} -->`;

/** CDATA that survives a `]]>` in the text. */
const cdata = (s: string): string => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/**
 * The scenario of endpoint `side` from the messages it exchanged with `peer` (in capture order).
 * Retransmissions are left out (SIPp retransmits and answers them itself) but those of a message the
 * capture shows unanswered — a final response to an INVITE retransmitted before its ACK (RFC 3261
 * §13.3.1.4, §17.2.1), a request retransmitted without any response (a BYE's timeout) — which the
 * endpoint sent: they are `<send>`s of the same text (the original's branch), each after the gap the
 * capture shows (a timer's), and the original has no `retrans` (SIPp would add its own). Received,
 * SIPp absorbs such copies (it ignores a message identical to the last one received): they are named
 * in a comment — but a copy that came after another message is a `<recv>` (SIPp matches it as new).
 * What either end sent while copies went waits its captured gap, so it comes between the copies as
 * captured; a message received right after a copy may come before it (`<recv timeout ontimeout>`,
 * the copy at once after it); what a replayed SIPp peer sends again at each copy (its message sent
 * after the original) is taken anywhere (`optional="global" advance_state="false"`). Throws
 * {@link SippExportError} when nothing can be made of them.
 */
export function sippScenario(
  messages: readonly SippMessageIn[],
  side: string,
  peer: string,
  o: {
    keepTiming?: boolean;
    title?: string;
    media?: SippMedia;
    /** The endpoint that answered with each To-tag (the UAS of a fork), to name it. */
    forks?: ReadonlyMap<string, string>;
  } = {},
): SippScenario {
  const notes: string[] = [];
  const all: Exchanged[] = [];
  let skipped = 0;
  for (const m of messages) {
    const ours = (m.from === side && m.to === peer) || (m.from === peer && m.to === side);
    if (!ours) continue;
    const p = parse(m.text);
    if (!p) {
      skipped++;
      continue;
    }
    all.push({ m, p, sent: m.from === side });
  }
  const ex = keepUnansweredRetransmissions(all);
  if (skipped) notes.push(`${skipped} message(s) that are not SIP requests or responses left out`);
  // A scenario starts with a request (sent: a client; received: a server).
  let lead = 0;
  while (lead < ex.length && ex[lead]!.p.kind !== 'request') lead++;
  if (lead === ex.length)
    throw new SippExportError(
      ex.length === 0
        ? `${side} and ${peer} exchanged no SIP messages in this call`
        : `the messages between ${side} and ${peer} hold no request: a SIPp scenario starts with one`,
    );
  if (lead > 0)
    notes.push(`${lead} response(s) before the first request left out (the capture starts mid-call)`);
  // (a kept retransmission's original: its index in the list; one of a message left out goes too,
  // and the indices of the copies after it follow the list as it is, not as it was)
  const list: Exchanged[] = [];
  const indexIn = new Map<number, number>();
  for (let i = lead; i < ex.length; i++) {
    const e = ex[i]!;
    if (e.retransmits === undefined) {
      indexIn.set(i, list.length);
      list.push(e);
    } else {
      const o = indexIn.get(e.retransmits);
      if (o !== undefined) list.push({ ...e, retransmits: o });
    }
  }
  const mode = list[0]!.sent ? 'client' : 'server';
  // A forked INVITE (RFC 3261 §16.7, §13.2.2.4): responses with several To-tags, one early or
  // confirmed dialog each; each is named with the endpoint that answered.
  const forkTags = [
    ...new Set(
      list
        .filter(
          (e) => e.p.kind === 'response' && e.p.cseqMethod === 'INVITE' && e.p.status > 100 && e.p.toTag,
        )
        .map((e) => e.p.toTag!),
    ),
  ];
  const forkName = (t: string): string => {
    const by = o.forks?.get(t);
    return `fork ${forkTags.indexOf(t) + 1} of ${forkTags.length} (To-tag ${t}${by ? `, answered by ${by}` : ''})`;
  };
  if (forkTags.length > 1)
    notes.push(
      `the INVITE forked into ${forkTags.length} dialogs: ${forkTags.map(forkName).join('; ')}; a comment by each of their responses says which.${o.forks ? " To replay a fork's own end, export the call with its address as the side (its exchange with the endpoint that forked)." : ''}`,
    );
  const forkRemark = (p: Parsed): string | null =>
    forkTags.length > 1 &&
    p.kind === 'response' &&
    p.cseqMethod === 'INVITE' &&
    p.toTag &&
    forkTags.includes(p.toTag)
      ? forkName(p.toTag)
      : null;
  const { host: sideHost, port: sidePort } = splitAddress(side);
  const { host: peerHost, port: peerPort } = splitAddress(peer);
  const addressRules: [RegExp, string][] = [];
  if (sidePort)
    addressRules.push([new RegExp(`(?<![\\w.])${escapeRe(side)}(?!\\d)`, 'g'), '[local_ip]:[local_port]']);
  if (peerPort)
    addressRules.push([new RegExp(`(?<![\\w.])${escapeRe(peer)}(?!\\d)`, 'g'), '[remote_ip]:[remote_port]']);
  if (sideHost !== peerHost) {
    // A bare host: not inside a longer name or address (an IPv6 host: not after another colon group).
    const bare = (h: string): RegExp =>
      new RegExp(`(?<![\\w.${h.includes(':') ? ':' : ''}])${escapeRe(h)}(?![\\w.])`, 'g');
    addressRules.push([bare(sideHost), '[local_ip]']);
    addressRules.push([bare(peerHost), '[remote_ip]']);
  }
  const addresses = (s: string): string => addressRules.reduce((acc, [re, to]) => acc.replace(re, to), s);

  // Peer tags: learned from the received message that carried each (From of a request, To of a response).
  const peerTags = new Map<string, string>();
  const peerTagOf = (p: Parsed): string | null => (p.kind === 'request' ? p.fromTag : p.toTag);
  for (const e of list) {
    if (e.sent) continue;
    const t = peerTagOf(e.p);
    if (t && !peerTags.has(t)) peerTags.set(t, `peer_tag${peerTags.size + 1}`);
  }
  // The variable holds `;tag=…` (SIPp refuses a variable assigned and never used: no group to discard).
  const tagRules = [...peerTags].map(
    ([t, v]) => [new RegExp(`;\\s*tag\\s*=\\s*${escapeRe(t)}(?![^;,\\s>])`, 'gi'), `[$${v}]`] as const,
  );
  const withTags = (s: string): string => tagRules.reduce((acc, [re, to]) => acc.replace(re, to), s);

  /** Lines, or a received message's element: written once the variables the sends use are known. */
  const out: (string | ((used: ReadonlySet<string>) => string[]))[] = [];
  /** Scenario element index of each exchange message (SIPp counts every element: [branch-N]). */
  const elementOf = new Map<number, number>();
  /** Sent requests: the element whose branch each carries (a CANCEL: its INVITE's). */
  const branchElementOf = new Map<number, number>();
  let elements = 0;
  /** Received requests whose headers a later response needs saved (a message came in between). */
  const saveFrom = new Set<number>();
  const answers = new Map<number, number>();
  list.forEach((e, i) => {
    if (!e.sent || e.p.kind !== 'response') return;
    for (let j = i - 1; j >= 0; j--) {
      const r = list[j]!;
      if (!r.sent && r.p.kind === 'request' && r.p.cseq === e.p.cseq && r.p.method === e.p.cseqMethod) {
        answers.set(i, j);
        const lastRecv = list.slice(0, i).findLastIndex((x) => !x.sent);
        if (lastRecv !== j) saveFrom.add(j);
        break;
      }
    }
  });
  // rrs on the message that gives the dialog's remote target and route set.
  const rrsAt = new Set<number>();
  list.forEach((e, i) => {
    if (e.sent || e.retransmits !== undefined) return;
    const initialInvite = e.p.kind === 'request' && e.p.method === 'INVITE' && !e.p.toTag;
    const inviteOk =
      e.p.kind === 'response' && e.p.cseqMethod === 'INVITE' && e.p.status >= 200 && e.p.status < 300;
    if (initialInvite || inviteOk) rrsAt.add(i);
  });
  const authChallenge = new Set<number>();
  list.forEach((e, i) => {
    if (e.sent || (e.p.status !== 401 && e.p.status !== 407)) return;
    const next = list.slice(i + 1).find((x) => x.sent && x.p.kind === 'request' && x.p.method !== 'ACK');
    if (next?.p.headers.some((h) => h.name === 'authorization' || h.name === 'proxy-authorization'))
      authChallenge.add(i);
  });
  // Provisional responses are optional, but SIPp refuses an optional <recv> right before a <send>
  // (or the end: 'a <recv> before <send> sequence without a mandatory message'): a run's last is mandatory.
  const optionalAt = new Set<number>();
  list.forEach((e, i) => {
    if (e.sent || e.p.kind !== 'response' || e.p.status >= 200) return;
    optionalAt.add(i);
  });
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.sent) continue;
    let j = i;
    while (j + 1 < list.length && !list[j + 1]!.sent) j++;
    optionalAt.delete(j);
    i = j;
  }
  let learnedRoute = false;
  /**
   * The received message SIPp's [next_url] and [routes] are from: it keeps the first with rrs that had
   * a Record-Route (SIPp 3.6 call.cpp: 'store the route set only once'), until then the last one.
   */
  let routeAt = -1;
  let routeFixed = false;
  const recordRoutes = (k: number): string =>
    list[k]!.p.headers.filter((h) => h.name === 'record-route')
      .map((h) => h.line.slice(h.line.indexOf(':') + 1).trim())
      .join(', ');
  let prevUs = list[0]!.m.timeUs;

  const media = o.media;
  let mediaStarted = false;
  /** The RTP starts playing: SIPp's play_pcap_audio runs beside the scenario (an element of its own). */
  const startMedia = (): void => {
    mediaStarted = true;
    out.push(
      `  ${comment(`the RTP ${side} sent: ${media!.packets} packets over ${((media!.lastUs - media!.firstUs) / 1e6).toFixed(1)} s, from its media port to the peer's SDP address`)}`,
      '  <nop>',
      '    <action>',
      `      <exec play_pcap_audio="${xmlAttr(media!.file)}"/>`,
      '    </action>',
      '  </nop>',
    );
    elements++;
  };

  /**
   * The `<recv>` of list[i]; `early`: the one of a message that may come before the copy (or the
   * timed send) just before it in the capture is due — it waits that long (`timeout`) and else jumps
   * to the send (`ontimeout`).
   */
  const recvElement = (i: number, gapMs: number, early: { timeout: number; label: string } | null): void => {
    const e = list[i]!;
    const { p } = e;
    const attrs: string[] = [recvWhat(p)];
    if (early) attrs.push(`timeout="${early.timeout}"`, `ontimeout="${early.label}"`);
    else if (optionalAt.has(i)) attrs.push('optional="true"');
    if (rrsAt.has(i)) attrs.push('rrs="true"');
    if (authChallenge.has(i)) attrs.push('auth="true"');
    /** `<ereg>`s: [variable, element]. */
    const actions: [string, string][] = [];
    const copy = e.retransmits !== undefined;
    const t = copy ? null : peerTagOf(p);
    if (t) {
      const header = p.kind === 'request' ? 'From:' : 'To:';
      const v = peerTags.get(t)!;
      actions.push([
        v,
        `<ereg regexp=";[[:space:]]*tag[[:space:]]*=[[:space:]]*[^;>[:space:]]+" search_in="hdr" header="${header}" assign_to="${v}"/>`,
      ]);
    }
    const contact = p.headers.find((h) => h.name === 'contact')?.line;
    if (rrsAt.has(i) && contact) {
      // The dialog's remote target, for a request to it after another dialog's rrs (a fork's 2xx).
      // (no "<" in it: SIPp's XML reader refuses one in an attribute)
      const uri = contact.includes('<') ? '[^>[:space:]]+' : '[^>;[:space:]]+';
      actions.push([
        `target${i}`,
        `<ereg regexp="sips?:${uri}" search_in="hdr" header="Contact:" assign_to="target${i}"/>`,
      ]);
    }
    if (!copy && p.kind === 'response' && header(p, 'rseq'))
      // a reliable provisional response's RSeq, which a PRACK's RAck names (RFC 3262 §7.2): the peer's number
      actions.push([
        `rseq${i}`,
        `<ereg regexp="[0-9]+" search_in="hdr" header="RSeq:" assign_to="rseq${i}"/>`,
      ]);
    if (!copy && saveFrom.has(i)) {
      for (const [h, v] of [
        ['Via:', 'via'],
        ['From:', 'from'],
        ['To:', 'to'],
        ['CSeq:', 'cseq'],
      ] as const)
        actions.push([
          `r${i}_${v}`,
          `<ereg regexp=".*" search_in="hdr" header="${h}" assign_to="r${i}_${v}"/>`,
        ]);
    }
    const label = p.kind === 'request' ? p.method : p.startLine.replace(/^SIP\/2\.0\s+/i, '');
    if (early)
      out.push(
        `  ${comment(`${label} from the peer, should it come before the copy below is due (in ${early.timeout} ms; the capture has it ${gapMs} ms after): the copy goes at once after it`)}`,
      );
    else out.push(`  ${comment(`${label}${copy ? ' again' : ''} from the peer (+${gapMs} ms)`)}`);
    if (copy && !early)
      out.push(
        `  ${comment('a copy, as captured (it was never answered): another message came after the first, so SIPp takes this one for a new message, not a copy')}`,
      );
    const fork = copy ? null : forkRemark(p);
    if (fork) out.push(`  ${comment(fork)}`);
    if (early) elements++;
    else elementOf.set(i, elements++);
    out.push((used) => {
      const mine = actions.filter(([v]) => used.has(v)).map(([, a]) => `      ${a}`);
      return mine.length
        ? [`  <recv ${attrs.join(' ')}>`, '    <action>', ...mine, '    </action>', '  </recv>']
        : [`  <recv ${attrs.join(' ')}/>`];
    });
    if (e.absorbed && !early) {
      const gaps = e.absorbed.map((t, k) => Math.round((t - (e.absorbed![k - 1] ?? e.m.timeUs)) / 1000));
      out.push(
        `  ${comment(`the peer retransmitted it ${e.absorbed.length} time(s) (after ${gaps.join(', ')} ms), ${p.kind === 'response' ? `the endpoint never sent the ACK: there is none here either` : 'the endpoint never answered: nor does this scenario'}; SIPp ignores copies of a message it received (and of a call it ended)`)}`,
      );
    }
    if (rrsAt.has(i) && !early) {
      learnedRoute = true;
      if (!routeFixed) {
        routeAt = i;
        routeFixed = recordRoutes(i) !== '';
      }
    }
  };

  /** The `<send>` of list[i]; `next`: a label to go on from (the early path of a copy, above). */
  const sendElement = (i: number, gapMs: number, next: string | null): void => {
    const e = list[i]!;
    const { p } = e;
    const retransmits = e.retransmits;
    const lines: string[] = [];
    const remarks = new Set<string>();
    if (p.kind === 'request') {
      // The INVITE this CANCEL or ACK (of a non-2xx) belongs to: its transaction's branch and URI.
      const inviteIdx =
        p.method === 'CANCEL' || p.method === 'ACK'
          ? list.slice(0, i).findLastIndex((x) => x.sent && x.p.method === 'INVITE' && x.p.cseq === p.cseq)
          : -1;
      const finalToInvite =
        p.method === 'ACK' && inviteIdx >= 0
          ? list
              .slice(inviteIdx + 1, i)
              .findLast(
                (x) => !x.sent && x.p.kind === 'response' && x.p.cseqMethod === 'INVITE' && x.p.status >= 200,
              )
          : undefined;
      const sameTransaction =
        p.method === 'CANCEL' || (finalToInvite !== undefined && finalToInvite.p.status >= 300);
      const inDialog = !!p.toTag && !sameTransaction && learnedRoute;
      // Another dialog than the one SIPp keeps (a fork's 2xx, RFC 3261 §13.2.2.4): its own target and routes.
      const dialogAt = inDialog
        ? list.slice(0, i).findLastIndex((x, k) => rrsAt.has(k) && peerTagOf(x.p) === p.toTag)
        : -1;
      const otherDialog =
        dialogAt >= 0 &&
        routeAt >= 0 &&
        peerTagOf(list[routeAt]!.p) !== p.toTag &&
        !!list[dialogAt]!.p.headers.some((h) => h.name === 'contact');
      const ownRoutes = otherDialog && recordRoutes(dialogAt) !== recordRoutes(routeAt);
      if (otherDialog)
        remarks.add(
          `to the dialog of the ${list[dialogAt]!.p.startLine.replace(/^SIP\/2\.0\s+/i, '')} with To-tag ${p.toTag} (a fork): its Contact saved there ([$target${dialogAt}]); ${ownRoutes ? 'its route set differs from the one SIPp keeps, the captured Route headers kept' : '[routes] (the same route set)'}`,
        );
      // The element whose [branch] this request carries: its own, its INVITE's, its original's.
      const branchAt =
        retransmits !== undefined
          ? branchElementOf.get(retransmits)!
          : sameTransaction && inviteIdx >= 0
            ? branchElementOf.get(inviteIdx)!
            : elements;
      branchElementOf.set(i, branchAt);
      const branch = branchAt === elements ? '[branch]' : `[branch-${elements - branchAt}]`;
      if (otherDialog) lines.push(`${p.method} [$target${dialogAt}] SIP/2.0`);
      else if (inDialog) lines.push(`${p.method} [next_url] SIP/2.0`);
      else if (sameTransaction && inviteIdx >= 0)
        lines.push(`${p.method} ${addresses(list[inviteIdx]!.p.uri)} SIP/2.0`);
      else lines.push(addresses(p.startLine));
      let firstVia = true;
      let routesPut = false;
      for (const h of p.headers) {
        if (h.name === 'via' && firstVia) {
          firstVia = false;
          const v = h.line.slice(h.line.indexOf(':') + 1).trim();
          const params = v
            .replace(/^SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+[^;\s]+/i, '')
            .replace(/;\s*branch\s*=\s*[^;\s,]+/i, '');
          lines.push(`Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${branch}${addresses(params)}`);
        } else if (h.name === 'call-id') lines.push('Call-ID: [call_id]');
        else if (h.name === 'content-length') lines.push('Content-Length: [len]');
        else if (h.name === 'route' && inDialog && !ownRoutes) {
          if (!routesPut) lines.push('[routes]');
          routesPut = true;
        } else if (h.name === 'authorization' || h.name === 'proxy-authorization') {
          const challenged = list.slice(0, i).some((_, j) => authChallenge.has(j));
          const user = /username\s*=\s*"([^"]*)"/i.exec(h.line)?.[1];
          if (challenged) {
            // Before Content-Length: SIPp 3.6 crashes on an [authentication] after [len].
            const cl = lines.findIndex((l) => l === 'Content-Length: [len]');
            const auth = user ? `[authentication username=${user}]` : '[authentication]';
            if (cl >= 0) lines.splice(cl, 0, auth);
            else lines.push(auth);
            remarks.add(
              `the captured ${h.name === 'authorization' ? 'Authorization' : 'Proxy-Authorization'} answered the capture's nonce: SIPp computes a new one (run with ${user ? '' : '-au USER '}-ap PASSWORD)`,
            );
          } else
            remarks.add(
              `the captured ${h.name === 'authorization' ? 'Authorization' : 'Proxy-Authorization'} (user ${user ?? '?'}) is left out: a digest response cannot be replayed`,
            );
        } else if (h.name === 'rack') {
          // RAck: RSEQ CSEQ METHOD — the RSeq of the reliable provisional response it acknowledges
          const [rseq, rest] = /^\s*(\d+)(.*)$/.exec(h.line.slice(h.line.indexOf(':') + 1))?.slice(1) ?? [];
          const from = list
            .slice(0, i)
            .findLastIndex((x) => !x.sent && x.p.kind === 'response' && header(x.p, 'rseq') === rseq);
          lines.push(from >= 0 ? `RAck: [$rseq${from}]${rest}` : withTags(addresses(h.line)));
          if (from >= 0)
            remarks.add("RAck names the peer's RSeq, saved from its reliable provisional response");
        } else lines.push(withTags(addresses(h.line)));
      }
      if (inDialog && !ownRoutes && !routesPut && p.headers.some((h) => h.name === 'route'))
        lines.push('[routes]');
    } else {
      const reqIdx = answers.get(i);
      const req = reqIdx === undefined ? undefined : list[reqIdx];
      const saved = reqIdx !== undefined && saveFrom.has(reqIdx);
      lines.push(p.startLine);
      let viaPut = false;
      let rrPut = false;
      for (const h of p.headers) {
        if (!req) {
          lines.push(h.name === 'content-length' ? 'Content-Length: [len]' : withTags(addresses(h.line)));
          continue;
        }
        const addTag = p.toTag && !req.p.toTag ? `;tag=${p.toTag}` : '';
        if (h.name === 'via') {
          if (!viaPut) lines.push(saved ? `Via: [$r${reqIdx}_via]` : '[last_Via:]');
          viaPut = true;
        } else if (h.name === 'from') lines.push(saved ? `From: [$r${reqIdx}_from]` : '[last_From:]');
        else if (h.name === 'to') lines.push(saved ? `To: [$r${reqIdx}_to]${addTag}` : `[last_To:]${addTag}`);
        else if (h.name === 'call-id') lines.push(saved ? 'Call-ID: [call_id]' : '[last_Call-ID:]');
        else if (h.name === 'cseq') lines.push(saved ? `CSeq: [$r${reqIdx}_cseq]` : '[last_CSeq:]');
        else if (h.name === 'record-route') {
          // The request's Record-Route echoed (§12.1.1); one the endpoint added itself (a proxy's) as captured.
          const echoed = !saved && req.p.headers.some((x) => x.name === 'record-route');
          if (!echoed) lines.push(withTags(addresses(h.line)));
          else if (!rrPut) lines.push('[last_Record-Route:]');
          rrPut = echoed;
        } else if (h.name === 'content-length') lines.push('Content-Length: [len]');
        else lines.push(withTags(addresses(h.line)));
      }
      if (!req) remarks.add('the request it answers is not in this exchange: its headers are as captured');
    }
    let body = sdpKeywords(p.body, p.headers) ?? p.body;
    // What SIPp cannot send as written: bytes that are not text (an ISUP part, junk), a request
    // without Call-ID (SIPp ties messages to calls by it), an IPv6 literal of a third host ([…] is a
    // keyword to SIPp), a Content-Length before other headers (SIPp cuts the message after [len]).
    if (!isText(body)) {
      remarks.add('its body is not text (binary bytes): left out, with its Content-Type');
      body = '';
      for (let k = lines.length - 1; k > 0; k--)
        if (/^(content-type|c|mime-version)\s*:/i.test(lines[k]!)) lines.splice(k, 1);
    }
    for (let k = lines.length - 1; k > 0; k--)
      if (!isText(lines[k]!)) {
        remarks.add(
          `a header with bytes that are not text left out (${[...lines[k]!.split(':', 1)[0]!].map((c) => (isText(c) ? c : '?')).join('')})`,
        );
        lines.splice(k, 1);
      }
    if (p.kind === 'request' && !p.headers.some((h) => h.name === 'call-id')) {
      lines.splice(1, 0, 'Call-ID: [call_id]');
      remarks.add('the captured request had no Call-ID: SIPp needs one, [call_id] added');
    }
    const unbracket = (t: string): string =>
      t.replace(/\[([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)\]/g, (_, v6: string) => {
        remarks.add(`IPv6 address ${v6} written without its brackets ([…] is a keyword to SIPp)`);
        return v6;
      });
    for (let k = 0; k < lines.length; k++) lines[k] = unbracket(lines[k]!);
    body = unbracket(body);
    const cl = lines.indexOf('Content-Length: [len]');
    if (cl >= 0) lines.splice(cl, 1);
    lines.push('Content-Length: [len]');
    const label = p.kind === 'request' ? p.method : p.startLine.replace(/^SIP\/2\.0\s+/i, '');
    if (retransmits !== undefined)
      remarks.add(
        p.kind === 'response'
          ? 'a retransmission, as captured: the ACK never came (RFC 3261 §13.3.1.4, §17.2.1)'
          : 'a retransmission, as captured: no response had come (the transaction timed out)',
      );
    const retransmitted = list.some((x) => x.retransmits === i);
    if (next)
      out.push(`  ${comment(`${label}${retransmits !== undefined ? ' again' : ''} to the peer, at once`)}`);
    else
      out.push(
        `  ${comment(`${label}${retransmits !== undefined ? ' again' : ''} to the peer (+${gapMs} ms)`)}`,
      );
    const fork = forkRemark(p);
    if (fork) remarks.add(fork);
    if (!next) for (const r of remarks) out.push(`  ${comment(r)}`);
    if (retransmitted && !next)
      out.push(
        `  ${comment('retransmitted as the capture shows (the copies below), not by SIPp: no retrans')}`,
      );
    const retrans =
      p.kind === 'request' && p.method !== 'ACK' && retransmits === undefined && !retransmitted
        ? ' retrans="500"'
        : '';
    if (next) elements++;
    else elementOf.set(i, elements++);
    out.push(
      `  <send${retrans}${next ? ` next="${next}"` : ''}>`,
      `    ${cdata(`\n\n${[...lines, '', body.replace(/\r\n/g, '\n')].join('\n')}\n`)}`,
      '  </send>',
    );
  };

  // Copy windows: from a message sent again (or received again) as captured to its last copy, and
  // the interval a next copy would have come after (RFC 3261 Timers A, E, G and §13.3.1.4: doubled,
  // at most T2 but an INVITE's). What either end sends inside one waits its captured gap, with or
  // without keepTiming, so what came between the copies comes between them in the replay too.
  const copyTimes = new Map<number, number[]>();
  const copiesOf = (i: number): number[] => copyTimes.get(i) ?? copyTimes.set(i, []).get(i)!;
  list.forEach((e, i) => {
    if (e.absorbed) copiesOf(i).push(...e.absorbed);
    if (e.retransmits !== undefined) copiesOf(e.retransmits).push(e.m.timeUs);
  });
  const windows: [number, number][] = [];
  for (const [i, copies] of copyTimes) {
    const times = [list[i]!.m.timeUs, ...copies].sort((a, b) => a - b);
    const last = times.at(-1)!;
    const gap = last - times.at(-2)!;
    const inviteRequest = list[i]!.p.kind === 'request' && list[i]!.p.method === 'INVITE';
    windows.push([list[i]!.m.timeUs, last + (inviteRequest ? 2 * gap : Math.min(2 * gap, T2_US))]);
  }
  const inWindow = (i: number): boolean => {
    const t = list[i]!.m.timeUs;
    return windows.some(([a, b]) => t > a && t <= b);
  };
  /** `r` answers request `q` (a response to it), or ACKs response `q`: it cannot come before `q`. */
  const answersTo = (r: Parsed, q: Parsed): boolean =>
    r.cseq === q.cseq &&
    (q.kind === 'request' ? r.kind === 'response' && r.cseqMethod === q.method : r.method === 'ACK');
  /**
   * A send that waits its captured gap because copies go (a copy; what either end sends while they
   * go, but an answer to the message just received: it went when that came).
   */
  const timedAt = (i: number): boolean => {
    const e = list[i]!;
    const prev = list[i - 1];
    return (
      e.sent &&
      (e.retransmits !== undefined || (inWindow(i) && !(prev && !prev.sent && answersTo(e.p, prev.p))))
    );
  };
  /** A timed send after a gap whose next message, received, may come before it is due (see below). */
  const racesAt = (i: number, gapMs: number): boolean => {
    const r = list[i + 1];
    return (
      gapMs > 0 && i > 0 && timedAt(i) && !!r && !r.sent && inWindow(i + 1) && !answersTo(r.p, list[i]!.p)
    );
  };
  // A response sent at once after another message came (the early path) takes its request's headers
  // saved with <ereg>, not [last_…] (they would be that message's): its original and copies too, so
  // all have the same bytes (SIPp on the other end knows a copy by them).
  let prevAt = list[0]!.m.timeUs;
  list.forEach((e, i) => {
    const gap = Math.round((e.m.timeUs - prevAt) / 1000);
    prevAt = e.m.timeUs;
    const j = answers.get(i);
    if (j !== undefined && racesAt(i, gap)) saveFrom.add(j);
  });
  /** A label to write after a message's element: where a copy's early path goes on. */
  const labelAfter = new Map<number, string>();
  // The peer's SIPp (a replayed peer) sends a message again when a copy of the one it came after
  // arrives (it takes the copy for a retransmission its message answers: the CANCEL it sent after
  // the 200, at each copy of the 200). Where this endpoint's SIPp would not drop those, each kind
  // gets a <recv optional="global" advance_state="false">: taken wherever it comes, changing nothing.
  const mine = sippRetransState();
  const theirs = sippRetransState();
  const resent = new Map<string, number>();
  let peerEnd = -1;
  const resentAt: [number, number][] = [];
  list.forEach((e, i) => {
    mine.see(e.sent, e.retransmits ?? i);
    if (!e.sent) {
      theirs.see(true, i);
      peerEnd = i;
      return;
    }
    const key = e.retransmits ?? i;
    const again = e.retransmits === undefined ? -1 : theirs.resends(key);
    if (again >= 0) {
      if (!mine.absorbs(again)) resentAt.push([i, again]);
    } else if (e.retransmits === undefined || !theirs.absorbs(key)) {
      theirs.see(false, key);
      peerEnd = i;
    }
  });
  for (const [i, again] of resentAt) {
    if (i < peerEnd) resent.set(recvWhat(list[again]!.p), again);
  }
  /** Where the global receives go: before the first mandatory receive of another kind (SIPp waits there). */
  const absorbAt = resent.size
    ? list.findIndex((e, i) => !e.sent && !optionalAt.has(i) && !resent.has(recvWhat(e.p)))
    : -1;

  list.forEach((e, i) => {
    if (media && !mediaStarted && e.m.timeUs >= media.firstUs) startMedia();
    // Without the capture's pauses, a message sent while the RTP played waits as the capture did, so
    // a BYE does not end the call before its audio: the gap's overlap with the RTP's time and up to a
    // second after it (the other end's last packets, which started later, still go out).
    if (media && mediaStarted && e.sent && !o.keepTiming) {
      const until = Math.min(e.m.timeUs, media.lastUs + MEDIA_TAIL_US);
      const ms = Math.round((until - Math.max(prevUs, media.firstUs)) / 1000);
      if (ms > 0) {
        out.push(
          `  ${comment('the RTP goes on as long as it did in the capture')}`,
          `  <pause milliseconds="${ms}"/>`,
        );
        elements++;
      }
    }
    const gapMs = Math.round((e.m.timeUs - prevUs) / 1000);
    prevUs = e.m.timeUs;
    if (!e.sent) {
      if (i === absorbAt)
        for (const [kind, k] of resent) {
          out.push(
            `  ${comment(`the peer's SIPp sends its ${list[k]!.p.kind === 'request' ? list[k]!.p.method : list[k]!.p.status} again at each copy that comes after it (it takes the copy for a retransmission of the message before it): taken and left alone, wherever it comes`)}`,
            `  <recv ${kind} optional="global" advance_state="false"/>`,
          );
          elements++;
        }
      recvElement(i, gapMs, null);
      const after = labelAfter.get(i);
      if (after) out.push(`  <label id="${after}"/>`);
      return;
    }
    // a retransmission waits its timer, as captured, with or without keepTiming; so does what the
    // endpoint sent while copies went (its own or its peer's)
    const timed = timedAt(i);
    if ((o.keepTiming || timed) && gapMs > 0 && i > 0) {
      const r = list[i + 1];
      if (r && racesAt(i, gapMs)) {
        // The message received next may come before this one is due (both ends keep the captured
        // gaps, each from its own last message): wait for it at most as long, then send this one.
        const due = `due${i}`;
        const after = `after${i + 1}`;
        recvElement(i + 1, Math.round((r.m.timeUs - e.m.timeUs) / 1000), { timeout: gapMs, label: due });
        sendElement(i, gapMs, after);
        out.push(`  <label id="${due}"/>`);
        labelAfter.set(i + 1, after);
      } else {
        if (e.retransmits === undefined && !o.keepTiming)
          out.push(`  ${comment('sent while copies went (above): at the captured gap, as they are')}`);
        out.push(`  <pause milliseconds="${gapMs}"/>`);
        elements++;
      }
    }
    sendElement(i, gapMs, null);
  });

  if (media && !mediaStarted) {
    // The RTP came after the last message (the capture ends in the call): play it, then hold the call.
    startMedia();
    out.push(`  <pause milliseconds="${Math.max(1, Math.round((media.lastUs - media.firstUs) / 1000))}"/>`);
    elements++;
  }

  const transport = list[0]!.p.transport;
  const t = transport === 'TCP' ? ' -t t1' : transport === 'TLS' ? ' -t l1' : '';
  const file = mode === 'client' ? 'caller.xml' : 'callee.xml';
  const command =
    mode === 'client'
      ? `sipp -sf ${file} ${peerHost}${peerPort ? `:${peerPort}` : ''} -i ${sideHost} -p ${sidePort || '5060'}${t} -m 1`
      : `sipp -sf ${file} -i ${sideHost} -p ${sidePort || '5060'}${t} -m 1`;
  const head = [
    '<?xml version="1.0" encoding="ISO-8859-1" ?>',
    '<!DOCTYPE scenario SYSTEM "sipp.dtd">',
    comment(`sipscope: ${o.title ?? 'a captured call'}; ${side} as a SIPp ${mode}, its peer ${peer}`),
    comment(`run: ${command}`),
    ...notes.map(comment),
    `<scenario name="${xmlAttr(`sipscope replay ${side} (${mode})`)}">`,
  ];
  const used = new Set<string>();
  for (const x of out) if (typeof x === 'string') for (const m of x.matchAll(/\[\$(\w+)\]/g)) used.add(m[1]!);
  const body = out.flatMap((x) => (typeof x === 'string' ? [x] : x(used)));
  const xml = [...head, ...body, '</scenario>', ''].join('\n');
  const bytes = new TextEncoder().encode(xml).length;
  if (bytes > SIPP_MAX_FILE)
    throw new SippExportError(
      `the scenario of ${side} would be ${bytes} bytes: SIPp reads scenario files of at most ${SIPP_MAX_FILE} (its XML reader's buffer)`,
    );
  return { side, peer, mode, command, xml };
}

const xmlAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The longest scenario file SIPp 3.6 loads (bytes; a longer one: 'Unable to load or parse'). */
export const SIPP_MAX_FILE = 65_535;

/** C0 controls but tab, CR and LF, and DEL: not text, and not allowed in XML CDATA (NUL). */
function isText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) return false;
  }
  return true;
}

/** The SDP with SIPp's media keywords for its addresses and ports; null when the body is not SDP. */
function sdpKeywords(body: string, headers: Parsed['headers']): string | null {
  const ct = headers.find((h) => h.name === 'content-type')?.line ?? '';
  if (!/application\/sdp/i.test(ct) || !body) return null;
  let media = 0;
  return body
    .split(/\r?\n/)
    .map((l) => {
      if (/^c=IN IP[46] /i.test(l)) return 'c=IN IP[media_ip_type] [media_ip]';
      if (/^o=/.test(l)) return l.replace(/IN IP[46] \S+$/i, 'IN IP[local_ip_type] [local_ip]');
      // SIPp's [media_port] is for audio and video lines only (an image line, T.38, keeps its port).
      const m = /^m=(audio|video) (\d+)(\/\d+)?( .*)$/.exec(l);
      if (m && m[2] !== '0') {
        const port = media === 0 ? '[media_port]' : `[media_port+${media * 2}]`;
        media++;
        return `m=${m[1]} ${port}${m[3] ?? ''}${m[4]}`;
      }
      return l;
    })
    .join('\n');
}

/**
 * The endpoint `side` names in the ladder: `caller` (the lane the analysis calls so, else the sender
 * of the first initial INVITE, else of the first request), `callee` (likewise, else the last lane an
 * initial INVITE was sent to), or an address (`host:port`, or a host one lane has).
 */
export function resolveSide(model: LadderModel, side: string): string {
  const lanes = model.lanes;
  const byRole = (r: 'caller' | 'callee'): string | undefined => lanes.find((l) => l.role?.role === r)?.id;
  const first = model.arrows.find((a) => a.kind === 'request' && !a.retransmission);
  if (side === 'caller') {
    const invite = model.arrows.find((a) => a.kind === 'request' && a.method === 'INVITE');
    const lane = byRole('caller') ?? lanes[(invite ?? first)?.from ?? -1]?.id;
    if (!lane) throw new SippExportError('this call has no request: no caller to play');
    return lane;
  }
  if (side === 'callee') {
    const invites = model.arrows.filter((a) => a.kind === 'request' && a.method === 'INVITE');
    const senders = new Set(invites.map((a) => a.from));
    const last = invites.find((a) => !senders.has(a.to));
    const lane = byRole('callee') ?? lanes[(last ?? first)?.to ?? -1]?.id;
    if (!lane) throw new SippExportError('this call has no request: no callee to play');
    return lane;
  }
  if (lanes.some((l) => l.id === side)) return side;
  const hosts = lanes.filter(
    (l) => splitAddress(l.id).host === side || splitAddress(l.id).host === `[${side}]`,
  );
  if (hosts.length === 1) return hosts[0]!.id;
  throw new SippExportError(
    `${side} is not ${hosts.length > 1 ? 'one address' : 'an address'} of this call (${hosts.length > 1 ? hosts.map((l) => l.id).join(', ') : `its addresses: ${lanes.map((l) => l.id).join(', ')}`}; or caller, callee)`,
  );
}

/**
 * SIPp scenarios of one call of the analysed trace (`C3` or a Call-ID): the endpoint `o.side`
 * (default the caller) and its peer (the other end of its first message). Throws
 * {@link SippExportError} for an unknown call or side, or a call that gives no scenario.
 */
export function sippExport(a: TraceAnalyzer, call: string, o: SippExportOptions = {}): SippExport {
  const model = ladderModel(a, call);
  if (!model) throw new SippExportError(`no call "${call}" in this trace`);
  const side = resolveSide(model, o.side ?? 'caller');
  const lane = model.lanes.findIndex((l) => l.id === side);
  const firstOwn = model.arrows.find((x) => x.from === lane || x.to === lane);
  if (!firstOwn) throw new SippExportError(`${side} sent and received nothing in call ${model.call}`);
  const peer = model.lanes[firstOwn.from === lane ? firstOwn.to : firstOwn.from]!.id;
  const t = a.trace;
  const dec = new TextDecoder('utf-8');
  const messages: SippMessageIn[] = [];
  for (const x of model.arrows) {
    const m = t.message(x.id);
    messages.push({
      text: dec.decode(m.raw.subarray(m.start, m.end)),
      from: model.lanes[x.from]!.id,
      to: model.lanes[x.to]!.id,
      timeUs: Math.round(x.time * 1e6),
      retransmission: x.retransmission,
    });
  }
  const caption = (id: string): string => {
    const l = model.lanes.find((x) => x.id === id);
    return l?.caption ? `${id} (${l.caption})` : id;
  };
  const title = `call ${model.call} (Call-ID ${model.callIds.join(', ')}) of ${t.source.name}`;
  // Forks: each To-tag of a response to an INVITE, by the endpoint that sent it first (its UAS).
  const forks = new Map<string, string>();
  for (const [k, x] of model.arrows.entries()) {
    if (x.kind !== 'response' || x.retransmission) continue;
    const p = parse(messages[k]!.text);
    if (p?.cseqMethod === 'INVITE' && p.status > 100 && p.toTag && !forks.has(p.toTag))
      forks.set(p.toTag, caption(model.lanes[x.from]!.id));
  }
  return {
    call: model.call,
    scenario: sippScenario(messages, side, peer, {
      keepTiming: o.keepTiming,
      title: `${title}, ${caption(side)}`,
      media: o.media?.get(side),
      forks,
    }),
    peer: sippScenario(messages, peer, side, {
      keepTiming: o.keepTiming,
      title: `${title}, ${caption(peer)}`,
      media: o.media?.get(peer),
      forks,
    }),
  };
}

/**
 * The RTP streams endpoint `side` (`host:port`, a lane of the call) sent in call `call` to `peer`:
 * those whose source is an audio address announced in the SDP `side` sent `peer` (c= and m=audio; a
 * proxy's are those of the SDP it relayed: the far end's), else — packets that left from another
 * address, a NAT's — those whose source host is the endpoint's SIP host. In capture order; several (a
 * re-INVITE moved the media, a new SSRC) are played one after the other.
 */
export function sippMediaStreams(
  a: TraceAnalyzer,
  media: MediaAnalysis,
  call: string,
  side: string,
  peer: string,
): MediaStream[] {
  const model = ladderModel(a, call);
  if (!model) return [];
  const lane = model.lanes.findIndex((l) => l.id === side);
  const to = model.lanes.findIndex((l) => l.id === peer);
  const dec = new TextDecoder('utf-8');
  const announced = new Set<string>();
  for (const x of model.arrows) {
    if (x.from !== lane || x.to !== to || x.retransmission) continue;
    const m = a.trace.message(x.id);
    const p = parse(dec.decode(m.raw.subarray(m.start, m.end)));
    if (!p || !/application\/sdp/i.test(p.headers.find((h) => h.name === 'content-type')?.line ?? ''))
      continue;
    for (const addr of sdpAudioAddresses(p.body)) announced.add(addr);
  }
  const root = a.resolveCall(call);
  const ids = root < 0 ? [] : (media.calls.get(callId(root))?.streams ?? []);
  const streams = ids.map((i) => media.streams[i]!).filter((s) => s.record.packets > 0);
  const bySdp = streams.filter((s) => announced.has(`${s.record.src}|${s.record.srcPort}`));
  const host = splitAddress(side).host.replace(/^\[|\]$/g, '');
  const chosen = bySdp.length ? bySdp : streams.filter((s) => s.record.src === host);
  return chosen.sort((x, y) => x.record.firstUs - y.record.firstUs);
}

/** `addr|port` of each audio m= line of an SDP body (its own c=, else the session's); port 0 left out. */
function sdpAudioAddresses(body: string): string[] {
  const out: string[] = [];
  let session: string | null = null;
  let audioPort = -1;
  let mediaC: string | null = null;
  const flush = (): void => {
    const c = mediaC ?? session;
    if (audioPort > 0 && c) out.push(`${c}|${audioPort}`);
  };
  for (const line of body.split(/\r?\n/)) {
    const c = /^c=IN IP[46] ([^\s/]+)/i.exec(line);
    if (c) {
      if (audioPort === -1) session = c[1]!;
      else mediaC = c[1]!;
      continue;
    }
    const m = /^m=(\w+) (\d+)/.exec(line);
    if (m) {
      flush();
      audioPort = m[1]!.toLowerCase() === 'audio' ? Number(m[2]) : 0;
      mediaC = null;
    }
  }
  flush();
  return out;
}

/**
 * A pcap SIPp's `play_pcap_audio` plays (it reads Ethernet or Linux cooked frames only): the packets of
 * `lists` (each the packets of `streams[i]`), merged in capture order, each an RTP packet rebuilt
 * from what the scan kept — version 2, marker, payload type, sequence number, timestamp, SSRC and the
 * payload; CSRC lists, header extensions and padding are not kept — in UDP/IP from the stream's
 * addresses. SIPp sends each one's UDP payload from its media port to the peer's SDP address, at
 * the capture's intervals.
 */
export function sippRtpPcap(
  lists: readonly RtpPacketList[],
  streams: readonly MediaStream[],
): { pcap: Uint8Array; firstUs: number; lastUs: number; packets: number } {
  const packets: PacketInput[] = [];
  lists.forEach((l, k) => {
    const r = streams[k]!.record;
    for (let i = 0; i < l.count; i++) {
      const pay = l.bytes.subarray(l.payStart[i]!, l.payEnd[i]!);
      const b = new Uint8Array(12 + pay.length);
      b[0] = 0x80;
      b[1] = (l.marker[i] ? 0x80 : 0) | (l.pt[i]! & 0x7f);
      b[2] = l.seq[i]! >> 8;
      b[3] = l.seq[i]! & 255;
      const dv = new DataView(b.buffer);
      dv.setUint32(4, l.ts[i]!);
      dv.setUint32(8, r.ssrc >>> 0);
      b.set(pay, 12);
      packets.push({
        timeUs: l.timeUs[i]!,
        srcHost: r.src,
        srcPort: r.srcPort,
        dstHost: r.dst,
        dstPort: r.dstPort,
        transport: 'UDP',
        payload: b,
      });
    }
  });
  packets.sort((x, y) => x.timeUs - y.timeUs);
  return {
    pcap: buildPcap(packets, LINKTYPE_ETHERNET),
    firstUs: packets[0]?.timeUs ?? 0,
    lastUs: packets.at(-1)?.timeUs ?? 0,
    packets: packets.length,
  };
}
