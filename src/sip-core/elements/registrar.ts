/**
 * Registrar and location service (RFC 3261 §10.3): bindings per address of record with expiry,
 * q-values, several contacts per AOR, wildcard un-register, Call-ID/CSeq ordering, and the
 * `received` address nathelper's `fix_nated_register()` stores for contacts behind NAT.
 */
import type { SipMessage } from '../message';
import type { Micros } from '../stack/clock';
import { SECOND } from '../stack/clock';
import type { TransportAddress } from '../stack/transport';
import type { EventSink } from './events';
import { nameAddrParams, nameAddrUri, paramOf, uriParts } from './sip-util';

export interface Binding {
  aor: string;
  contact: string;
  expiresAt: Micros;
  q: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER really came from (set by fix_nated_register): requests go there. */
  received: TransportAddress | null;
}

/** `sip:user@host` of a URI (no port, parameters or headers), host lower-cased: the AOR key. */
export function aorOf(uri: string): string {
  // a proxy looks up the same few Request-URIs again and again: the key is kept per URI text
  let aor = aorCache.get(uri);
  if (aor === undefined) {
    const u = uriParts(uri);
    aor = `${u.scheme === 'sips' ? 'sips' : 'sip'}:${u.user ? `${u.user}@` : ''}${u.host}`;
    if (aorCache.size >= AOR_CACHE_MAX) aorCache.clear();
    aorCache.set(uri, aor);
  }
  return aor;
}
const aorCache = new Map<string, string>();
const AOR_CACHE_MAX = 256;

/**
 * The location key of a URI without its domain (Kamailio usrloc `use_domain=0`): `sip:user`; a URI
 * with no user part keys as `sip:@host` (which no user's key can be).
 */
export function userKeyOf(uri: string): string {
  let key = userKeyCache.get(uri);
  if (key === undefined) {
    const u = uriParts(uri);
    const scheme = u.scheme === 'sips' ? 'sips' : 'sip';
    key = u.user ? `${scheme}:${u.user}` : `${scheme}:@${u.host}`;
    if (userKeyCache.size >= AOR_CACHE_MAX) userKeyCache.clear();
    userKeyCache.set(uri, key);
  }
  return key;
}
const userKeyCache = new Map<string, string>();

export class LocationService {
  /** Bindings by location key ({@link keyOf}); each binding keeps the AOR it was registered with. */
  private table = new Map<string, Binding[]>();
  private domains = false;

  constructor(
    private readonly node: string,
    private readonly events: EventSink,
  ) {}

  /**
   * Whether the domain is part of the key (Kamailio usrloc `use_domain`, default 0, as here): with
   * false, `sip:bob@lab.example` and `sip:bob@127.0.0.1` are one AOR (a single-domain server reached
   * by name or by address); true keeps users of several domains apart. Changing it re-keys what is
   * stored.
   */
  get useDomain(): boolean {
    return this.domains;
  }
  set useDomain(v: boolean) {
    if (v === this.domains) return;
    this.domains = v;
    const old = this.table;
    this.table = new Map();
    for (const list of old.values())
      for (const b of list) {
        const k = this.keyOf(b.aor);
        const l = this.table.get(k);
        if (l) l.push(b);
        else this.table.set(k, [b]);
      }
  }

  /** The location key of an AOR or Request-URI. */
  keyOf(uri: string): string {
    return this.domains ? aorOf(uri) : userKeyOf(uri);
  }

  /** Current (unexpired) bindings of an AOR, highest q first (RFC 3261 §16.6: q ordering). */
  lookup(aor: string, now: Micros): Binding[] {
    return this.live(this.keyOf(aor), now);
  }

  private live(key: string, now: Micros): Binding[] {
    const list = this.table.get(key);
    if (!list) return [];
    let live = list;
    for (const b of list)
      if (b.expiresAt <= now) {
        live = list.filter((x) => x.expiresAt > now);
        this.table.set(key, live);
        break;
      }
    return live.length === 1 ? [live[0]!] : live.slice().sort((a, b) => b.q - a.q);
  }

  /** Adds a binding directly (scenario `locations:` preload). */
  add(
    aor: string,
    contact: string,
    now: Micros,
    expires = 3600,
    q = 1,
    received: TransportAddress | null = null,
  ): void {
    const key = this.keyOf(aor);
    const list = this.table.get(key) ?? [];
    list.push({
      aor: aorOf(aor),
      contact,
      expiresAt: now + expires * SECOND,
      q,
      callId: '',
      cseq: 0,
      received,
    });
    this.table.set(key, list);
  }

  all(now: Micros): Binding[] {
    const out: Binding[] = [];
    for (const k of this.table.keys()) out.push(...this.live(k, now));
    return out;
  }

  /**
   * Processes a REGISTER (RFC 3261 §10.3 steps 6–8). Returns the status and the Contact lines of
   * the 200 OK.
   */
  register(
    msg: SipMessage,
    now: Micros,
    received: TransportAddress | null,
  ): { status: number; reason?: string; headers: string[] } {
    const to = msg.header('to');
    if (!to) return { status: 400, headers: [] };
    const toUri = nameAddrUri(to);
    const aor = aorOf(toUri);
    const key = this.keyOf(toUri);
    const callId = msg.callId ?? '';
    const cseq = msg.cseq ?? 0;
    const contacts = msg.values('contact');
    const hdrExpires = msg.header('expires');
    const defExpires = hdrExpires !== null ? Number(hdrExpires) : 3600;
    let list = this.live(key, now);
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      // §10.3 step 6: "*" only with Expires: 0.
      if (defExpires !== 0) return { status: 400, reason: 'Invalid Wildcard', headers: [] };
      for (const b of list)
        this.emit(now, `${aor}: binding ${b.contact} removed (wildcard)`, {
          aor,
          contact: b.contact,
          removed: true,
        });
      list = [];
    } else {
      for (const c of contacts) {
        const uri = nameAddrUri(c);
        const params = nameAddrParams(c);
        const e = paramOf(params, 'expires');
        const expires = e !== null ? Number(e) : defExpires;
        const qv = paramOf(params, 'q');
        const q = qv !== null ? Number(qv) : 1;
        const i = list.findIndex((b) => b.contact === uri);
        const existing = i >= 0 ? list[i]! : null;
        // §10.3 step 7: same Call-ID with a CSeq not higher → ignore the update.
        if (existing && existing.callId === callId && cseq <= existing.cseq) continue;
        if (expires === 0) {
          if (i >= 0) list.splice(i, 1);
          this.emit(now, `${aor}: binding ${uri} removed`, { aor, contact: uri, removed: true });
          continue;
        }
        const b: Binding = {
          aor,
          contact: uri,
          expiresAt: now + expires * SECOND,
          q,
          callId,
          cseq,
          received,
        };
        if (i >= 0) list[i] = b;
        else list.push(b);
        this.emit(
          now,
          `${aor}: binding ${uri} expires in ${expires} s${received ? ` (received ${received.host}:${received.port})` : ''}`,
          {
            aor,
            contact: uri,
            expires,
            q,
            received: received ? `${received.host}:${received.port}` : null,
          },
        );
      }
    }
    this.table.set(key, list);
    // §10.3 step 8: the 200 OK lists every current binding with its expiry.
    const headers = list.map(
      (b) =>
        `Contact: <${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / SECOND))}${b.q !== 1 ? `;q=${b.q}` : ''}`,
    );
    return { status: 200, headers };
  }

  private emit(now: Micros, text: string, data: Record<string, unknown>): void {
    if (this.events.enabled)
      this.events.emit({ time: now, node: this.node, kind: 'registration', text, data });
  }
}
