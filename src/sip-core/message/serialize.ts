/**
 * Serializer: byte-exact for unchanged messages, canonical for edited ones, and builders for generated
 * requests and responses.
 * @remarks RFC 3261 §7 (message format), §7.3.1 (header fields), §8.2.6.2 (building a response),
 * §16.6 (what a proxy changes when forwarding), §18.3 / §20.14 (Content-Length). STYLE.md habit 5:
 * edits to a received message are patches applied at serialization, never changes to the received bytes.
 */
import { canonicalHeaderName } from './header-names';
import { reasonPhrase } from './reason-phrases';
import type { SipMessage } from './sip-message';
import { decodeSpan, decodeUnfolded, splitCommaSpans } from './text';

const utf8 = new TextEncoder();
const NO_INSERTS: readonly [string, string][] = [];
const CRLF = new Uint8Array([13, 10]);

type Chunk = Uint8Array | string;

/**
 * Joins chunks into one buffer, encoding strings in place (one allocation instead of one per
 * string; ASCII written directly, other text through `encodeInto`).
 */
function concat(chunks: Chunk[]): Uint8Array {
  let max = 0;
  for (const c of chunks) max += typeof c === 'string' ? c.length * 3 : c.length;
  const out = new Uint8Array(max);
  let o = 0;
  for (const c of chunks) {
    if (typeof c !== 'string') {
      out.set(c, o);
      o += c.length;
      continue;
    }
    const n = c.length;
    let i = 0;
    for (; i < n; i++) {
      const code = c.charCodeAt(i);
      if (code >= 0x80) break;
      out[o++] = code;
    }
    if (i < n) o += utf8.encodeInto(c.slice(i), out.subarray(o)).written;
  }
  return o === max ? out : out.slice(0, o);
}

function toBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? utf8.encode(body) : body;
}

/** Rejects CR/LF in a generated header name or value (header injection). */
function clean(s: string): string {
  return s.replace(/[\r\n]+[ \t]*/g, ' ');
}

/**
 * The bytes of a message as received: `raw.subarray(start, end)`, no copy. An unchanged message
 * serializes byte-for-byte as it was received (leading CRLFs and trailing datagram octets included).
 */
export function serializeMessage(msg: SipMessage): Uint8Array {
  return msg.raw.subarray(msg.start, msg.end);
}

/** One recorded change to a received message (for display: "what the proxy changed"). */
export type MessageEdit =
  | { op: 'set-request-uri'; uri: string }
  | { op: 'set-status'; status: number; reason: string }
  | {
      op: 'add-header';
      name: string;
      value: string;
      where: 'top' | 'bottom' | 'first-of-name' | 'after-last-of-name';
    }
  | { op: 'remove-header'; name: string }
  | { op: 'remove-first-value'; name: string }
  | { op: 'set-header'; name: string; value: string }
  | { op: 'set-max-forwards'; value: number }
  | { op: 'set-body'; length: number; contentType: string | null };

/**
 * Records changes to a received message and serializes the result canonically: one `Name: value` CRLF
 * line per field (folds unfolded), CRLF line endings, Content-Length equal to the body. The received
 * bytes are never modified.
 */
export class MessageEditor {
  /** The changes, in the order they were made. */
  readonly edits: MessageEdit[] = [];
  private readonly n: number;
  /** Per original field: undefined = keep, null = remove, string = new value. */
  private readonly fieldValue: (string | null | undefined)[];
  /** Insertions before original field i (index n = after the last field); made on first insert. */
  private readonly inserts: ([string, string][] | undefined)[];
  private requestUri: string | null = null;
  private statusLine: [number, string] | null = null;
  private newBody: Uint8Array | null = null;

  constructor(readonly msg: SipMessage) {
    this.n = msg.headers.length;
    this.fieldValue = new Array<string | null | undefined>(this.n);
    this.inserts = new Array<[string, string][] | undefined>(this.n + 1);
  }

  private insertsAt(i: number): [string, string][] {
    return (this.inserts[i] ??= []);
  }

  /** True once any change was recorded. */
  get changed(): boolean {
    return this.edits.length > 0;
  }

  private live(name: string): number[] {
    const c = canonicalHeaderName(name);
    const out: number[] = [];
    this.msg.headers.forEach((h, i) => {
      if (h.canonical === c && this.fieldValue[i] !== null) out.push(i);
    });
    return out;
  }

  /** Current value of original field i (after edits), or null when removed. */
  private valueOf(i: number): string | null {
    const v = this.fieldValue[i];
    if (v === null) return null;
    if (typeof v === 'string') return v;
    return this.msg.headers[i]!.value();
  }

  /** RFC 3261 §16.5/§16.6 step 6: rewrite the Request-URI. */
  setRequestUri(uri: string): this {
    this.requestUri = clean(uri);
    this.edits.push({ op: 'set-request-uri', uri: this.requestUri });
    return this;
  }

  /** Replace the Status-Line of a response. */
  setStatus(status: number, reason: string = reasonPhrase(status)): this {
    this.statusLine = [status, clean(reason)];
    this.edits.push({ op: 'set-status', status, reason });
    return this;
  }

  /**
   * Insert a header field. `top` (default) puts it before the first field of the same name, or first in
   * the header section when there is none — where a proxy puts its Via and Record-Route (RFC 3261 §16.6
   * steps 4 and 8). `bottom` appends after the last field of that name, or at the end.
   */
  addHeader(name: string, value: string, where: 'top' | 'bottom' = 'top'): this {
    const at = this.live(name);
    let idx: number;
    let recorded: 'top' | 'bottom' | 'first-of-name' | 'after-last-of-name';
    if (where === 'top') {
      idx = at.length ? at[0]! : 0;
      recorded = at.length ? 'first-of-name' : 'top';
      this.insertsAt(idx).unshift([clean(name), clean(value)]);
    } else {
      idx = at.length ? at[at.length - 1]! + 1 : this.n;
      recorded = at.length ? 'after-last-of-name' : 'bottom';
      this.insertsAt(idx).push([clean(name), clean(value)]);
    }
    this.edits.push({ op: 'add-header', name, value, where: recorded });
    return this;
  }

  /** Remove every field of that name (inserted ones included). */
  removeHeader(name: string): this {
    const c = canonicalHeaderName(name);
    for (const i of this.live(name)) this.fieldValue[i] = null;
    for (const list of this.inserts) {
      if (list === undefined) continue;
      for (let k = list.length - 1; k >= 0; k--)
        if (canonicalHeaderName(list[k]![0]) === c) list.splice(k, 1);
    }
    this.edits.push({ op: 'remove-header', name });
    return this;
  }

  /**
   * Remove the first comma-separated value of that header: the topmost Via of a response a proxy
   * forwards (RFC 3261 §16.7 step 3), the top Route of a loose-routed request (§16.4, §16.12).
   */
  removeFirstValue(name: string): this {
    const c = canonicalHeaderName(name);
    this.edits.push({ op: 'remove-first-value', name });
    // walk in message order: inserted fields before original field i come before it
    for (let i = 0; i <= this.n; i++) {
      const ins = this.inserts[i];
      const k = ins === undefined ? -1 : ins.findIndex(([n]) => canonicalHeaderName(n) === c);
      if (k >= 0) {
        ins!.splice(k, 1);
        return this;
      }
      if (i === this.n) break;
      if (this.msg.headers[i]!.canonical !== c || this.fieldValue[i] === null) continue;
      const v = this.valueOf(i)!;
      if (!v.includes(',')) {
        // a single value (no comma at all): the field goes
        this.fieldValue[i] = null;
        return this;
      }
      const spans: number[] = [];
      const bytes = utf8.encode(v);
      splitCommaSpans(bytes, 0, bytes.length, spans);
      const rest: string[] = [];
      for (let s = 2; s < spans.length; s += 2) {
        if (spans[s + 1]! > spans[s]!) rest.push(decodeSpan(bytes, spans[s]!, spans[s + 1]!));
      }
      this.fieldValue[i] = rest.length ? rest.join(', ') : null;
      return this;
    }
    return this;
  }

  /** Set a header to one value: replaces the first field and removes the others; appends when absent. */
  setHeader(name: string, value: string): this {
    const at = this.live(name);
    const c = canonicalHeaderName(name);
    for (const list of this.inserts) {
      if (list === undefined) continue;
      for (let k = list.length - 1; k >= 0; k--)
        if (canonicalHeaderName(list[k]![0]) === c) list.splice(k, 1);
    }
    if (at.length) {
      this.fieldValue[at[0]!] = clean(value);
      for (const i of at.slice(1)) this.fieldValue[i] = null;
    } else {
      this.insertsAt(this.n).push([clean(name), clean(value)]);
    }
    this.edits.push({ op: 'set-header', name, value });
    return this;
  }

  /**
   * RFC 3261 §16.6 step 3: decrement Max-Forwards, or add `Max-Forwards: 70` when absent.
   * @returns the new value.
   */
  decrementMaxForwards(): number {
    const at = this.live('max-forwards');
    let next = 70;
    if (at.length) {
      const cur = Number.parseInt(this.valueOf(at[0]!) ?? '', 10);
      next = Number.isFinite(cur) ? Math.max(0, cur - 1) : 70;
    }
    this.setHeaderQuiet('Max-Forwards', String(next), at);
    this.edits.push({ op: 'set-max-forwards', value: next });
    return next;
  }

  private setHeaderQuiet(name: string, value: string, at: number[]): void {
    if (at.length) {
      this.fieldValue[at[0]!] = value;
      for (const i of at.slice(1)) this.fieldValue[i] = null;
    } else {
      this.insertsAt(this.n).push([name, value]);
    }
  }

  /** Replace the body (and Content-Type when given; `null` removes Content-Type). Content-Length follows. */
  setBody(body: Uint8Array | string, contentType?: string | null): this {
    this.newBody = toBytes(body);
    if (contentType === null) this.removeHeader('content-type');
    else if (contentType !== undefined)
      this.setHeaderQuiet('Content-Type', clean(contentType), this.live('content-type'));
    this.edits.push({ op: 'set-body', length: this.newBody.length, contentType: contentType ?? null });
    return this;
  }

  /**
   * The message with the edits applied. Unchanged: the received bytes (a subarray, no copy). Changed:
   * canonical form, without leading CRLFs or octets after the body (RFC 3261 §18.3, RFC 4475 §3.1.1.8).
   */
  toBytes(): Uint8Array {
    const msg = this.msg;
    if (!this.changed) return serializeMessage(msg);
    const raw = msg.raw;
    const chunks: Chunk[] = [];
    if (this.requestUri !== null && msg.kind === 'request') {
      chunks.push(`${msg.method ?? ''} ${this.requestUri} ${msg.version ?? 'SIP/2.0'}\r\n`);
    } else if (this.statusLine !== null && msg.kind === 'response') {
      chunks.push(`${msg.version ?? 'SIP/2.0'} ${this.statusLine[0]} ${this.statusLine[1]}\r\n`);
    } else {
      const sl = msg.startLineSpan;
      chunks.push(raw.subarray(sl.start, sl.end), CRLF);
    }
    const body = this.newBody ?? msg.body();
    let clWritten = false;
    const headers = msg.headers;
    for (let i = 0; i <= this.n; i++) {
      for (const [name, value] of this.inserts[i] ?? NO_INSERTS) {
        if (canonicalHeaderName(name) === 'content-length') continue;
        chunks.push(`${name}: ${value}\r\n`);
      }
      if (i === this.n) break;
      const h = headers[i]!;
      const v = this.fieldValue[i];
      if (h.canonical === 'content-length') {
        if (!clWritten) {
          chunks.push(raw.subarray(h.nameSpan.start, h.nameSpan.end), `: ${body.length}\r\n`);
          clWritten = true;
        }
        continue;
      }
      if (v === null) continue;
      chunks.push(raw.subarray(h.nameSpan.start, h.nameSpan.end), ': ');
      if (typeof v === 'string') chunks.push(v);
      else {
        const { start, end } = h.valueSpan;
        let folded = false;
        for (let k = start; k < end; k++) {
          if (raw[k] === 10 || raw[k] === 13) {
            folded = true;
            break;
          }
        }
        chunks.push(folded ? decodeUnfolded(raw, start, end) : raw.subarray(start, end));
      }
      chunks.push(CRLF);
    }
    if (!clWritten) chunks.push(`Content-Length: ${body.length}\r\n`);
    chunks.push(CRLF, body);
    return concat(chunks);
  }
}

/** A header list for the builders: `[name, value]` pairs, in order. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** What `buildRequest` needs (RFC 3261 §7.1, §8.1.1). */
export interface RequestSpec {
  method: string;
  uri: string;
  headers?: HeaderList;
  body?: Uint8Array | string;
  /** Defaults to `SIP/2.0`. */
  version?: string;
}

/** What `buildResponse` needs (RFC 3261 §7.2). */
export interface ResponseSpec {
  status: number;
  /** Defaults to the RFC's reason phrase for the code. */
  reason?: string;
  headers?: HeaderList;
  body?: Uint8Array | string;
  version?: string;
}

function buildMessage(
  startLine: string,
  headers: HeaderList,
  body: Uint8Array | string | undefined,
): Uint8Array {
  const b = toBytes(body);
  let head = startLine + '\r\n';
  let clWritten = false;
  for (const [name, value] of headers) {
    if (canonicalHeaderName(name) === 'content-length') {
      if (clWritten) continue;
      clWritten = true;
      head += `${clean(name)}: ${b.length}\r\n`;
      continue;
    }
    head += `${clean(name)}: ${clean(value)}\r\n`;
  }
  if (!clWritten) head += `Content-Length: ${b.length}\r\n`;
  head += '\r\n';
  return concat([head, b]);
}

/**
 * Serializes a request from scratch: `METHOD uri SIP/2.0`, the headers in the given order, Content-Length
 * (added, or corrected, to the body's length), the empty line and the body.
 */
export function buildRequest(spec: RequestSpec): Uint8Array {
  return buildMessage(
    `${clean(spec.method)} ${clean(spec.uri)} ${spec.version ?? 'SIP/2.0'}`,
    spec.headers ?? [],
    spec.body,
  );
}

/** Serializes a response from scratch (see `buildRequest`). */
export function buildResponse(spec: ResponseSpec): Uint8Array {
  const reason = spec.reason ?? reasonPhrase(spec.status);
  return buildMessage(
    `${spec.version ?? 'SIP/2.0'} ${spec.status} ${clean(reason)}`,
    spec.headers ?? [],
    spec.body,
  );
}

/** Options of `buildResponseTo`. */
export interface ResponseToOptions {
  reason?: string;
  /** Added to To when the request's To has no tag (RFC 3261 §8.2.6.2); not for 100 Trying. */
  toTag?: string;
  /** Copy Record-Route (dialog-creating responses, RFC 3261 §12.1.1). */
  copyRecordRoute?: boolean;
  /** Extra headers, after the copied ones. */
  headers?: HeaderList;
  body?: Uint8Array | string;
}

/**
 * A response to a received request, per RFC 3261 §8.2.6.2: Via (all values, in order), From, To (plus a
 * tag), Call-ID and CSeq copied; Timestamp copied into 100 Trying (§8.2.6.1).
 */
export function buildResponseTo(
  request: SipMessage,
  status: number,
  opts: ResponseToOptions = {},
): Uint8Array {
  const headers: [string, string][] = [];
  for (const h of request.headers) {
    switch (h.canonical) {
      case 'via':
      case 'from':
      case 'call-id':
      case 'cseq':
        headers.push([h.name, h.value()]);
        break;
      case 'to': {
        let v = h.value();
        if (opts.toTag && status > 100 && request.toTag === null) v += `;tag=${opts.toTag}`;
        headers.push([h.name, v]);
        break;
      }
      case 'record-route':
        if (opts.copyRecordRoute) headers.push([h.name, h.value()]);
        break;
      case 'timestamp':
        if (status === 100) headers.push([h.name, h.value()]);
        break;
    }
  }
  for (const [n, v] of opts.headers ?? []) headers.push([n, v]);
  const spec: ResponseSpec = { status, headers, body: opts.body };
  if (opts.reason !== undefined) spec.reason = opts.reason;
  return buildResponse(spec);
}
