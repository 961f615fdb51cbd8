/**
 * A basic back-to-back user agent (RFC 3261 §6 "B2BUA"; RFC 7092 taxonomy: a signalling-only
 * "media-relay"-style B2BUA): each incoming call (A leg) becomes a new call (B leg) with its own
 * Call-ID, tags and Contact, SDP rewritten to the B2BUA's address (what a SIP ALG at the edge does,
 * RFC 3665 §3.5). Provisional and final responses, ACK, BYE and CANCEL are bridged leg to leg.
 */
import type { SipMessage } from '../message';
import type { Transport, TransportAddress } from '../stack/transport';
import { type ElementEnv, SipElement, encodeMessage } from './element';
import { nameAddrUri, uriParts } from './sip-util';
import type { ClientTransaction, ServerTransaction } from './element';

export interface B2buaConfig {
  /** Next hop for new B legs (`host[:port]`); default: the Request-URI's host. */
  next?: string;
}

interface Leg {
  callId: string;
  localTag: string;
  remoteTag: string | null;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  cseq: number;
  dest: TransportAddress;
}

interface Bridge {
  a: Leg;
  b: Leg;
  aInvite: SipMessage;
  aSource: TransportAddress;
  ist: ServerTransaction;
  bInvite: ClientTransaction | null;
  bInviteBytes: Uint8Array;
  bAckCseq: number;
  answered: boolean;
}

const dec = new TextDecoder();

export class B2bua extends SipElement {
  private readonly byCallId = new Map<string, { bridge: Bridge; side: 'a' | 'b' }>();
  /** Number of bridged calls (for expectations). */
  bridged = 0;

  constructor(
    env: ElementEnv,
    transport: Transport,
    readonly config: B2buaConfig,
  ) {
    super(env, transport);
    this.rportInVia = false;
  }

  private rewriteSdp(body: string): string {
    const ip = this.transport.local.host;
    return body
      .replace(/^c=IN IP4 \S+/m, `c=IN IP4 ${ip}`)
      .replace(/^(o=\S+ \S+ \S+ IN IP4) \S+/m, `$1 ${ip}`);
  }

  private get contact(): string {
    return `<sip:b2bua@${this.sentBy}>`;
  }

  protected onRequest(msg: SipMessage, source: TransportAddress): void {
    const m = msg.method ?? '';
    const found = this.byCallId.get(msg.callId ?? '');
    if (!found) {
      if (m === 'INVITE' && !msg.toTag) return this.newBridge(msg, source);
      if (m !== 'ACK') this.replyStateless(msg, source, 481);
      return;
    }
    const { bridge, side } = found;
    if (m === 'CANCEL') {
      const st = this.serverTransaction(msg, source);
      st.respond(this.makeResponse(msg, source, 200, { toTag: bridge.a.localTag }), 200);
      if (bridge.bInvite && !bridge.answered) this.cancelB(bridge);
      return;
    }
    if (m === 'ACK') {
      if (side === 'a')
        this.sendInDialog(
          bridge.b,
          'ACK',
          bridge.bAckCseq,
          null,
          msg.bodyLength ? this.rewriteSdp(dec.decode(msg.body())) : '',
        );
      return;
    }
    // Any other in-dialog request is bridged, and answered when the other leg answers.
    const st = this.serverTransaction(msg, source);
    const other = side === 'a' ? bridge.b : bridge.a;
    const body = msg.bodyLength ? this.rewriteSdp(dec.decode(msg.body())) : '';
    this.sendInDialog(
      other,
      m,
      ++other.cseq,
      (resp) => {
        const status = resp?.status ?? 408;
        const rbody = resp && resp.bodyLength ? this.rewriteSdp(dec.decode(resp.body())) : '';
        st.respond(
          this.makeResponse(msg, source, status, {
            // RFC 3261 Table 3: Contact is "not applicable" in a response to BYE (MUST NOT be there)
            headers: m === 'BYE' ? [] : [`Contact: ${this.contact}`],
            ...(rbody ? { body: rbody } : {}),
          }),
          status,
        );
      },
      body,
    );
  }

  private newBridge(msg: SipMessage, source: TransportAddress): void {
    const ist = this.serverTransaction(msg, source);
    const ruri = msg.requestUri ?? '';
    const from = msg.header('from') ?? '';
    const to = msg.header('to') ?? '';
    const contact = msg.values('contact')[0];
    const nextHost = this.config.next ? uriParts(`sip:${this.config.next}`) : uriParts(ruri);
    const a: Leg = {
      callId: msg.callId ?? '',
      localTag: this.ids.tag(),
      remoteTag: msg.fromTag,
      localUri: nameAddrUri(to),
      remoteUri: nameAddrUri(from),
      remoteTarget: contact ? nameAddrUri(contact) : nameAddrUri(from),
      routeSet: msg.values('record-route'),
      cseq: 0,
      dest: this.replyAddress(msg, source),
    };
    const b: Leg = {
      callId: this.ids.callId(this.transport.local.host),
      localTag: this.ids.tag(),
      remoteTag: null,
      localUri: nameAddrUri(from),
      remoteUri: nameAddrUri(to),
      remoteTarget: ruri,
      routeSet: [],
      cseq: 1,
      dest: this.uriDestination(nextHost.host, nextHost.port),
    };
    const branch = this.ids.branch();
    const body = msg.bodyLength ? this.rewriteSdp(dec.decode(msg.body())) : '';
    const h = [
      `Via: ${this.via(branch)}`,
      'Max-Forwards: 70',
      `From: <${b.localUri}>;tag=${b.localTag}`,
      `To: <${b.remoteUri}>`,
      `Call-ID: ${b.callId}`,
      'CSeq: 1 INVITE',
      `Contact: ${this.contact}`,
    ];
    if (body) h.push('Content-Type: application/sdp');
    const bytes = encodeMessage(`INVITE ${ruri} SIP/2.0`, h, body);
    const bridge: Bridge = {
      a,
      b,
      aInvite: msg,
      aSource: source,
      ist,
      bInvite: null,
      bInviteBytes: bytes,
      bAckCseq: 1,
      answered: false,
    };
    this.byCallId.set(a.callId, { bridge, side: 'a' });
    this.byCallId.set(b.callId, { bridge, side: 'b' });
    this.bridged++;
    this.log(`bridging ${a.callId} -> ${b.callId}`, { a: a.callId, b: b.callId }, 'call');
    bridge.bInvite = this.clientTransaction(bytes, branch, 'INVITE', b.dest, {
      onResponse: (_tx, resp) => this.onBResponse(bridge, resp),
      onTimeout: () => this.answerA(bridge, 408, ''),
    });
    // 100 Trying to the A leg after the B-leg INVITE went out (RFC 3665 §3.5 F2, F3).
    ist.respond(this.makeResponse(msg, source, 100), 100);
  }

  private answerA(bridge: Bridge, status: number, body: string): void {
    bridge.ist.respond(
      this.makeResponse(bridge.aInvite, bridge.aSource, status, {
        toTag: bridge.a.localTag,
        ...(status < 300 && status > 100 ? { headers: [`Contact: ${this.contact}`] } : {}),
        ...(body ? { body } : {}),
      }),
      status,
    );
  }

  private onBResponse(bridge: Bridge, resp: SipMessage): void {
    const status = resp.status ?? 0;
    if (status === 100) return;
    const body = resp.bodyLength ? this.rewriteSdp(dec.decode(resp.body())) : '';
    if (status >= 200 && status < 300) {
      if (bridge.answered) return;
      bridge.answered = true;
      const b = bridge.b;
      b.remoteTag = resp.toTag;
      const c = resp.values('contact')[0];
      if (c) b.remoteTarget = nameAddrUri(c);
      b.routeSet = resp.values('record-route').reverse();
    }
    this.answerA(bridge, status, body);
  }

  private cancelB(bridge: Bridge): void {
    const t = bridge.bInvite!;
    const b = bridge.b;
    const h = [
      `Via: ${this.via(t.branch)}`,
      'Max-Forwards: 70',
      `From: <${b.localUri}>;tag=${b.localTag}`,
      `To: <${b.remoteUri}>`,
      `Call-ID: ${b.callId}`,
      'CSeq: 1 CANCEL',
    ];
    this.clientTransaction(encodeMessage(`CANCEL ${b.remoteTarget} SIP/2.0`, h), t.branch, 'CANCEL', b.dest, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
    });
  }

  /** A request in one leg's dialog (RFC 3261 §12.2.1.1, loose routing only). */
  private sendInDialog(
    leg: Leg,
    method: string,
    cseq: number,
    done: ((r: SipMessage | null) => void) | null,
    body = '',
  ): void {
    const branch = this.ids.branch();
    const first = leg.routeSet[0];
    const hop = uriParts(first ? nameAddrUri(first) : leg.remoteTarget);
    const dest = this.uriDestination(hop.host, hop.port);
    const h = [`Via: ${this.via(branch)}`, 'Max-Forwards: 70'];
    for (const r of leg.routeSet) h.push(`Route: ${r}`);
    h.push(
      `From: <${leg.localUri}>;tag=${leg.localTag}`,
      `To: <${leg.remoteUri}>${leg.remoteTag ? `;tag=${leg.remoteTag}` : ''}`,
      `Call-ID: ${leg.callId}`,
      `CSeq: ${cseq} ${method}`,
    );
    if (method !== 'ACK' && method !== 'BYE') h.push(`Contact: ${this.contact}`);
    if (body) h.push('Content-Type: application/sdp');
    const bytes = encodeMessage(`${method} ${leg.remoteTarget} SIP/2.0`, h, body);
    if (method === 'ACK') {
      this.transport.send(bytes, dest);
      return;
    }
    this.clientTransaction(bytes, branch, method, dest, {
      onResponse: (_tx, r) => {
        if ((r.status ?? 0) >= 200) done?.(r);
      },
      onTimeout: () => done?.(null),
    });
  }
}
