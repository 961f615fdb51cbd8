/**
 * The transaction table: live client and server transactions by their RFC 3261 §17.1.3 and
 * §17.2.3 keys. The {@link TransactionLayer} uses it, and so do the elements (a proxy decides
 * itself which requests get a server transaction: Kamailio's `t_relay()` vs `forward()`), so
 * matching is written once.
 * https://www.rfc-editor.org/rfc/rfc3261#section-17.1.3 https://www.rfc-editor.org/rfc/rfc3261#section-17.2.3
 */
import type { SipMessage } from '../../message';
import { F_BRANCH, F_CSEQM, F_METHOD, F_SENTBY, ParsedMessage } from '../../message/sip-message';
import { BRANCH_COOKIE } from '../clock';
import type { InviteClientTransaction } from './invite-client';
import type { InviteServerTransaction } from './invite-server';
import type { NonInviteClientTransaction } from './non-invite-client';
import type { NonInviteServerTransaction } from './non-invite-server';
import type { TransactionBase } from './transaction';
import { LingerStore, LingeringTransaction } from './linger';
import { matchBytes, sameBytes } from './key-bytes';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/**
 * Key of a client transaction (§17.1.3): the top Via branch and the CSeq method, so a CANCEL
 * (same branch as its INVITE) is a different transaction.
 */
export function clientTransactionKey(branch: string, cseqMethod: string): string {
  return `${branch}|${cseqMethod}`;
}

/**
 * Key of a server transaction (§17.2.3). With the `z9hG4bK` cookie: branch, sent-by and method,
 * ACK counting as INVITE. Without it (RFC 2543): Request-URI, From tag, Call-ID, CSeq number and
 * method (ACK as INVITE) and the top Via; the To tag of an ACK is checked separately.
 * Returns null when the request lacks what matching needs.
 */
export function serverTransactionKey(req: SipMessage, method: string = req.method ?? ''): string | null {
  // The same request is matched several times in a row (table lookup, then the element's own
  // checks): messages never change, so the last key is kept.
  if (req === lastReq && method === lastMethod) return lastKey;
  const key = computeServerKey(req, method);
  lastReq = req;
  lastMethod = method;
  lastKey = key;
  return key;
}
let lastReq: SipMessage | null = null;
let lastMethod = '';
let lastKey: string | null = null;

function computeServerKey(req: SipMessage, method: string): string | null {
  const m = method === 'ACK' ? 'INVITE' : method;
  const branch = req.branch;
  if (branch?.startsWith(BRANCH_COOKIE)) return `${branch}|${(req.viaSentBy ?? '').toLowerCase()}|${m}`;
  if (req.callId === null || req.cseq === null) return null;
  return `2543|${req.requestUri ?? ''}|${req.fromTag ?? ''}|${req.callId}|${req.cseq}|${m}|${req.values('via')[0] ?? ''}`;
}

// FNV-1a over UTF-16 units (keys hashed from strings) or bytes (keys read from a message's bytes when
// they are ASCII): an ASCII key hashes the same both ways. Only the branch is hashed (the part of a
// key that tells transactions apart; a CANCEL shares its INVITE's chain): a match still compares the
// whole key, sent-by and method included.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const BAR = 0x7c; // '|'

function hashStr(h: number, s: string, end: number = s.length): number {
  // (h | 0: an int32 state from the start; FNV_OFFSET as given is above 2^31)
  let x = h | 0;
  for (let i = 0; i < end; i++) x = Math.imul(x ^ s.charCodeAt(i), FNV_PRIME);
  return x;
}

/** Hash of raw[s, e), or -1 when a byte is not ASCII (the string path then). */
function hashBytes(h: number, raw: Uint8Array, s: number, e: number): number {
  let x = h | 0;
  for (let i = s; i < e; i++) {
    const c = raw[i]!;
    if (c > 0x7f) return -1;
    x = Math.imul(x ^ c, FNV_PRIME);
  }
  return x;
}

/**
 * Table hash of a server key string: a `z9hG4bK` key (`branch|sent-by|method`) by its branch, the
 * same as {@link TransactionTable.addServerFor} and the byte lookups compute from the spans; any
 * other key (RFC 2543) as a whole.
 */
function serverKeyHash(key: string): number {
  if (key.startsWith(BRANCH_COOKIE)) {
    // the branch ends at the second '|' from the end (sent-by and method hold none)
    const bar = key.lastIndexOf('|', key.lastIndexOf('|') - 1);
    if (bar >= 0) return hashStr(FNV_OFFSET, key, bar) || 1;
  }
  return hashStr(FNV_OFFSET, key) || 1;
}

/** raw[s, e) is all ASCII (a key read from bytes equals a key string only then). */
function asciiOnly(raw: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (raw[i]! > 0x7f) return false;
  return true;
}

/** Table hash of a client key (its branch; the method is compared on a match). */
function clientHash(branch: string): number {
  return hashStr(FNV_OFFSET, branch) || 1;
}

const COOKIE = [0x7a, 0x39, 0x68, 0x47, 0x34, 0x62, 0x4b]; // z9hG4bK

/** Scratch [branch start, end, sent-by start, end] of {@link keySpans}. */
const spans = [0, 0, 0, 0];

/** Spans of a request's `z9hG4bK` branch and sent-by (empty when absent), or null for another branch. */
function keySpans(req: ParsedMessage): number[] | null {
  const ix = req.ix;
  const o = req.base;
  const bs = ix[o + 2 * F_BRANCH]!;
  const be = ix[o + 2 * F_BRANCH + 1]!;
  if (bs < 0 || be - bs < COOKIE.length) return null;
  const raw = req.raw;
  for (let k = 0; k < COOKIE.length; k++) if (raw[bs + k] !== COOKIE[k]) return null;
  let ss = ix[o + 2 * F_SENTBY]!;
  let se = ix[o + 2 * F_SENTBY + 1]!;
  if (ss < 0) ss = se = 0;
  spans[0] = bs;
  spans[1] = be;
  spans[2] = ss;
  spans[3] = se;
  return spans;
}

/**
 * A transaction added by {@link TransactionTable.addServerFor} (key kept as its request's spans)
 * has the key of the request bytes given: branch, sent-by (case folded), method (`m`, or raw[ms, me)).
 */
function msgKeyMatches(
  t: TransactionBase<string>,
  raw: Uint8Array,
  bs: number,
  be: number,
  ss: number,
  se: number,
  m: string | null,
  ms: number,
  me: number,
): boolean {
  const q = t.tableRaw;
  if (q === null) return false;
  if (
    !sameBytes(q, t.tableB0, t.tableB1, raw, bs, be, false) ||
    !sameBytes(q, t.tableS0, t.tableS1, raw, ss, se, true)
  )
    return false;
  if (m !== null) return t.method === m;
  return t.method.length === me - ms && matchBytes(t.method, 0, raw, ms, me, false) >= 0;
}

/** The string key of a transaction added by {@link TransactionTable.addServerFor} is `key`. */
function msgKeyIs(t: TransactionBase<string>, key: string): boolean {
  const q = t.tableRaw;
  if (q === null) return false;
  const qbs = t.tableB0;
  const qbe = t.tableB1;
  const qss = t.tableS0;
  const qse = t.tableS1;
  if (key.length !== qbe - qbs + 1 + (qse - qss) + 1 + t.method.length) return false;
  let at = matchBytes(key, 0, q, qbs, qbe, false);
  if (at < 0 || key.charCodeAt(at) !== BAR) return false;
  at = matchBytes(key, at + 1, q, qss, qse, true);
  return at >= 0 && key.charCodeAt(at) === BAR && key.endsWith(t.method);
}

/**
 * Scratch char codes of the strings made from octets here, one array per length (setting an array's
 * length on every use costs more than filling it).
 */
const codeArrays: number[][] = [];
function codesOf(n: number): number[] {
  let a = n <= 256 ? codeArrays[n] : undefined;
  if (a === undefined) {
    // filled by push: a packed array (a holey one makes Function.prototype.apply slower)
    a = [];
    for (let i = 0; i < n; i++) a.push(0);
    if (n <= 256) codeArrays[n] = a;
  }
  return a;
}

/** raw[s, e) as a flat string when every octet is ASCII (no header section decoded), else null. */
function asciiSpan(raw: Uint8Array, s: number, e: number): string | null {
  const c = codesOf(e - s);
  for (let i = s; i < e; i++) {
    const b = raw[i]!;
    if (b > 0x7f) return null;
    c[i - s] = b;
  }
  return String.fromCharCode.apply(null, c);
}

/**
 * The branch of a server transaction keyed by its request's octets ({@link TransactionTable.addServerFor}),
 * made from them (ASCII there), or null for a transaction keyed otherwise.
 */
export function tableKeyBranch(tx: TransactionBase<string>): string | null {
  return tx.tableRaw === null ? null : asciiSpan(tx.tableRaw, tx.tableB0, tx.tableB1);
}

/**
 * `msg.branch ?? ''` for a server transaction, read from the parser's span of the top Via branch
 * when it is ASCII: reading the getter decodes the whole header section (the elements read the
 * rest of a request from its octets, so this would be the only decode of most requests).
 */
export function requestBranch(msg: SipMessage): string {
  if (msg instanceof ParsedMessage) {
    const ix = msg.ix;
    const s = ix[msg.base + 2 * F_BRANCH]!;
    if (s < 0) return '';
    const t = asciiSpan(msg.raw, s, ix[msg.base + 2 * F_BRANCH + 1]!);
    if (t !== null) return t;
  }
  return msg.branch ?? '';
}

/** Methods a server transaction gets as constants (compared as octets, RFC 3261 §7.1: case-sensitive). */
const METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'PRACK',
  'UPDATE',
  'REFER',
  'NOTIFY',
  'SUBSCRIBE',
  'MESSAGE',
  'INFO',
];

/** `msg.method ?? ''` from the parser's span of the method: a constant for the usual methods, no decode. */
export function requestMethod(msg: SipMessage): string {
  if (msg instanceof ParsedMessage) {
    const ix = msg.ix;
    const s = ix[msg.base + 2 * F_METHOD]!;
    if (s < 0) return '';
    const e = ix[msg.base + 2 * F_METHOD + 1]!;
    const raw = msg.raw;
    for (let k = 0; k < METHODS.length; k++) {
      const m = METHODS[k]!;
      if (m.length === e - s && matchBytes(m, 0, raw, s, e, false) >= 0) return m;
    }
  }
  return msg.method ?? '';
}

/**
 * Open-addressing hash table of transactions (linear probing, at most half full): the 32-bit hashes
 * in a typed array beside the transactions (0 = empty), so a lookup — most are misses: every new
 * request is one — reads a few contiguous numbers and touches a transaction only when its hash matches. No
 * key string per lookup, no Map entry churn when transactions come and go (deletion shifts the
 * following entries back, no tombstones).
 */
class Slots {
  hashes = new Int32Array(256);
  /** A transaction, or the number of its lingering record ({@link LingerStore}). */
  txs: (TransactionBase<string> | number | null)[] = new Array<TransactionBase<string> | number | null>(
    256,
  ).fill(null);
  mask = 255;
  count = 0;
  /** Bumped by every insert and removal (lookups memoized against it). */
  version = 0;

  /** `hash` 0 is stored as 1 (0 marks an empty slot): lookups normalize the same way. */
  insert(tx: TransactionBase<string> | number, hash: number): void {
    if (2 * (this.count + 1) > this.txs.length) this.grow();
    hash = hash || 1;
    if (typeof tx !== 'number') tx.tableHash = hash;
    const txs = this.txs;
    const hashes = this.hashes;
    let i = hash & this.mask;
    while (hashes[i] !== 0) i = (i + 1) & this.mask;
    hashes[i] = hash;
    txs[i] = tx;
    this.count++;
    this.version++;
  }

  /** The slot holding `tx` (a transaction or a record number) under `hash`, or -1. */
  private slotOf(tx: object | number, hash: number): number {
    const txs = this.txs;
    const mask = this.mask;
    const hashes = this.hashes;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      if (hashes[i] === 0) return -1;
      if (txs[i] === tx) return i;
    }
  }

  /** Removes `tx` (or record `tx`, under `hash`); false when it is not in the table. */
  remove(
    tx: TransactionBase<string> | number,
    hash: number = (tx as TransactionBase<string>).tableHash,
  ): boolean {
    const i = this.slotOf(tx, hash);
    if (i < 0) return false;
    this.deleteAt(i);
    return true;
  }

  /** Puts record `r` where `tx` (hashed `hash`) is; false when it is not in the table. */
  replace(tx: object, hash: number, r: number): boolean {
    const i = this.slotOf(tx, hash);
    if (i < 0) return false;
    this.txs[i] = r;
    this.version++;
    return true;
  }

  /** Removes record `r` (hashed `hash`). */
  removeRecord(r: number, hash: number): void {
    this.remove(r, hash);
  }

  /** Empties slot `i`, moving back the entries of its probe run that would no longer be found. */
  private deleteAt(i: number): void {
    const txs = this.txs;
    const hashes = this.hashes;
    const mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const hj = hashes[j]!;
      if (hj === 0) break;
      const home = hj & mask;
      // the entry at j stays when its home lies cyclically in (i, j]
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      hashes[i] = hj;
      txs[i] = txs[j]!;
      i = j;
    }
    hashes[i] = 0;
    txs[i] = null;
    this.count--;
    this.version++;
  }

  private grow(): void {
    const old = this.txs;
    const oldHashes = this.hashes;
    const size = old.length * 2;
    this.hashes = new Int32Array(size);
    this.txs = new Array<TransactionBase<string> | number | null>(size).fill(null);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i++) {
      const t = old[i]!;
      if (t !== null) this.insert(t, oldHashes[i]!);
    }
  }

  /** The live transactions, lingering ones as views of their records. */
  values(linger: LingerStore): TransactionBase<string>[] {
    const out: TransactionBase<string>[] = [];
    for (const t of this.txs)
      if (t !== null) out.push(typeof t === 'number' ? asTx<TransactionBase<string>>(linger.view(t)) : t);
    return out;
  }
}

/** A lingering record's view where callers expect a transaction (it has what they use of one in its state). */
function asTx<T>(v: LingeringTransaction): T {
  return v as unknown as T;
}

/**
 * The live transactions of an element or a layer, by their RFC 3261 §17.1.3 / §17.2.3 keys. Keys
 * are hashed (from strings when given, from the message's bytes on lookup: the branch, sent-by and
 * method spans the parser indexed), so matching a message builds no key string.
 */
export class TransactionTable {
  private readonly clients = new Slots();
  private readonly servers = new Slots();
  /**
   * Lingering transactions as records (put in a context's `linger` to let its transactions retire
   * there, see {@link LingerStore}); lookups return a {@link LingeringTransaction} view for them.
   */
  readonly linger = new LingerStore(this.clients, this.servers);
  /** Pass as a transaction's `onTerminated`: the table forgets it. */
  readonly forgetBound = (tx: TransactionBase<string>): void => this.forget(tx);

  addClient(tx: ClientTransaction): void {
    const old = this.client(tx.branch, tx.method);
    if (old !== undefined) this.unlink(old);
    tx.tableKey = null;
    tx.tableIn = 1;
    this.clients.insert(tx, clientHash(tx.branch));
  }

  addServer(key: string, tx: ServerTransaction): void {
    const old = this.server(key);
    if (old !== undefined) this.unlink(old);
    tx.tableKey = key;
    tx.tableRaw = null;
    tx.tableIn = 2;
    this.servers.insert(tx, serverKeyHash(key));
  }

  /**
   * {@link addServer} keyed by the request's bytes: for a `z9hG4bK` branch in ASCII the key
   * (branch, sent-by, method; RFC 3261 §17.2.3) is hashed from the spans the parser indexed and
   * compared with them later, so no key string is built. `method` is the key's method (default:
   * the transaction's, i.e. the request's). Other requests are added under
   * {@link serverTransactionKey} as before (or an unmatchable key when it has none).
   */
  addServerFor(msg: SipMessage, tx: ServerTransaction, method: string = tx.method): void {
    if (msg instanceof ParsedMessage && method === tx.method && method !== 'ACK') {
      const sp = keySpans(msg);
      if (sp !== null) {
        const bs = sp[0]!;
        const be = sp[1]!;
        const ss = sp[2]!;
        const se = sp[3]!;
        const hash = this.branchHash(msg, bs, be);
        if (hash !== -1 && asciiOnly(msg.raw, ss, se)) {
          const old = this.matchRequest(msg, method);
          if (old !== undefined) this.unlink(old);
          tx.tableKey = null;
          // the key is kept as the request's octets and its spans (no string, no message object)
          tx.tableRaw = msg.raw;
          tx.tableB0 = bs;
          tx.tableB1 = be;
          tx.tableS0 = ss;
          tx.tableS1 = se;
          tx.tableIn = 2;
          this.servers.insert(tx, hash);
          return;
        }
      }
    }
    this.addServer(serverTransactionKey(msg, method) ?? `${tx.id}|unmatchable`, tx);
  }

  private unlink(tx: TransactionBase<string>): void {
    const v: unknown = tx;
    if (v instanceof LingeringTransaction) {
      v.dropRecord();
      return;
    }
    (tx.tableIn === 1 ? this.clients : this.servers).remove(tx);
    tx.tableIn = 0;
  }

  /** Removes a transaction (when it terminates). */
  forget(tx: TransactionBase<string>): void {
    // a transaction replaced under its key is no longer in the table (tableIn was cleared)
    if (tx.tableIn !== 0) this.unlink(tx);
  }

  /**
   * Table hash of the branch raw[bs, be) of `msg` (never 0), or -1 when it is not ASCII. A message is
   * looked up several times in a row (on arrival, by the element, when its server transaction is
   * added), so the last message's hash is kept.
   */
  private branchHash(msg: ParsedMessage, bs: number, be: number): number {
    if (msg === this.hashMsg && bs === this.hashStart) return this.hashValue;
    const h = hashBytes(FNV_OFFSET, msg.raw, bs, be);
    this.hashMsg = msg;
    this.hashStart = bs;
    this.hashValue = h === -1 ? -1 : h || 1;
    return this.hashValue;
  }
  private hashMsg: ParsedMessage | null = null;
  private hashStart = -1;
  private hashValue = -1;

  /** §17.1.3: the client transaction of a response (top Via branch and CSeq method). */
  matchResponse(msg: SipMessage): ClientTransaction | undefined {
    if (msg instanceof ParsedMessage) {
      const ix = msg.ix;
      const o = msg.base;
      const bs = ix[o + 2 * F_BRANCH]!;
      const be = ix[o + 2 * F_BRANCH + 1]!;
      const ms = ix[o + 2 * F_CSEQM]!;
      const me = ix[o + 2 * F_CSEQM + 1]!;
      if (bs < 0 || ms < 0 || bs === be || ms === me) return undefined;
      const raw = msg.raw;
      const h = this.branchHash(msg, bs, be);
      if (h !== -1 && asciiOnly(raw, ms, me)) {
        const hash = h;
        const { hashes, txs, mask } = this.clients;
        for (let i = hash & mask, x = hashes[i]!; x !== 0; i = (i + 1) & mask, x = hashes[i]!) {
          if (x !== hash) continue;
          const t = txs[i]!;
          if (typeof t === 'number') {
            if (this.linger.clientMatchesBytes(t, raw, bs, be, ms, me))
              return asTx<ClientTransaction>(this.linger.view(t));
            continue;
          }
          if (
            t.branch.length === be - bs &&
            t.method.length === me - ms &&
            matchBytes(t.branch, 0, raw, bs, be, false) >= 0 &&
            matchBytes(t.method, 0, raw, ms, me, false) >= 0
          )
            return t as ClientTransaction;
        }
        return undefined;
      }
    }
    return msg.branch && msg.cseqMethod ? this.client(msg.branch, msg.cseqMethod) : undefined;
  }

  client(branch: string, method: string): ClientTransaction | undefined {
    const hash = clientHash(branch);
    const { hashes, txs, mask } = this.clients;
    for (let i = hash & mask, x = hashes[i]!; x !== 0; i = (i + 1) & mask, x = hashes[i]!) {
      if (x !== hash) continue;
      const t = txs[i]!;
      if (typeof t === 'number') {
        if (this.linger.clientMatches(t, branch, method)) return asTx<ClientTransaction>(this.linger.view(t));
      } else if (t.branch === branch && t.method === method) return t as ClientTransaction;
    }
    return undefined;
  }

  server(key: string): ServerTransaction | undefined {
    const hash = serverKeyHash(key);
    const { hashes, txs, mask } = this.servers;
    for (let i = hash & mask, x = hashes[i]!; x !== 0; i = (i + 1) & mask, x = hashes[i]!)
      if (x === hash) {
        const t = txs[i]!;
        if (typeof t === 'number') {
          if (this.linger.serverKeyIs(t, key)) return asTx<ServerTransaction>(this.linger.view(t));
        } else if (t.tableKey === key || (t.tableKey === null && msgKeyIs(t, key)))
          return t as ServerTransaction;
      }
    return undefined;
  }

  /** The server transaction a request (or ACK, or with `method` 'INVITE' a CANCEL) matches. */
  matchRequest(req: SipMessage, method?: string): ServerTransaction | undefined {
    // An element matches the same request several times in a row (on arrival, then in its
    // routing logic): the last answer holds while no server transaction came or went.
    const s = this.servers;
    if (req === this.lastReq && method === this.lastMethod && s.version === this.lastVersion)
      return this.lastMatch;
    let r: ServerTransaction | undefined | null = null;
    if (req instanceof ParsedMessage) r = this.matchRequestBytes(req, method);
    if (r === null) {
      const key = serverTransactionKey(req, method);
      r = key === null ? undefined : this.server(key);
    }
    this.lastReq = req;
    this.lastMethod = method;
    this.lastVersion = s.version;
    this.lastMatch = r;
    return r;
  }
  private lastReq: SipMessage | null = null;
  private lastMethod: string | undefined = undefined;
  private lastVersion = -1;
  private lastMatch: ServerTransaction | undefined = undefined;

  /**
   * {@link matchRequest} for a `z9hG4bK` branch read from the bytes: the hash of
   * `branch|sent-by lowercased|method` (the request's own method from its bytes unless `method` is
   * given; ACK counts as INVITE), compared with the keys in its chain. Null when the key is not of
   * that form or not ASCII (the string path decides).
   */
  private matchRequestBytes(
    req: ParsedMessage,
    method: string | undefined,
  ): ServerTransaction | undefined | null {
    const sp = keySpans(req);
    if (sp === null) return null;
    const bs = sp[0];
    const be = sp[1];
    const ss = sp[2];
    const se = sp[3];
    const raw = req.raw;
    const ix = req.ix;
    const o = req.base;
    let m: string | null = null;
    let ms = 0;
    let me = 0;
    if (method !== undefined) m = method === 'ACK' ? 'INVITE' : method;
    else {
      ms = ix[o + 2 * F_METHOD]!;
      me = ix[o + 2 * F_METHOD + 1]!;
      if (ms < 0) ms = me = 0;
      else if (me - ms === 3 && raw[ms] === 0x41 && raw[ms + 1] === 0x43 && raw[ms + 2] === 0x4b)
        m = 'INVITE'; // ACK
    }
    const hash = this.branchHash(req, bs, be);
    if (hash === -1 || !asciiOnly(raw, ss, se) || (m === null && !asciiOnly(raw, ms, me))) return null;
    const mLen = m !== null ? m.length : me - ms;
    const want = be - bs + 1 + (se - ss) + 1 + mLen;
    const { hashes, txs, mask } = this.servers;
    for (let i = hash & mask, x = hashes[i]!; x !== 0; i = (i + 1) & mask, x = hashes[i]!) {
      if (x !== hash) continue;
      const t = txs[i]!;
      if (typeof t === 'number') {
        if (this.linger.serverMatchesBytes(t, raw, bs, be, ss, se, m, ms, me))
          return asTx<ServerTransaction>(this.linger.view(t));
        continue;
      }
      const key = t.tableKey;
      if (key === null) {
        if (msgKeyMatches(t, raw, bs, be, ss, se, m, ms, me)) return t as ServerTransaction;
        continue;
      }
      if (key.length !== want) continue;
      let at = matchBytes(key, 0, raw, bs, be, false);
      if (at < 0 || key.charCodeAt(at) !== BAR) continue;
      at = matchBytes(key, at + 1, raw, ss, se, true);
      if (at < 0 || key.charCodeAt(at) !== BAR) continue;
      if (m !== null ? !key.endsWith(m) : matchBytes(key, at + 1, raw, ms, me, false) < 0) continue;
      return t as ServerTransaction;
    }
    return undefined;
  }

  get clientList(): ClientTransaction[] {
    return this.clients.values(this.linger) as ClientTransaction[];
  }

  get serverList(): ServerTransaction[] {
    return this.servers.values(this.linger) as ServerTransaction[];
  }

  get size(): { clients: number; servers: number } {
    return { clients: this.clients.count, servers: this.servers.count };
  }
}
