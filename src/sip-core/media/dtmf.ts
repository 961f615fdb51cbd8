/**
 * The digits a call's sides sent, however they were sent: RFC 4733 events in the RTP (rtp-event.ts,
 * joined to the call through the SDP: call-media.ts), SIP INFO (RFC 6086) with an
 * `application/dtmf-relay` body (`Signal=5`, `Duration=160`: the Cisco/SIP-forum de-facto format) or
 * an `application/dtmf` one (the digit alone), and KPML NOTIFYs (RFC 4730
 * `application/kpml-response+xml`, its `digits` attribute) that belong to the call.
 * @remarks Reads only the INFO and NOTIFY requests of the calls (their method from the trace's
 * columns; the body only of those); a retransmitted request (same leg, CSeq, From tag) counts once.
 */
import type { Trace } from '../trace/trace';
import type { SipMessage } from '../message';
import type { MediaStreamFigures } from '../../shared/media-stream';
import { dtmfSentences, markDtmfEchoes, type DtmfDigitJson, type DtmfMethod } from '../../shared/dtmf';
import type { MediaAnalysis } from './call-media';
import { analyzerMedia, traceMedia, type AnalyzerCalls } from './media-json';
import { eventName } from './rtp-event';

/** One digit a body said, before it is placed in its call. */
export interface BodyDigit {
  digit: string;
  durationMs: number | null;
}

/** Latin-1 text of a body (bodies are ASCII here). */
function text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length && i < 4096; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** A digit as the INFO bodies name it: `0`–`9`, `*`, `#`, `A`–`D` (any case), or its event code 0–16. */
function digitOf(v: string): string | null {
  const t = v.trim();
  if (/^[0-9*#]$/.test(t)) return t;
  if (/^[a-d]$/i.test(t)) return t.toUpperCase();
  if (/^1[0-6]$/.test(t)) return eventName(Number(t));
  if (/^flash$/i.test(t)) return 'flash';
  return null;
}

/**
 * The digits of an INFO or NOTIFY body of content type `type` (null: not DTMF, or a body that says
 * no digit). Never throws.
 */
export function bodyDigits(
  type: string | null,
  body: Uint8Array,
): { method: DtmfMethod; digits: BodyDigit[] } | null {
  const ct = (type ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/dtmf-relay') {
    const s = text(body);
    const sig = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(s);
    const d = sig ? digitOf(sig[1]!) : null;
    if (d === null) return null;
    const dur = /^\s*duration\s*=\s*(\d{1,7})\s*$/im.exec(s);
    return { method: 'info', digits: [{ digit: d, durationMs: dur ? Number(dur[1]) : null }] };
  }
  if (ct === 'application/dtmf') {
    const d = digitOf(text(body));
    return d === null ? null : { method: 'info', digits: [{ digit: d, durationMs: null }] };
  }
  if (ct === 'application/kpml-response+xml') {
    const m = /<kpml-response\b[^>]*\bdigits\s*=\s*["']([^"']*)["']/i.exec(text(body));
    if (!m) return null;
    const digits: BodyDigit[] = [];
    for (const ch of m[1]!) {
      const d = digitOf(ch);
      if (d !== null) digits.push({ digit: d, durationMs: null });
    }
    return digits.length ? { method: 'kpml', digits } : null;
  }
  return null;
}

/**
 * The digits one message carries, space-separated (`5`; a KPML response's `1 2 3`): an INFO's
 * dtmf-relay or dtmf body, a NOTIFY's KPML response; null for any other message. Reads the body only
 * of an INFO or NOTIFY that has one (the rows of the messages list and the ladder name the digit).
 */
export function messageDigits(msg: SipMessage): string | null {
  if (msg.kind !== 'request' || msg.bodyLength <= 0 || (msg.method !== 'INFO' && msg.method !== 'NOTIFY'))
    return null;
  const r = bodyDigits(msg.contentType, msg.raw.subarray(msg.bodyStart, msg.bodyStart + msg.bodyLength));
  return r === null ? null : r.digits.map((d) => d.digit).join(' ');
}

/**
 * Per call, its digits in time order: the RTP events of its streams (`media`, null without RTP) and
 * its INFO/NOTIFY DTMF requests (`callOf`: the call of a message, null: none). Calls without any are
 * absent. Two passes over the trace's columns (no message parsed but the INFO and NOTIFY requests);
 * `ids`: only these messages (one call's, in order; `callOf` then names that call for all of them).
 */
export function callDtmf(
  trace: Trace,
  callOf: (id: number) => string | null,
  media: MediaAnalysis | null,
  ids: readonly number[] | null = null,
): Map<string, DtmfDigitJson[]> {
  const out = new Map<string, DtmfDigitJson[]>();
  const add = (call: string, d: DtmfDigitJson): void => {
    const l = out.get(call);
    if (l) l.push(d);
    else out.set(call, [d]);
  };
  const only = ids === null ? null : callOf(ids[0] ?? -1);
  for (const s of media?.streams ?? []) {
    if (s.call === null || !s.events || (ids !== null && s.call !== only)) continue;
    for (const e of s.events.list)
      add(s.call, {
        digit: e.event,
        method: 'rtp-event',
        time: e.time,
        frame: e.frame,
        direction: s.direction,
        durationMs: e.durationMs,
        stream: s.index,
      });
  }
  // Pass 1: the INFO and NOTIFY requests (method by interned key) with a DTMF body.
  const dtmfKey: (boolean | undefined)[] = [];
  const found: { id: number; call: string; got: NonNullable<ReturnType<typeof bodyDigits>> }[] = [];
  const seen = new Set<string>();
  const n = ids === null ? trace.count : ids.length;
  for (let i = 0; i < n; i++) {
    const id = ids === null ? i : ids[i]!;
    const k = trace.methodKey(id);
    let is = dtmfKey[k];
    if (is === undefined) {
      const name = trace.methodName(k);
      is = dtmfKey[k] = name === 'INFO' || name === 'NOTIFY';
    }
    if (!is || trace.kind(id) !== 'request') continue;
    // A retransmission (same leg, From tag, CSeq) counts once.
    const key = `${trace.callIdKey(id)}|${trace.fromTagHash(id)}|${trace.cseqNumber(id)}|${k}`;
    if (seen.has(key)) continue;
    const call = callOf(id);
    if (call === null) continue;
    let m;
    try {
      m = trace.message(id);
    } catch {
      continue;
    }
    if (m.bodyLength === 0) continue;
    const got = bodyDigits(m.contentType, m.body());
    if (!got) continue;
    seen.add(key);
    found.push({ id, call, got });
  }
  if (found.length) {
    // Pass 2: per leg, the From tag of its first request (the caller's on that leg).
    const callerTag = new Map<number, number | null>();
    for (const f of found) callerTag.set(trace.callIdKey(f.id), null);
    let left = callerTag.size;
    for (let i = 0; i < n && left > 0; i++) {
      const id = ids === null ? i : ids[i]!;
      if (trace.kind(id) !== 'request') continue;
      const leg = trace.callIdKey(id);
      if (callerTag.get(leg) !== null) continue;
      callerTag.set(leg, trace.fromTagHash(id));
      left--;
    }
    for (const { id, call, got } of found) {
      const fromCaller = trace.fromTagHash(id) === callerTag.get(trace.callIdKey(id));
      for (const d of got.digits)
        add(call, {
          digit: d.digit,
          method: got.method,
          time: trace.timeUs(id) / 1e6,
          frame: trace.frame(id),
          direction: fromCaller ? 'forward' : 'reverse',
          durationMs: d.durationMs,
          messageId: id,
        });
    }
  }
  for (const l of out.values()) {
    l.sort((a, b) => a.time - b.time || a.frame - b.frame);
    markDtmfEchoes(l);
  }
  return out;
}

const cache = new WeakMap<
  Trace,
  { analysis: unknown; count: number; media: unknown; result: Map<string, DtmfDigitJson[]> }
>();

/** {@link callDtmf} of `trace` with its attached analysis (cached per trace, analysis, length and media). */
export function traceDtmf(trace: Trace): Map<string, DtmfDigitJson[]> {
  const c = cache.get(trace);
  if (c && c.analysis === trace.analysis && c.count === trace.count && c.media === trace.media)
    return c.result;
  const an = trace.analysis;
  const result = an ? callDtmf(trace, (id) => an.messageFields(id).call, traceMedia(trace)) : new Map();
  cache.set(trace, { analysis: an, count: trace.count, media: trace.media, result });
  return result;
}

/**
 * The text `analyze` prints: per call with digits, `call C1 DTMF: caller pressed 1 2 3 at 00:05.2
 * (SIP INFO)`; `calls`: only these calls (null: all). Empty when no call has digits.
 */
export function dtmfText(trace: Trace, calls: ReadonlySet<string | null> | null): string {
  const d = traceDtmf(trace);
  if (d.size === 0) return '';
  const starts = new Map<string, number>();
  for (const c of (trace.analysis?.calls() ?? []) as { id?: string; start?: number }[])
    if (c.id !== undefined && typeof c.start === 'number') starts.set(c.id, c.start);
  let buf = '';
  for (const [call, digits] of d) {
    if (calls && !calls.has(call)) continue;
    buf += `call ${call} DTMF: ${dtmfSentences(digits, starts.get(call) ?? digits[0]!.time).join('; ')}\n`;
  }
  return buf;
}

/**
 * The line under a stream's line for its RFC 4733 events (null: none): `DTMF (RFC 4733, PT 101): 1
 * 2 # — 1 at +12.345 s 200 ms vol 10, …` (times from the stream's first packet; `(not ended)` when no end packet came).
 */
export function eventsLine(s: MediaStreamFigures): string | null {
  const e = s.events;
  if (!e) return null;
  const each = e.list.map(
    (x) =>
      `${x.event} at +${(x.time - s.start).toFixed(3)} s ${x.durationMs} ms vol ${x.volume}${x.ended ? '' : ' (not ended)'}${x.segments ? ` ${x.segments} segments` : ''}`,
  );
  return (
    `DTMF (RFC 4733, PT ${e.payloadType}): ${e.list.map((x) => x.event).join(' ')}` +
    (each.length ? ` — ${each.join(', ')}` : '') +
    (e.dropped ? `; ${e.dropped} more not kept` : '') +
    (e.malformed
      ? `; ${e.malformed} malformed event payload${e.malformed === 1 ? '' : 's'} (first frame ${e.malformedFrame})`
      : '')
  );
}

const byAnalyzer = new WeakMap<
  object,
  { count: number; grouping: number; media: unknown; result: Map<string, DtmfDigitJson[]> }
>();

/** The analyzer's view the filter's `call.dtmf` fields read. */
export interface DtmfAnalyzer extends AnalyzerCalls {
  rootOfMessage(id: number): number;
  readonly grouping: number;
}

/**
 * {@link callDtmf} over an analyzer's calls (`callOf`: the call id of a root), once per trace length,
 * call grouping and media snapshot.
 */
export function analyzerDtmf(
  a: DtmfAnalyzer,
  callOf: (root: number) => string,
): Map<string, DtmfDigitJson[]> {
  const media = analyzerMedia(a);
  const c = byAnalyzer.get(a);
  if (c && c.count === a.trace.count && c.grouping === a.grouping && c.media === media) return c.result;
  const result = callDtmf(
    a.trace,
    (id) => {
      const r = a.rootOfMessage(id);
      return r < 0 ? null : callOf(r);
    },
    media,
  );
  byAnalyzer.set(a, { count: a.trace.count, grouping: a.grouping, media, result });
  return result;
}

/**
 * The filter's `call.dtmf` (the digits in order as one string, `6789123`; null: none) and
 * `call.dtmf.method` (`rtp-event`, `info`, `kpml`: each way used) of a call's digits. A digit sent
 * back by the other side (`echo`: an echo test) is not one of them: `call.dtmf` is the keys pressed.
 */
export function callDtmfField(
  digits: readonly DtmfDigitJson[] | undefined,
  field: string,
): string | string[] | null {
  const pressed = digits?.filter((d) => !d.echo);
  if (!pressed?.length) return null;
  if (field === 'call.dtmf.method') {
    const m = [...new Set(pressed.map((d) => d.method))];
    return m.length === 1 ? m[0]! : m;
  }
  return pressed.map((d) => (d.digit.length === 1 ? d.digit : `[${d.digit}]`)).join('');
}
