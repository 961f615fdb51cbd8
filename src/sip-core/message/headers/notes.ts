/**
 * What one header field says in this message, in a sentence for students: the inspector shows it
 * under the header's general explanation (`info.ts`). "Top Via: the element that sent this request,
 * 192.0.2.20:5060 over UDP; branch z9hG4bK…: an RFC 3261 transaction id"; "69 more hops allowed";
 * "tag 4f4a…: the caller's half of the dialog id". Null where there is nothing beyond the general
 * explanation, or the value cannot be decoded (its diagnostics say why).
 */
import type { NameAddr } from '../name-addr';
import { getParam, hasParam } from '../params';
import type { Uri } from '../uri';
import type { AuthValue } from './auth';
import type { ContactValue } from '../name-addr';
import type { CSeq } from './scalar';
import type { Via } from './via';
import { BRANCH_MAGIC_COOKIE } from './via';
import { decodeHeader } from './registry';

/** Where the header stands in its message. */
export interface HeaderNoteContext {
  kind: 'request' | 'response';
  /** The request's method, or the CSeq method of a response. */
  method: string | null;
  status: number | null;
  /** 0-based position among the message's fields of the same name (the Via order). */
  index: number;
  /** How many fields of that name the message has. */
  count: number;
  /** Octets of body that follow the header section. */
  bodyLength: number;
}

/** Option tags (Supported, Require, Proxy-Require, Unsupported) and what they switch on. */
const OPTION_TAGS: Record<string, string> = {
  '100rel': 'reliable provisional responses, acknowledged by PRACK (RFC 3262)',
  timer: 'session timers: the dialog is refreshed before Session-Expires (RFC 4028)',
  replaces: 'the Replaces header: a new INVITE may take over an existing dialog (RFC 3891)',
  path: 'the Path header: registrars record the proxies between them and the UA (RFC 3327)',
  outbound: 'SIP outbound: flows kept alive from behind NAT (RFC 5626)',
  gruu: 'globally routable UA URIs (RFC 5627)',
  norefersub: 'REFER without the implicit subscription (RFC 4488)',
  histinfo: 'History-Info: how the request was retargeted (RFC 7044)',
  precondition: 'preconditions: resources reserved before the phone rings (RFC 3312)',
  'from-change': 'the From URI may change within the dialog (RFC 4916)',
  ice: 'ICE candidates in SDP (RFC 5768)',
  'sec-agree': 'security mechanism agreement (RFC 3329)',
  eventlist: 'subscriptions to resource lists (RFC 4662)',
  'resource-priority': 'Resource-Priority for emergency traffic (RFC 4412)',
  tdialog: 'the Target-Dialog header (RFC 4538)',
  answermode: 'Answer-Mode: answer automatically (RFC 5373)',
};

function uriHostPort(u: Uri | null): string | null {
  if (!u || !('host' in u)) return null;
  return u.port !== null ? `${u.host}:${u.port}` : u.host;
}

function uriHasParam(u: Uri | null, name: string): boolean {
  return u !== null && 'host' in u && hasParam(u.params, name);
}

function seconds(n: number): string {
  if (n < 120) return `${n} s`;
  if (n < 7200) return `${n} s = ${Math.round(n / 60)} min`;
  if (n < 172800) return `${n} s = ${+(n / 3600).toFixed(1)} h`;
  return `${n} s = ${+(n / 86400).toFixed(1)} days`;
}

const ordinal = (n: number): string =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;

function viaNote(vias: readonly Via[], ctx: HeaderNoteContext): string {
  const v = vias[0]!;
  const at = `${v.host}${v.port !== null ? `:${v.port}` : ''} over ${v.transport}`;
  const out: string[] = [];
  const top = ctx.index === 0;
  if (ctx.kind === 'request')
    out.push(
      top
        ? `Top Via: the element that sent this request, ${at}; its response comes back here`
        : `${ordinal(ctx.index + 1)} Via: an earlier hop, ${at}; the response passes it on the way back`,
    );
  else
    out.push(
      top
        ? `Top Via: the element this response goes to next, ${at} (the one that sent the request)`
        : `${ordinal(ctx.index + 1)} Via: a hop further back, ${at}; the response reaches it after the hops above`,
    );
  if (vias.length > 1) out.push(`this line holds ${vias.length} Via values (the first is described)`);
  if (v.branch === null) out.push('no branch: the transaction is matched the RFC 2543 way (§17.2.3)');
  else if (v.branch.startsWith(BRANCH_MAGIC_COOKIE))
    out.push(`the branch names the transaction (its ${BRANCH_MAGIC_COOKIE} prefix marks RFC 3261)`);
  else out.push(`the branch lacks the ${BRANCH_MAGIC_COOKIE} prefix: matched the RFC 2543 way (§17.2.3)`);
  const received = getParam(v.params, 'received');
  const rport = getParam(v.params, 'rport');
  if (received)
    out.push(`received=${received}: the next hop saw the packet come from that address (§18.2.1)`);
  if (rport !== undefined)
    out.push(
      rport
        ? `rport=${rport}: …and from that port; responses go back there (RFC 3581, the NAT fix)`
        : 'rport: asks the next hop to answer to the packet’s source port (RFC 3581)',
    );
  else if (ctx.kind === 'request' && top && v.transport === 'UDP')
    out.push('no rport: behind a NAT its responses would go to the port written here (RFC 3581)');
  return `${out.join('; ')}.`;
}

/** Methods whose transactions create no dialog (tags then name no dialog's halves). */
const NO_DIALOG = new Set(['REGISTER', 'OPTIONS', 'MESSAGE', 'PUBLISH']);

function tagNote(na: NameAddr, which: 'from' | 'to', ctx: HeaderNoteContext): string | null {
  const tag = na.tag;
  const m = ctx.method ?? '';
  if (tag && NO_DIALOG.has(m))
    return `tag ${tag}: ${which === 'from' ? "the sender's" : "the answering side's"} tag; a ${m} creates no dialog (§12).`;
  if (which === 'from')
    return tag
      ? `tag ${tag}: the caller's half of the dialog id (with the Call-ID and the To tag).`
      : 'No tag: RFC 3261 §8.1.1.3 requires one (an RFC 2543 client?).';
  if (ctx.kind === 'request') {
    if (ctx.method === 'CANCEL' || ctx.method === 'ACK')
      return tag
        ? `tag ${tag}: the answering side's half of the dialog id.`
        : 'No tag: as in the request it cancels or acknowledges.';
    return tag
      ? `tag ${tag}: an in-dialog request; the tag names the other side of the dialog (§12.2).`
      : 'No tag yet: an initial request, outside any dialog; the UAS adds its tag in its response.';
  }
  if (tag)
    return `tag ${tag}: added by the UAS; with the Call-ID and the From tag it names the dialog (§12.1.1).`;
  return ctx.status === 100
    ? 'No tag: a 100 Trying is hop by hop and needs none.'
    : 'No tag: a response other than 100 must carry one (§8.2.6.2).';
}

function cseqNote(c: CSeq, ctx: HeaderNoteContext): string {
  if (ctx.kind === 'response')
    return `Answers the request with CSeq ${c.seq} ${c.method}: the client matches it by this and the Via branch.`;
  if (c.method === 'ACK')
    return `ACK keeps the number of the INVITE it acknowledges (${c.seq}) (§13.2.2.4, §17.1.1.3).`;
  if (c.method === 'CANCEL') return `CANCEL keeps the number of the request it cancels (${c.seq}) (§9.1).`;
  return `Number ${c.seq}: each new request of the dialog (or registration) takes the next number (§12.2.1.1, §10.2.4).`;
}

function routeNote(list: readonly NameAddr[], record: boolean): string | null {
  if (!list.length) return null;
  const first = list[0]!;
  const hp = uriHostPort(first.uri) ?? first.uriText;
  const loose = uriHasParam(first.uri, 'lr');
  const n = list.length;
  const how = loose
    ? 'lr: a loose router (§16.12.1.1)'
    : 'no lr: a strict router (RFC 2543), which rewrites the Request-URI';
  return record
    ? `${n === 1 ? 'One element asks' : `${n} elements ask`} to stay on the dialog's path, first ${hp}; ${how}. The UAC uses them in reverse order as its route set, the UAS in this order (§12.1).`
    : `${n === 1 ? 'One hop' : `${n} hops`} this request must go through, next ${hp}; ${how}.`;
}

function contactNote(c: ContactValue, ctx: HeaderNoteContext): string | null {
  if (c.wildcard)
    return 'Contact: * with Expires: 0 removes every binding of the address of record (§10.2.2).';
  const first = c.contacts[0];
  if (!first) return null;
  const hp = uriHostPort(first.uri) ?? first.uriText;
  const more = c.contacts.length > 1 ? ` (and ${c.contacts.length - 1} more)` : '';
  const exp = getParam(first.params, 'expires') ?? undefined;
  const m = ctx.method;
  if (m === 'REGISTER')
    return ctx.kind === 'request'
      ? `Binding to register: calls to the address of record go to ${hp}${more}${exp !== undefined ? ` for ${exp} s` : ''} (§10.2.1).`
      : `The bindings the registrar now holds: ${hp}${more}${exp !== undefined ? `, ${exp} s left` : ''} (§10.3 step 8).`;
  if (ctx.kind === 'response' && ctx.status !== null && ctx.status >= 300 && ctx.status < 400)
    return `Where to try instead: ${hp}${more} (§8.1.3.4).`;
  return `Where this UA can be reached directly: later requests of the dialog go to ${hp}${more} (its remote target, §12.1).`;
}

function authNote(a: AuthValue, challenge: boolean): string | null {
  if (a.scheme.toLowerCase() !== 'digest') return `${a.scheme} scheme.`;
  const v = (n: string): string | null => getParam(a.params, n) ?? null;
  const realm = v('realm');
  const alg = v('algorithm') ?? 'MD5';
  const qop = v('qop');
  if (challenge)
    return `Digest challenge in realm ${realm ?? '?'} (${alg}${qop ? `, qop ${qop}` : ''}): the client sends the request again with a response computed from its password and this nonce (RFC 3261 §22.4, RFC 7616).`;
  return `Credentials of ${v('username') ?? '?'} in realm ${realm ?? '?'} (${alg}): the response is a hash of the password, the nonce and the request, not the password itself.`;
}

function optionNote(tags: readonly string[]): string | null {
  const known = tags.map((t) => t.toLowerCase()).filter((t) => OPTION_TAGS[t]);
  if (!known.length) return null;
  return `${known.map((t) => `${t}: ${OPTION_TAGS[t]}`).join('; ')}.`;
}

/**
 * What header `canonical` (lower-case full name) with `value` says in its message, or null.
 * Never throws: a value that cannot be decoded has no note.
 */
export function headerNote(canonical: string, value: string, ctx: HeaderNoteContext): string | null {
  try {
    const d = decodeHeader(canonical, value)?.value ?? null;
    switch (canonical) {
      case 'via': {
        const vias = d as Via[] | null;
        return vias?.length ? viaNote(vias, ctx) : null;
      }
      case 'from':
      case 'to':
        return d ? tagNote(d as NameAddr, canonical, ctx) : null;
      case 'cseq':
        return d ? cseqNote(d as CSeq, ctx) : null;
      case 'max-forwards': {
        if (typeof d !== 'number') return null;
        if (d === 0)
          return '0: a proxy that receives this must answer 483 Too Many Hops instead of forwarding it (§16.3).';
        return `${d} more hop${d === 1 ? '' : 's'} allowed${d < 70 ? ` (${70 - d} so far if it started at the usual 70)` : ''}; each proxy takes one off (§16.6 step 3).`;
      }
      case 'record-route':
      case 'route':
        return d ? routeNote(d as NameAddr[], canonical === 'record-route') : null;
      case 'contact':
        return d ? contactNote(d as ContactValue, ctx) : null;
      case 'expires':
      case 'min-expires':
        return typeof d === 'number' ? `${seconds(d)}.` : null;
      case 'content-length': {
        if (typeof d !== 'number') return null;
        if (d === ctx.bodyLength) return d === 0 ? 'No body.' : `${d} octets of body follow, as declared.`;
        return d > ctx.bodyLength
          ? `${d} declared but only ${ctx.bodyLength} octets follow: the message was cut short (§18.3).`
          : `${ctx.bodyLength} octets follow but only ${d} belong to this message (§18.3).`;
      }
      case 'content-type': {
        const t = value.trim().toLowerCase();
        if (t.startsWith('application/sdp'))
          return ctx.method === 'INVITE' && ctx.kind === 'request'
            ? 'An SDP offer: the media the caller proposes (RFC 3264 §5).'
            : 'An SDP session description: an offer or the answer to one (RFC 3264).';
        if (t.startsWith('message/sipfrag'))
          return 'A fragment of a SIP message: how the referred request is going (RFC 3515 §2.4.5).';
        if (t.startsWith('application/dtmf-relay'))
          return 'A DTMF key press sent in SIP INFO (a common extension).';
        if (t.startsWith('multipart/'))
          return 'Several bodies in one, each with its own Content-Type (RFC 5621).';
        return null;
      }
      case 'www-authenticate':
      case 'proxy-authenticate':
        return d ? authNote(d as AuthValue, true) : null;
      case 'authorization':
      case 'proxy-authorization':
        return d ? authNote(d as AuthValue, false) : null;
      case 'supported':
      case 'require':
      case 'proxy-require':
      case 'unsupported':
        return Array.isArray(d) ? optionNote(d as string[]) : null;
      case 'session-expires': {
        const m = /^\s*(\d+)\s*(?:;\s*refresher\s*=\s*(uac|uas))?/i.exec(value);
        if (!m) return null;
        return `The session ends after ${seconds(Number(m[1]))} unless refreshed${m[2] ? `; the ${m[2].toUpperCase()} refreshes it` : ''} (RFC 4028).`;
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}
