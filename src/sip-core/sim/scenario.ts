/**
 * The scenario format: YAML validated by a JSON Schema (ajv), with errors located by line and
 * column in the YAML source. See docs/scenarios.md.
 */
import Ajv from 'ajv';
import { LineCounter, parseDocument, isNode, isScalar, Scalar } from 'yaml';
import { loadScript } from '../script/parser';
import { parseDispatcherList } from '../elements/dispatcher';
import { DTMF_DIGITS_RE } from '../../shared/dtmf';

/** A duration: seconds as a number, or a string `500ms`, `2s`, `1.5 s`, `3m`. */
export type Duration = number | string;

export interface NodeSpec {
  name: string;
  role: 'ua' | 'proxy' | 'registrar' | 'redirect' | 'nat' | 'b2bua' | 'stun';
  /** `ip[:port]` (default port 5060; 3478 for STUN). */
  address?: string;
  description?: string;
  /** DNS names resolving to this node. */
  domains?: string[];
  /** The NAT this node sits behind. */
  behind?: string;
  down?: boolean;
  transport?: 'UDP' | 'TCP';
  // ua
  aor?: string;
  displayName?: string;
  username?: string;
  password?: string;
  proxies?: string[];
  registrar?: string;
  answer?: {
    ring?: boolean;
    after?: Duration | null;
    reject?: number;
    rejectAfter?: Duration;
    reason?: string;
  };
  use100rel?: boolean;
  /** Ring with 183 and the SDP answer, and send RTP before the 200 (RFC 3960). */
  earlyMedia?: boolean;
  /** Session timers (RFC 4028): the interval asked for (s) and the smallest accepted (s, default 90). */
  sessionExpires?: number;
  minSE?: number;
  /** The refresher's request: `reinvite` (default) or `update` (RFC 4028 §7.4). */
  sessionRefresh?: 'reinvite' | 'update';
  lateOffer?: boolean;
  followRedirects?: boolean;
  mediaPort?: number;
  /**
   * The codecs the phone offers and accepts, in its order of preference (default: PCMU in the
   * simulator; PCMU, PCMA and telephone-event in a lab): an answer lists the offered ones it has
   * (RFC 3264 §6.1), an offer with none of them gets 488.
   */
  codecs?: ('PCMU' | 'PCMA' | 'telephone-event')[];
  /** Offer and accept RTCP on the RTP port (RFC 5761; default false in the simulator, true in a lab). */
  rtcpMux?: boolean;
  /** Send the short RTP burst once a call is set up (default true; false: SIP signalling only). */
  rtp?: boolean;
  /**
   * Lab only (the simulator ignores it): what the phone's real RTP socket sends in a call — `tone`
   * (a sine of `toneHz`), `echo` (what it receives, back), `silence`, or `none` (no socket, no RTP);
   * default: tone in the calls it makes, echo in the calls it answers (docs/lab.md).
   */
  media?: 'tone' | 'echo' | 'silence' | 'none';
  /** Lab only: the tone's frequency (Hz; default one per phone, 440 Hz for the first). */
  toneHz?: number;
  /**
   * comedia (latching) — the phone sends its RTP back to where the peer's RTP comes from once the
   * first packet came, not to the peer's SDP address (default false; docs/lab.md, docs/scenarios.md):
   * the simulator's burst and a lab phone's real RTP alike.
   */
  comedia?: boolean;
  preauth?: { realm: string; nonce: string };
  /** Registration expiry asked for (s). */
  expires?: number;
  stun?: string;
  rport?: boolean;
  // proxy / registrar / redirect
  script?: string | { builtin: string };
  users?: Record<string, string>;
  nonce?: string;
  locations?: Record<string, (string | { contact: string; q?: number })[]>;
  location?: string;
  /**
   * Key the location service by user and domain (Kamailio usrloc `use_domain=1`); default false, as
   * Kamailio: `sip:bob@lab.example` and `sip:bob@127.0.0.1` are one AOR.
   */
  useDomain?: boolean;
  trying?: 'before' | 'after';
  loopDetection?: boolean;
  /**
   * The dispatcher module's destination list, in Kamailio's dispatcher.list format (one
   * `setid uri [flags [priority [attrs]]]` per line, `#` comments): what `list_file` names in
   * Kamailio. Errors are located at their line and column in the YAML.
   */
  dispatcher?: string;
  // redirect
  redirects?: Record<string, string[]>;
  redirectCode?: number;
  // b2bua
  next?: string;
  // nat
  type?: 'full-cone' | 'restricted' | 'port-restricted' | 'symmetric';
  public?: string;
  inside?: string;
  timeout?: Duration;
  hairpin?: boolean;
  alg?: boolean;
}

export interface LinkSpec {
  between: [string, string];
  latency?: Duration;
  jitter?: Duration;
  loss?: number;
}

export interface StepSpec {
  at: Duration;
  node: string;
  action:
    | 'register'
    | 'unregister'
    | 'call'
    | 'answer'
    | 'reject'
    | 'cancel'
    | 'hangup'
    | 'hold'
    | 'resume'
    | 'reinvite'
    | 'update'
    | 'refer'
    | 'options'
    | 'message'
    | 'subscribe'
    | 'unsubscribe'
    | 'presence'
    | 'down'
    | 'up'
    | 'stun'
    | 'dtmf';
  to?: string;
  code?: number;
  expires?: number;
  wildcard?: boolean;
  query?: boolean;
  text?: string;
  direction?: 'sendonly' | 'inactive' | 'sendrecv' | 'recvonly';
  id?: string;
  /** `refer`: the id of the call whose dialog the transfer target replaces (attended transfer). */
  replaces?: string;
  /** `dtmf`: the keys (1–32 of 0-9 * # A-D), how (default `rfc4733`), per key (default 100 ms, 40 ms–2 s) and between keys (default 100 ms, 60 ms–10 s). */
  digits?: string;
  method?: 'rfc4733' | 'info';
  duration?: Duration;
  pause?: Duration;
}

export interface ExpectSpec {
  /** The SIP messages in order, exactly: `From -> To: INVITE` / `From -> To: 200`. */
  flow?: string[];
  /** These lines appear in this order (other messages may come between). */
  contains?: string[];
  /** Lines that must not appear. */
  absent?: string[];
  messages?: number;
  calls?: { node: string; index?: number; state?: string; status?: number; media?: boolean }[];
  registrations?: { node: string; state?: string; status?: number }[];
  results?: { node: string; includes: string }[];
  /** Regular expressions that must match at least one element event text (`node: text`). */
  events?: string[];
  noEvents?: string[];
  /** Compare with a flow of ../shared/conformance/rfc3665-flows.yaml (checked by the test suite). */
  rfc3665?: string;
}

export interface Scenario {
  name: string;
  title?: string;
  description: string;
  teaches?: string;
  seed?: number;
  duration?: Duration;
  timers?: { t1?: Duration; t2?: Duration; t4?: Duration };
  network?: { latency?: Duration; jitter?: Duration; loss?: number };
  links?: LinkSpec[];
  drop?: { from?: string; to?: string; match?: string; nth?: number[]; count?: number }[];
  nodes: NodeSpec[];
  steps?: StepSpec[];
  expect?: ExpectSpec;
}

const duration = {
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(us|ms|s|m)?\\s*$' },
  ],
};

export const SCENARIO_SCHEMA = {
  $id: 'https://sipscope.dev/schema/scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'nodes'],
  properties: {
    name: { type: 'string', minLength: 1 },
    title: { type: 'string' },
    description: { type: 'string' },
    teaches: { type: 'string' },
    seed: { type: 'integer' },
    duration,
    timers: {
      type: 'object',
      additionalProperties: false,
      properties: { t1: duration, t2: duration, t4: duration },
    },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: { latency: duration, jitter: duration, loss: { type: 'number', minimum: 0, maximum: 1 } },
    },
    links: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['between'],
        properties: {
          between: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
          latency: duration,
          jitter: duration,
          loss: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
    drop: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { type: 'string' },
          to: { type: 'string' },
          match: { type: 'string' },
          nth: { type: 'array', items: { type: 'integer', minimum: 1 } },
          count: { type: 'integer', minimum: 1 },
        },
      },
    },
    nodes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role'],
        properties: {
          name: { type: 'string', minLength: 1 },
          role: { enum: ['ua', 'proxy', 'registrar', 'redirect', 'nat', 'b2bua', 'stun'] },
          address: { type: 'string', pattern: '^[0-9a-fA-F.:\\[\\]]+$' },
          description: { type: 'string' },
          domains: { type: 'array', items: { type: 'string' } },
          behind: { type: 'string' },
          down: { type: 'boolean' },
          transport: { enum: ['UDP', 'TCP'] },
          aor: { type: 'string', pattern: '^sips?:' },
          displayName: { type: 'string' },
          username: { type: 'string' },
          password: { type: 'string' },
          proxies: { type: 'array', items: { type: 'string' } },
          registrar: { type: 'string' },
          answer: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ring: { type: 'boolean' },
              after: { oneOf: [duration, { type: 'null' }] },
              reject: { type: 'integer', minimum: 300, maximum: 699 },
              rejectAfter: duration,
              reason: { type: 'string' },
            },
          },
          use100rel: { type: 'boolean' },
          earlyMedia: { type: 'boolean' },
          sessionExpires: { type: 'integer', minimum: 1 },
          minSE: { type: 'integer', minimum: 1 },
          sessionRefresh: { enum: ['reinvite', 'update'] },
          lateOffer: { type: 'boolean' },
          followRedirects: { type: 'boolean' },
          mediaPort: { type: 'integer', minimum: 1, maximum: 65535 },
          codecs: {
            type: 'array',
            minItems: 1,
            maxItems: 3,
            uniqueItems: true,
            items: { enum: ['PCMU', 'PCMA', 'telephone-event'] },
            contains: { enum: ['PCMU', 'PCMA'] },
          },
          rtcpMux: { type: 'boolean' },
          rtp: { type: 'boolean' },
          media: { enum: ['tone', 'echo', 'silence', 'none'] },
          toneHz: { type: 'integer', minimum: 100, maximum: 3400 },
          comedia: { type: 'boolean' },
          preauth: {
            type: 'object',
            additionalProperties: false,
            required: ['realm', 'nonce'],
            properties: { realm: { type: 'string' }, nonce: { type: 'string' } },
          },
          expires: { type: 'integer', minimum: 0 },
          stun: { type: 'string' },
          rport: { type: 'boolean' },
          script: {
            oneOf: [
              { type: 'string' },
              {
                type: 'object',
                additionalProperties: false,
                required: ['builtin'],
                properties: { builtin: { type: 'string' } },
              },
            ],
          },
          users: { type: 'object', additionalProperties: { type: 'string' } },
          nonce: { type: 'string' },
          locations: {
            type: 'object',
            additionalProperties: {
              type: 'array',
              items: {
                oneOf: [
                  { type: 'string' },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['contact'],
                    properties: { contact: { type: 'string' }, q: { type: 'number' } },
                  },
                ],
              },
            },
          },
          location: { type: 'string' },
          useDomain: { type: 'boolean' },
          trying: { enum: ['before', 'after'] },
          loopDetection: { type: 'boolean' },
          dispatcher: { type: 'string' },
          redirects: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          redirectCode: { type: 'integer', minimum: 300, maximum: 399 },
          next: { type: 'string' },
          type: { enum: ['full-cone', 'restricted', 'port-restricted', 'symmetric'] },
          public: { type: 'string' },
          inside: { type: 'string' },
          timeout: duration,
          hairpin: { type: 'boolean' },
          alg: { type: 'boolean' },
        },
      },
    },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['at', 'node', 'action'],
        properties: {
          at: duration,
          node: { type: 'string' },
          action: {
            enum: [
              'register',
              'unregister',
              'call',
              'answer',
              'reject',
              'cancel',
              'hangup',
              'hold',
              'resume',
              'reinvite',
              'update',
              'refer',
              'options',
              'message',
              'subscribe',
              'unsubscribe',
              'presence',
              'down',
              'up',
              'stun',
              'dtmf',
            ],
          },
          to: { type: 'string' },
          code: { type: 'integer', minimum: 300, maximum: 699 },
          expires: { type: 'integer', minimum: 0 },
          wildcard: { type: 'boolean' },
          query: { type: 'boolean' },
          text: { type: 'string' },
          direction: { enum: ['sendonly', 'inactive', 'sendrecv', 'recvonly'] },
          id: { type: 'string' },
          replaces: { type: 'string' },
          digits: { type: 'string', pattern: DTMF_DIGITS_RE.source },
          method: { enum: ['rfc4733', 'info'] },
          duration,
          pause: duration,
        },
      },
    },
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        flow: { type: 'array', items: { type: 'string' } },
        contains: { type: 'array', items: { type: 'string' } },
        absent: { type: 'array', items: { type: 'string' } },
        messages: { type: 'integer', minimum: 0 },
        calls: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['node'],
            properties: {
              node: { type: 'string' },
              index: { type: 'integer' },
              state: { type: 'string' },
              status: { type: 'integer' },
              media: { type: 'boolean' },
            },
          },
        },
        registrations: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['node'],
            properties: { node: { type: 'string' }, state: { type: 'string' }, status: { type: 'integer' } },
          },
        },
        results: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['node', 'includes'],
            properties: { node: { type: 'string' }, includes: { type: 'string' } },
          },
        },
        events: { type: 'array', items: { type: 'string' } },
        noEvents: { type: 'array', items: { type: 'string' } },
        rfc3665: { type: 'string' },
      },
    },
  },
} as const;

/** A located scenario problem. */
export interface ScenarioError {
  code:
    | 'scenario-yaml-syntax'
    | 'scenario-schema'
    | 'scenario-reference'
    | 'scenario-script'
    | 'scenario-dispatcher';
  message: string;
  /** 1-based; 0 when unknown. */
  line: number;
  col: number;
  path: string;
}

export interface ScenarioLoad {
  scenario: Scenario | null;
  errors: ScenarioError[];
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(SCENARIO_SCHEMA);

/** Parses and validates scenario YAML. Never throws. */
export function loadScenario(text: string): ScenarioLoad {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  const errors: ScenarioError[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    errors.push({
      code: 'scenario-yaml-syntax',
      message: e.message.split('\n')[0]!,
      line: pos?.line ?? 0,
      col: pos?.col ?? 0,
      path: '',
    });
  }
  if (errors.length) return { scenario: null, errors };
  const data: unknown = doc.toJS();
  const at = (path: (string | number)[]): { line: number; col: number } => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = lc.linePos(node.range[0]);
        return { line: p.line, col: p.col };
      }
    }
    return { line: 0, col: 0 };
  };
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      // oneOf branches repeat the same problem; keep the most specific
      if (e.keyword === 'oneOf') continue;
      const path = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const extra =
        e.keyword === 'additionalProperties'
          ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
          : e.keyword === 'enum'
            ? ` (one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
            : '';
      const { line, col } = at(
        e.keyword === 'additionalProperties'
          ? [...path, (e.params as { additionalProperty: string }).additionalProperty]
          : path,
      );
      errors.push({
        code: 'scenario-schema',
        message: `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${extra}`,
        line,
        col,
        path: e.instancePath,
      });
    }
    dedupe(errors);
    return { scenario: null, errors };
  }
  const sc = data as Scenario;
  // references: node names used by links, steps, expectations
  const names = new Set(sc.nodes.map((n) => n.name));
  const ref = (name: string | undefined, path: (string | number)[]): void => {
    if (name !== undefined && !names.has(name))
      errors.push({
        code: 'scenario-reference',
        message: `unknown node "${name}"`,
        ...at(path),
        path: '/' + path.join('/'),
      });
  };
  sc.nodes.forEach((n, i) => {
    ref(n.behind, ['nodes', i, 'behind']);
    if (n.role === 'nat' && (!n.public || !n.inside))
      errors.push({
        code: 'scenario-reference',
        message: `NAT "${n.name}" needs public and inside addresses`,
        ...at(['nodes', i]),
        path: `/nodes/${i}`,
      });
    if (n.role !== 'nat' && !n.address)
      errors.push({
        code: 'scenario-reference',
        message: `node "${n.name}" needs an address`,
        ...at(['nodes', i]),
        path: `/nodes/${i}`,
      });
  });
  sc.links?.forEach((l, i) => l.between.forEach((b, k) => ref(b, ['links', i, 'between', k])));
  sc.steps?.forEach((s, i) => ref(s.node, ['steps', i, 'node']));
  sc.steps?.forEach((s, i) => {
    const bad = (key: string, message: string): void => {
      errors.push({
        code: 'scenario-schema',
        message: `/steps/${i}${key === '' ? '' : `/${key}`} ${message}`,
        ...at(key === '' ? ['steps', i] : ['steps', i, key]),
        path: `/steps/${i}${key === '' ? '' : `/${key}`}`,
      });
    };
    if (s.action !== 'dtmf') {
      for (const k of ['digits', 'method', 'duration', 'pause'] as const)
        if (s[k] !== undefined) bad(k, `is for a dtmf step only (this one is ${s.action})`);
      return;
    }
    if (s.digits === undefined) bad('', 'a dtmf step needs digits (1–32 of 0-9 * # A-D)');
    const ms = (d: Duration | undefined): number | null =>
      d === undefined ? null : parseDuration(d, 0) / 1000;
    const dur = ms(s.duration);
    if (dur !== null && (dur < 40 || dur > 2000))
      bad('duration', `must be 40 ms to 2 s per key (is ${dur} ms)`);
    const pause = ms(s.pause);
    if (pause !== null && (pause < 60 || pause > 10_000))
      bad(
        'pause',
        `must be 60 ms to 10 s between keys (is ${pause} ms; RTP events repeat their end packet for 40 ms after it)`,
      );
  });
  sc.expect?.calls?.forEach((c, i) => ref(c.node, ['expect', 'calls', i, 'node']));
  const dup = sc.nodes.map((n) => n.name).filter((n, i, a) => a.indexOf(n) !== i);
  for (const d of dup)
    errors.push({
      code: 'scenario-reference',
      message: `node name "${d}" used twice`,
      line: 0,
      col: 0,
      path: '/nodes',
    });
  // An inline routing script's errors, at their place in the YAML (a `|` block: line for line).
  sc.nodes.forEach((n, i) => {
    if (typeof n.script !== 'string') return;
    const node = doc.getIn(['nodes', i, 'script'], true);
    for (const d of loadScript(n.script).diagnostics) {
      if (d.severity !== 'error') continue;
      errors.push({
        code: 'scenario-script',
        message: `routing script of "${n.name}", its line ${d.line}: ${d.message}`,
        ...(blockPosition(text, lc, node, d.line, d.col) ?? at(['nodes', i, 'script'])),
        path: `/nodes/${i}/script`,
      });
    }
  });
  // A dispatcher list's errors, at their place in the YAML (a `|` block: line for line); a script
  // calling the dispatcher's functions needs one (Kamailio does not start without its list).
  sc.nodes.forEach((n, i) => {
    if (n.dispatcher === undefined) {
      if (typeof n.script !== 'string' || errors.some((e) => e.path === `/nodes/${i}/script`)) return;
      const call = firstDispatcherCall(n.script);
      if (call !== null)
        errors.push({
          code: 'scenario-dispatcher',
          message: `node "${n.name}": its script calls ${call.name}() but the node has no dispatcher list (a \`dispatcher:\` key with dispatcher.list lines)`,
          ...(blockPosition(text, lc, doc.getIn(['nodes', i, 'script'], true), call.line, call.col) ??
            at(['nodes', i, 'script'])),
          path: `/nodes/${i}/script`,
        });
      return;
    }
    const where = `/nodes/${i}/dispatcher`;
    if (n.role !== 'proxy' && n.role !== 'registrar')
      errors.push({
        code: 'scenario-dispatcher',
        message: `node "${n.name}": a dispatcher list needs a proxy (role ${n.role} runs no script)`,
        ...at(['nodes', i, 'dispatcher']),
        path: where,
      });
    const node = doc.getIn(['nodes', i, 'dispatcher'], true);
    for (const e of parseDispatcherList(n.dispatcher).errors)
      errors.push({
        code: 'scenario-dispatcher',
        message: `dispatcher list of "${n.name}", its line ${e.line}: ${e.message}`,
        ...(blockPosition(text, lc, node, e.line, e.col) ?? at(['nodes', i, 'dispatcher'])),
        path: where,
      });
  });
  return errors.length ? { scenario: null, errors } : { scenario: sc, errors };
}

/** The first `ds_*(` call of a script outside `#` and `//` comments (1-based line and column), or null. */
function firstDispatcherCall(script: string): { name: string; line: number; col: number } | null {
  const lines = script.split('\n');
  for (let k = 0; k < lines.length; k++) {
    let l = lines[k]!;
    if (/^\s*#!/.test(l)) continue;
    const cut = l.search(/#|\/\//);
    if (cut >= 0) l = l.slice(0, cut);
    const m = /\b(ds_[a-z_]+)\s*\(/.exec(l);
    if (m) return { name: m[1]!, line: k + 1, col: m.index + 1 };
  }
  return null;
}

/** Where line `line`, column `col` of a `|` block scalar's text is in the YAML; null for other scalars. */
function blockPosition(
  text: string,
  lc: LineCounter,
  node: unknown,
  line: number,
  col: number,
): { line: number; col: number } | null {
  if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || !node.range) return null;
  const header = lc.linePos(node.range[0]).line;
  const lines = text.split('\n');
  // (the block's indentation: its first line with text)
  let indent = 0;
  for (let k = header; k < lines.length; k++)
    if (lines[k]!.trim()) {
      indent = lines[k]!.length - lines[k]!.trimStart().length;
      break;
    }
  return { line: header + line, col: indent + col };
}

function dedupe(errors: ScenarioError[]): void {
  const seen = new Set<string>();
  for (let i = errors.length - 1; i >= 0; i--) {
    const k = `${errors[i]!.line}:${errors[i]!.col}:${errors[i]!.message}`;
    if (seen.has(k)) errors.splice(i, 1);
    else seen.add(k);
  }
}

/** `500ms` → 500000 µs; numbers are seconds. */
export function parseDuration(d: Duration | null | undefined, fallbackUs: number): number {
  if (d === null || d === undefined) return fallbackUs;
  if (typeof d === 'number') return Math.round(d * 1_000_000);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m)?\s*$/.exec(d);
  if (!m) return fallbackUs;
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(v * (unit === 'us' ? 1 : unit === 'ms' ? 1000 : unit === 's' ? 1_000_000 : 60_000_000));
}

/** `file:line:col: message` lines. */
export function formatScenarioErrors(name: string, errors: ScenarioError[]): string {
  return errors.map((e) => `${name}:${e.line}:${e.col}: ${e.code}: ${e.message}`).join('\n');
}
