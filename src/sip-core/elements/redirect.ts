/**
 * A redirect server (RFC 3261 §8.3.1, §21.3): answers INVITE (and other requests) with a 3xx
 * listing the target's Contacts, from its own table or a location service; ACKs to the 3xx are
 * absorbed by the INVITE server transaction.
 */
import type { SipMessage } from '../message';
import type { Transport, TransportAddress } from '../stack/transport';
import { type ElementEnv, SipElement } from './element';
import { type LocationService, aorOf } from './registrar';

export interface RedirectConfig {
  /** AOR → contacts. */
  redirects: Record<string, string[]>;
  location?: LocationService;
  /** 302 by default. */
  code?: number;
}

export class RedirectServer extends SipElement {
  constructor(
    env: ElementEnv,
    transport: Transport,
    readonly config: RedirectConfig,
  ) {
    super(env, transport);
    this.rportInVia = false;
  }

  protected onRequest(msg: SipMessage, source: TransportAddress): void {
    if (msg.method === 'ACK') return;
    const st = this.serverTransaction(msg, source);
    const aor = aorOf(msg.requestUri ?? '');
    const table = Object.fromEntries(Object.entries(this.config.redirects).map(([k, v]) => [aorOf(k), v]));
    let contacts = table[aor] ?? [];
    if (contacts.length === 0 && this.config.location)
      contacts = this.config.location.lookup(aor, this.clock.now()).map((b) => b.contact);
    const tag = this.ids.tag();
    if (contacts.length === 0) {
      st.respond(this.makeResponse(msg, source, 404, { toTag: tag }), 404);
      return;
    }
    const code = this.config.code ?? 302;
    this.log(`redirect ${aor} -> ${contacts.join(', ')}`);
    st.respond(
      this.makeResponse(msg, source, code, { toTag: tag, headers: contacts.map((c) => `Contact: <${c}>`) }),
      code,
    );
  }
}
