/**
 * RecordingTestHost: the test double of ScriptHost — a small but real in-memory SIP element
 * (location service, Max-Forwards, header edits, replies and relays recorded as actions).
 * It is NOT the proxy element (a later part builds that); it exists to exercise the interpreter.
 */
import type { RelayTarget, ScriptHost, ScriptResult, ScriptValue } from '../../../src/sip-core/script';

export interface TestMsg {
  kind: 'request' | 'reply';
  method: string;
  ruri: string;
  from: string;
  to: string;
  toTag?: string;
  callId: string;
  headers: [string, string][];
  src: { ip: string; port: number };
  status?: number;
  reason?: string;
  du?: string | null;
  /** Message length in bytes ($ml, `msg:len`). */
  length?: number;
}

export type Action =
  | { type: 'reply'; code: number; reason: string; stateful: boolean }
  | { type: 'relay'; ruri: string; du: string | null; target: RelayTarget | null; stateful: boolean }
  | { type: 'log'; level: string; text: string }
  | { type: 'save'; aor: string; contact: string }
  | { type: 'challenge'; code: 401 | 407; realm: string }
  | { type: 'arm'; route: 'failure' | 'reply' | 'branch'; name: string };

export function request(method: string, ruri: string, extra: Partial<TestMsg> = {}): TestMsg {
  return {
    kind: 'request',
    method,
    ruri,
    from: 'sip:alice@example.com',
    to: ruri,
    callId: 'call-1@client',
    headers: [
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1'],
      ['Max-Forwards', '70'],
      ['User-Agent', 'softphone 1.0'],
    ],
    src: { ip: '192.0.2.10', port: 5060 },
    ...extra,
  };
}

const userOf = (uri: string): string | null => /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? null;
const hostOf = (uri: string): string => /^sips?:(?:[^@]*@)?([^:;>]+)/.exec(uri)?.[1] ?? uri;
const portOf = (uri: string): string | null => /^sips?:(?:[^@]*@)?[^:;>]+:(\d+)/.exec(uri)?.[1] ?? null;
const aorOf = (uri: string): string => `${userOf(uri) ?? ''}@${hostOf(uri)}`;

export class RecordingTestHost implements ScriptHost<TestMsg> {
  readonly actions: Action[] = [];
  readonly location = new Map<string, string[]>();
  readonly myself = new Set(['127.0.0.1', 'example.com']);
  /** Answers for catalogued functions simulated through call(), by name. */
  readonly callResults = new Map<string, ScriptResult>();
  /** Reply code the failure_route sees ($T_reply_code). */
  replyCode: number | null = null;
  credentialsValid = false;

  getPv(name: string, arg: string | null, m: TestMsg): ScriptValue {
    switch (name) {
      case 'rm':
        return m.method;
      case 'ru':
        return m.ruri;
      case 'rU':
        return userOf(m.ruri);
      case 'rd':
        return hostOf(m.ruri);
      case 'rp':
        return portOf(m.ruri);
      case 'fu':
        return m.from;
      case 'fU':
        return userOf(m.from);
      case 'fd':
        return hostOf(m.from);
      case 'tu':
        return m.to;
      case 'tU':
        return userOf(m.to);
      case 'td':
        return hostOf(m.to);
      case 'tt':
        return m.toTag ?? null;
      case 'ci':
        return m.callId;
      case 'si':
        return m.src.ip;
      case 'sp':
        return m.src.port;
      case 'rs':
        return m.status ?? null;
      case 'mt':
        return m.kind === 'request' ? 1 : 2;
      case 'du':
        return m.du ?? null;
      case 'ua':
        return this.header(m, 'User-Agent');
      case 'hdr':
        return this.header(m, arg ?? '');
      case 'T_reply_code':
        return this.replyCode;
      case 'ml':
        return m.length ?? 400;
      default:
        return null;
    }
  }

  setPv(name: string, _arg: string | null, v: ScriptValue, m: TestMsg): boolean {
    switch (name) {
      case 'ru':
        m.ruri = String(v ?? '');
        return true;
      case 'rU':
        m.ruri = m.ruri.replace(/^(sips?:)(?:[^@]*@)?/, `$1${String(v ?? '')}@`);
        return true;
      case 'rd':
        m.ruri = m.ruri.replace(/^(sips?:(?:[^@]*@)?)[^:;>]+/, `$1${String(v ?? '')}`);
        return true;
      case 'du':
        m.du = v === null ? null : String(v);
        return true;
      default:
        return false;
    }
  }

  private header(m: TestMsg, name: string): string | null {
    return m.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? null;
  }

  isMyself(value: string): boolean {
    return this.myself.has(value.startsWith('sip') ? hostOf(value) : value);
  }
  isMethod(m: TestMsg, methods: readonly string[]): boolean {
    return m.kind === 'request' && methods.includes(m.method);
  }
  hasTotag(m: TestMsg): boolean {
    return !!m.toTag;
  }
  looseRoute(m: TestMsg): ScriptResult {
    return m.headers.some(([n]) => n === 'Route');
  }
  recordRoute(m: TestMsg, params: string | null): ScriptResult {
    m.headers.unshift(['Record-Route', `<sip:127.0.0.1;lr${params ?? ''}>`]);
    return 1;
  }
  save(m: TestMsg, _table: string): ScriptResult {
    const contact = this.header(m, 'Contact');
    if (!contact) return -1;
    const aor = aorOf(m.to);
    this.location.set(aor, [contact.replace(/^<|>$/g, '')]);
    this.actions.push({ type: 'save', aor, contact });
    return 1;
  }
  lookup(m: TestMsg, table: string, uri: string | null): ScriptResult {
    if (table !== 'location') return -1; // no other table (e.g. "aliases") in this double
    const contacts = this.location.get(aorOf(uri ?? m.ruri));
    if (!contacts) return -1;
    m.ruri = contacts[0]!;
    return 1;
  }
  tRelay(m: TestMsg, target: RelayTarget | null): ScriptResult {
    this.actions.push({ type: 'relay', ruri: m.ruri, du: m.du ?? null, target, stateful: true });
    return 1;
  }
  forward(m: TestMsg, target: RelayTarget | null): ScriptResult {
    this.actions.push({ type: 'relay', ruri: m.ruri, du: m.du ?? null, target, stateful: false });
    return 1;
  }
  slSendReply(_m: TestMsg, code: number, reason: string): ScriptResult {
    this.actions.push({ type: 'reply', code, reason, stateful: false });
    return 1;
  }
  tReply(_m: TestMsg, code: number, reason: string): ScriptResult {
    this.actions.push({ type: 'reply', code, reason, stateful: true });
    return 1;
  }
  appendHf(m: TestMsg, text: string): ScriptResult {
    const [n, ...v] = text.replace(/\r\n$/, '').split(':');
    m.headers.push([n!.trim(), v.join(':').trim()]);
    return 1;
  }
  removeHf(m: TestMsg, name: string): ScriptResult {
    const before = m.headers.length;
    m.headers = m.headers.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
    return before - m.headers.length || -1;
  }
  isPresentHf(m: TestMsg, name: string): boolean {
    return this.header(m, name) !== null;
  }
  xlog(_m: TestMsg, level: string, text: string): void {
    this.actions.push({ type: 'log', level, text });
  }
  forceRport(m: TestMsg): ScriptResult {
    m.headers[0]![1] += ';rport';
    return 1;
  }
  natUacTest(m: TestMsg, flags: number): boolean {
    return (flags & 1) !== 0 && /192\.168\./.test(this.header(m, 'Contact') ?? '');
  }
  fixNatedContact(m: TestMsg): ScriptResult {
    const c = this.header(m, 'Contact');
    if (!c) return -1;
    this.removeHf(m, 'Contact');
    m.headers.push(['Contact', c.replace(/@[^>;]+/, `@${m.src.ip}:${m.src.port}`)]);
    return 1;
  }
  fixNatedRegister(m: TestMsg): ScriptResult {
    return this.fixNatedContact(m);
  }
  wwwAuthorize(): ScriptResult {
    return this.credentialsValid ? 1 : -1;
  }
  wwwChallenge(_m: TestMsg, realm: string): ScriptResult {
    this.actions.push({ type: 'challenge', code: 401, realm });
    return 1;
  }
  proxyAuthorize(): ScriptResult {
    return this.credentialsValid ? 1 : -1;
  }
  proxyChallenge(_m: TestMsg, realm: string): ScriptResult {
    this.actions.push({ type: 'challenge', code: 407, realm });
    return 1;
  }
  tOnFailure(_m: TestMsg, name: string): void {
    this.actions.push({ type: 'arm', route: 'failure', name });
  }
  tOnReply(_m: TestMsg, name: string): void {
    this.actions.push({ type: 'arm', route: 'reply', name });
  }
  tOnBranch(_m: TestMsg, name: string): void {
    this.actions.push({ type: 'arm', route: 'branch', name });
  }
  tLoadContacts(): ScriptResult {
    return 1;
  }
  tNextContacts(): ScriptResult {
    return -1;
  }
  mfProcessMaxfwdHeader(m: TestMsg, max: number): ScriptResult {
    const h = m.headers.find(([n]) => n === 'Max-Forwards');
    if (!h) {
      m.headers.push(['Max-Forwards', String(max)]);
      return 2;
    }
    const v = Number(h[1]);
    if (v <= 0) return -1;
    h[1] = String(Math.min(v, max) - 1);
    return 1;
  }
  uriParamMatches(m: TestMsg, name: string, value: string | null): boolean {
    const p = new RegExp(`;${name}(=([^;>]*))?(;|>|$)`).exec(m.ruri);
    return !!p && (value === null || p[2] === value);
  }
  call(name: string): ScriptResult | undefined {
    return this.callResults.get(name);
  }
}
