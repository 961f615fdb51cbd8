/**
 * The stable dotted field names of the filter language, shared with the UI columns and the trace
 * JSON. Message fields read cheap columns first and parse the message only when a field needs it.
 * Multi-valued fields (`ip.addr`, `sip.diagnostic`, `sdp.codec`...) match when any value matches.
 */
import { carriesSdp, lintMessage, type SipMessage } from '../../message';
import { parseNameAddr } from '../../message/name-addr';
import { isSipUri, isTelUri, parseUri, type Uri } from '../../message/uri';
import type { CallSummary, TraceAnalyzer } from '../analyzer';
import { hostOf, portOf } from '../address';
import { summarizeSdp } from '../sdp-summary';
import { FIELDS } from '../../../shared/filter-fields';
import { callRtpField } from '../../media/media-json';
import { analyzerDtmf, callDtmfField } from '../../media/dtmf';
import { callId } from '../call/call';

export type FieldValue = string | number | boolean | null | FieldValue[];

// The field catalogue lives in src/shared so the UI's filter completion reads this same definition.
export { FIELDS, type FieldInfo } from '../../../shared/filter-fields';

export function isKnownField(name: string): boolean {
  return Object.hasOwn(FIELDS, name) || (name.startsWith('sip.header.') && name.length > 11);
}

/** Message text as the user reads it (UTF-8; bytes that are not become U+FFFD). */
const utf8 = new TextDecoder('utf-8');

function uriUserHost(u: Uri | null): [string | null, string | null] {
  if (!u) return [null, null];
  if (isSipUri(u)) return [u.user, u.host];
  if (isTelUri(u)) return [u.number, null];
  return [null, null];
}

/** Call-level fields of a call summary. */
export function callField(c: CallSummary, field: string): FieldValue {
  switch (field) {
    case 'call.id':
      return c.id;
    case 'call.call_id':
      return c.callIds;
    case 'call.type':
      return c.type;
    case 'call.state':
      return c.state;
    case 'call.final_code':
      return c.finalStatus;
    case 'call.from':
      return c.from;
    case 'call.from.user':
      return c.fromUser;
    case 'call.to':
      return c.to;
    case 'call.to.user':
      return c.toUser;
    case 'call.pdd':
      return c.pdd;
    case 'call.setup_time':
      return c.setupTime;
    case 'call.duration':
      return c.duration;
    case 'call.start':
      return c.start;
    case 'call.messages':
      return c.messages;
    case 'call.diagnostics':
      return c.diagnostics;
    case 'call.codec':
      return [...new Set([...c.codecs.offer, ...c.codecs.answer])];
    case 'call.media':
      return c.media;
    case 'call.hold':
      return c.hold;
    case 'call.legs':
      return c.callIds.length;
    default:
      return null;
  }
}

/** Lazily reads the fields of one message. */
export class MessageFields {
  #msg: SipMessage | null = null;
  constructor(
    readonly a: TraceAnalyzer,
    readonly id: number,
    readonly callOf: (root: number) => CallSummary,
  ) {}

  get msg(): SipMessage {
    return (this.#msg ??= this.a.trace.message(this.id));
  }

  #nameAddr(h: string): [string | null, string | null, string | null, string | null] {
    const v = this.msg.header(h);
    if (!v) return [null, null, null, null];
    const na = parseNameAddr(v).value;
    if (!na) return [null, null, null, null];
    const [user, host] = uriUserHost(na.uri);
    return [na.uriText, user, host, na.tag];
  }

  get(field: string): FieldValue {
    const t = this.a.trace;
    const id = this.id;
    switch (field) {
      case 'frame.number':
        return t.frame(id);
      case 'frame.time':
        return t.timeUs(id) / 1e6;
      case 'frame.time_relative':
        return t.count > 0 ? (t.timeUs(id) - t.timeUs(0)) / 1e6 : 0;
      case 'frame.transport':
        return t.transport(id);
      case 'ip.src':
        return hostOf(t.src(id));
      case 'ip.dst':
        return hostOf(t.dst(id));
      case 'ip.addr':
        return [hostOf(t.src(id)), hostOf(t.dst(id))];
      case 'ip.srcport':
        return portOf(t.src(id));
      case 'ip.dstport':
        return portOf(t.dst(id));
      case 'ip.port':
        return [portOf(t.src(id)), portOf(t.dst(id))];
      case 'sip.method':
        return t.kind(id) === 'request' ? t.methodOrCseqMethod(id) : null;
      case 'sip.status':
        return t.status(id);
      case 'sip.is_request':
        return t.kind(id) === 'request';
      case 'sip.is_response':
        return t.kind(id) === 'response';
      case 'sip.call_id':
        return t.callId(id);
      case 'sip.retransmission':
        return this.a.retransmission(id) !== null;
      case 'sip.transaction':
      case 'sip.dialog':
      case 'sip.call': {
        const f = this.a.messageFields(id);
        return field === 'sip.transaction' ? f.transaction : field === 'sip.dialog' ? f.dialog : f.call;
      }
      case 'sip.diagnostic': {
        const codes = new Set<string>(this.a.messageFields(id).diagnostics);
        // The message's parser + lint codes, as the trace JSON lists them (stored by the message checks).
        const stored = t.storedMessageCodes(id);
        if (stored) for (const c of stored) codes.add(c);
        else for (const d of lintMessage(this.msg)) codes.add(d.code);
        for (const d of t.pipelineDiagnostics(id)) codes.add(d.code);
        return [...codes];
      }
      case 'sip.reason':
        return this.msg.reason;
      case 'sip.cseq':
        return this.msg.cseq;
      case 'sip.cseq.method':
        return this.msg.cseqMethod;
      case 'sip.ruri':
        return this.msg.requestUri;
      case 'sip.ruri.user':
      case 'sip.ruri.host': {
        const r = this.msg.requestUri;
        if (!r) return null;
        const [u, h] = uriUserHost(parseUri(r).value);
        return field === 'sip.ruri.user' ? u : h;
      }
      case 'sip.from':
      case 'sip.to':
        return this.#nameAddr(field.slice(4))[0];
      case 'sip.from.user':
      case 'sip.to.user':
        return this.#nameAddr(field.slice(4, -5))[1];
      case 'sip.from.host':
      case 'sip.to.host':
        return this.#nameAddr(field.slice(4, -5))[2];
      case 'sip.from.tag':
        return this.msg.fromTag;
      case 'sip.to.tag':
        return this.msg.toTag;
      case 'sip.via.branch':
        return this.msg.branch;
      case 'sip.via.sent_by':
        return this.msg.viaSentBy;
      case 'sip.via.count':
        return this.msg.viaCount;
      case 'sip.max_forwards':
        return this.msg.maxForwards;
      case 'sip.contact':
        return this.msg.header('contact');
      case 'sip.user_agent':
        return this.msg.header('user-agent');
      case 'sip.server':
        return this.msg.header('server');
      case 'sip.content_type':
        return this.msg.contentType;
      case 'sip.body_length':
        return this.msg.bodyLength;
      case 'sip':
        return utf8.decode(t.raw(id));
      case 'sip.headers': {
        const m = this.msg;
        // From the first field's name to the end of the last one's value (folds and all).
        const h = m.headers;
        if (h.length === 0) return null;
        return utf8.decode(m.raw.subarray(h[0]!.nameSpan.start, h[h.length - 1]!.valueSpan.end));
      }
      case 'sip.body':
        return this.msg.bodyLength === 0 ? null : utf8.decode(this.msg.body());
      case 'sdp.codec':
      case 'sdp.connection': {
        const m = this.msg;
        if (!carriesSdp(m)) return null;
        const s = summarizeSdp(m.body());
        if (!s) return null;
        if (field === 'sdp.codec') return [...new Set(s.media.flatMap((x) => x.codecs))];
        return [
          ...new Set([s.address, ...s.media.map((x) => x.address)].filter((x): x is string => x !== null)),
        ];
      }
      default:
        if (field.startsWith('sip.header.')) {
          const all = this.msg.headerAll(field.slice(11));
          return all.length === 0 ? null : all.length === 1 ? all[0]! : all;
        }
        if (field.startsWith('call.')) {
          const r = this.a.rootOfMessage(id);
          if (r >= 0 && field.startsWith('call.rtp')) return callRtpField(this.a, callId(r), field);
          if (r >= 0 && field.startsWith('call.dtmf'))
            return callDtmfField(analyzerDtmf(this.a, callId).get(callId(r)), field);
          return r >= 0 ? callField(this.callOf(r), field) : null;
        }
        return null;
    }
  }
}
