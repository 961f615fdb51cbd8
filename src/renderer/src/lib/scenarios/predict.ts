/**
 * "What happens next?" — the scenario player's Predict mode. Before each message is revealed the
 * student picks who sends what to whom: the real next message plus wrong choices made from the
 * scenario's own context (the same message to the wrong party or the other way round, another
 * answer to the same request, the other side's request, a retransmission taken for a new request and
 * back). At a few key moments a second, short question reads a header of the real message: the ACK's
 * branch (non-2xx: hop-by-hop, same transaction; 2xx: end-to-end, a new one) and where a 2xx's ACK
 * goes (route set or Contact), CANCEL's branch, Max-Forwards, a response's Via (received/rport), the
 * To-tag of a fork's responses. Every question is built from the run's messages and element events,
 * never written per scenario; "why" uses src/shared/explain.ts and the event that sent the message.
 *
 * Pure: no DOM, no Svelte (test/main/scenario-predict.test.ts runs it over the 50 built-in scenarios).
 */
import { expandHeaderName } from '../../../../shared/compact-forms';
import { methodMeaning, statusMeaning } from '../../../../shared/explain';

/** A message of the run, as the player has it (a `MessageRow` and, for header questions, its text). */
export interface QuizMessage {
  time: number;
  src: string;
  dst: string;
  kind: 'request' | 'response' | 'invalid';
  method: string | null;
  status: number | null;
  reason: string | null;
  callId: string | null;
  cseq: number | null;
  cseqMethod: string | null;
  toTag: string | null;
  retransmission: boolean;
  /** The message's text; null while not loaded (header questions are then not asked). */
  text?: string | null;
}

export interface QuizEvent {
  time: number;
  node: string;
  kind: string;
  text: string;
  data?: Record<string, unknown>;
}

export interface QuizNode {
  name: string;
  role: string;
  address: string;
  public: string | null;
}

export interface QuizRun {
  messages: readonly QuizMessage[];
  events: readonly QuizEvent[];
  nodes: readonly QuizNode[];
  /** Lane names by address (the player's `aliases`); an address without one is shown as is. */
  names: Readonly<Record<string, string>>;
}

export const QUESTION_KINDS = [
  'next',
  'retransmission',
  'ack',
  'ack-route',
  'cancel',
  'max-forwards',
  'via',
  'to-tag',
] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

/** How each kind is named in the score. */
export const KIND_LABEL: Record<QuestionKind, string> = {
  next: 'next message',
  retransmission: 'retransmissions',
  ack: 'ACK: which transaction',
  'ack-route': 'ACK: where it goes',
  cancel: 'CANCEL branch',
  'max-forwards': 'Max-Forwards',
  via: 'response path (Via)',
  'to-tag': 'To-tag of forks',
};

export interface Choice {
  label: string;
  correct: boolean;
}

export interface Question {
  kind: QuestionKind;
  /** Index of the message the question is about (revealed once its questions are answered). */
  index: number;
  prompt: string;
  choices: Choice[];
  /** Why the right answer is right (shown after answering). */
  why: string;
  /** The element event that sent the message (a timer, a script line, the scenario's step), or null. */
  cause: string | null;
  /** The RFC section behind the answer, e.g. `3261 §17.1.1.2`. */
  rfc: string | null;
}

const SAME_TIME = 1e-9;

const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  302: 'Moved Temporarily',
  401: 'Unauthorized',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  491: 'Request Pending',
  503: 'Service Unavailable',
};

/** Answers a request might plausibly get, by method (the real one is filtered out). */
const OTHER_ANSWERS: Record<string, number[]> = {
  INVITE: [180, 200, 486, 487, 100, 404],
  REGISTER: [200, 401, 404],
  BYE: [200, 481],
  CANCEL: [200, 481],
  OPTIONS: [200, 404],
};

/** Requests one side might plausibly send instead, by the real one's method. */
const OTHER_REQUESTS: Record<string, string[]> = {
  INVITE: ['ACK', 'CANCEL', 'BYE'],
  ACK: ['BYE', 'CANCEL', 'INVITE'],
  BYE: ['CANCEL', 'ACK'],
  CANCEL: ['BYE', 'ACK'],
  REGISTER: ['INVITE', 'OPTIONS'],
  PRACK: ['ACK', 'UPDATE'],
  UPDATE: ['INVITE', 'PRACK'],
  REFER: ['INVITE', 'NOTIFY'],
  NOTIFY: ['SUBSCRIBE', 'REFER'],
  SUBSCRIBE: ['NOTIFY', 'PUBLISH'],
  MESSAGE: ['INFO', 'NOTIFY'],
  INFO: ['MESSAGE', 'UPDATE'],
  OPTIONS: ['REGISTER', 'INFO'],
  PUBLISH: ['SUBSCRIBE', 'NOTIFY'],
};

interface Wire {
  src: string;
  dst: string;
  what: string;
  again: boolean;
}

function what(m: QuizMessage): string {
  if (m.kind === 'response' && m.status !== null) {
    const r = `${m.status} ${m.reason ?? REASONS[m.status] ?? ''}`.trim();
    return m.cseqMethod && m.cseqMethod !== 'INVITE' ? `${r} (${m.cseqMethod})` : r;
  }
  if (!m.method) return 'an unparsable message';
  // a request resent with credentials (after a 401/407) says so: that is what makes it new
  const auth = m.text ? /^(proxy-authorization|authorization)\s*:/im.exec(headerPart(m.text)) : null;
  return auth
    ? `${m.method} with ${auth[1]!.toLowerCase() === 'authorization' ? 'Authorization' : 'Proxy-Authorization'}`
    : m.method;
}

function headerPart(text: string): string {
  const end = text.indexOf('\r\n\r\n');
  return end < 0 ? text : text.slice(0, end);
}

function responseWhat(status: number, cseqMethod: string | null): string {
  const r = `${status} ${REASONS[status] ?? ''}`.trim();
  return cseqMethod && cseqMethod !== 'INVITE' ? `${r} (${cseqMethod})` : r;
}

function wireOf(m: QuizMessage): Wire {
  return { src: m.src, dst: m.dst, what: what(m), again: m.retransmission };
}

function labelOf(w: Wire, names: Readonly<Record<string, string>>): string {
  const n = (a: string): string => names[a] ?? a;
  return `${n(w.src)} → ${n(w.dst)}: ${w.what}${w.again ? ' — again (a retransmission)' : ''}`;
}

/** A small deterministic hash (the same run always asks the same questions in the same order). */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function shuffle<T>(items: T[], seed: string): T[] {
  const out = [...items];
  let h = hash(seed);
  for (let i = out.length - 1; i > 0; i--) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    const j = h % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The node that owns an address (its own or its public side). */
function nodeAt(nodes: readonly QuizNode[], address: string): QuizNode | undefined {
  return nodes.find((n) => n.address === address || n.public === address);
}

/** The events of one virtual instant (a message's send time). */
type EventsAt = (time: number) => readonly QuizEvent[];

/** Indexes the events by instant (microseconds, the simulator's clock), once per run. */
function eventsAt(events: readonly QuizEvent[]): EventsAt {
  const by = new Map<number, QuizEvent[]>();
  for (const e of events) {
    const k = Math.round(e.time * 1e6);
    const list = by.get(k);
    if (list) list.push(e);
    else by.set(k, [e]);
  }
  return (time) => by.get(Math.round(time * 1e6)) ?? [];
}

/** The element event that made `m` go out: a timer that fired, a script run, a scenario step. */
function causeOf(run: QuizRun, m: QuizMessage, atTime: EventsAt): string | null {
  const node = nodeAt(run.nodes, m.src)?.name ?? run.names[m.src] ?? m.src;
  const now = atTime(m.time).filter((e) => e.node === node);
  const timer = now.find((e) => e.kind === 'timer' && e.data?.action === 'fire');
  if (m.retransmission && timer) return `${node}: ${timer.text}`;
  const script = now.find(
    (e) => e.kind === 'script' && (m.kind !== 'request' || !e.data?.method || e.data.method === m.method),
  );
  if (script) return `${node}'s routing script: ${script.text}`;
  const step = now.find((e) => e.kind === 'log' && e.text.startsWith('step:'));
  if (step && m.kind === 'request') return `${node}'s scenario ${step.text}`;
  const tx = now.find((e) => e.kind === 'transaction');
  if (tx) return `${node}: transaction ${tx.text}`;
  if (timer) return `${node}: ${timer.text}`;
  return null;
}

/** The RFC section and its explanation for a retransmission of `m`. */
function retransmissionWhy(m: QuizMessage): { rfc: string; text: string } {
  if (m.kind === 'request')
    return m.method === 'INVITE'
      ? {
          rfc: '3261 §17.1.1.2',
          text: 'No response came before Timer A fired: the INVITE client transaction sends the same request again (same branch), doubling the interval each time.',
        }
      : {
          rfc: '3261 §17.1.2.2',
          text: 'No final response came before Timer E fired: the non-INVITE client transaction sends the same request again (same branch).',
        };
  if (m.status !== null && m.status >= 200 && m.status < 300 && m.cseqMethod === 'INVITE')
    return {
      rfc: '3261 §13.3.1.4',
      text: 'The UAS sends its 2xx again until the ACK arrives (the 2xx is end-to-end, no transaction retransmits it).',
    };
  return {
    rfc: '3261 §17.2.1',
    text: 'The server transaction sends its final response again (Timer G) until the ACK, or again for each copy of the request it gets.',
  };
}

function meaningOf(m: QuizMessage): { rfc: string; explain: string } | null {
  if (m.kind === 'response' && m.status !== null) return statusMeaning(m.status, m.cseqMethod);
  if (m.method) return methodMeaning(m.method);
  return null;
}

/** The "who sends what to whom" question before message `i`. */
function nextQuestion(run: QuizRun, i: number, atTime: EventsAt): Question {
  const { messages, names } = run;
  const m = messages[i]!;
  const right = wireOf(m);
  const rightLabel = labelOf(right, names);
  // Messages sent at the same instant are never offered as wrong choices (either order is right).
  const taken = new Set(
    messages.filter((x) => Math.abs(x.time - m.time) < SAME_TIME).map((x) => labelOf(wireOf(x), names)),
  );
  taken.add(rightLabel);
  const prior = messages.slice(0, i);
  const lanes = [...new Set(messages.flatMap((x) => [x.src, x.dst]))];
  const talked = [
    ...new Set(
      prior
        .filter((x) => x.src === m.src || x.dst === m.src)
        .map((x) => (x.src === m.src ? x.dst : x.src))
        .reverse(),
    ),
  ];
  const others = [...talked, ...lanes].filter((a) => a !== m.src && a !== m.dst);
  const groups: Wire[][] = [];
  const extra: string[] = [];
  // a retransmission taken for a new message, and the other way round
  if (m.retransmission) groups.push([{ ...right, again: false }]);
  else {
    const before = [...prior]
      .reverse()
      .find((x) => x.src === m.src && x.dst === m.dst && x.kind === m.kind && x.method === m.method);
    if (before) groups.push([{ ...wireOf(before), again: true }]);
  }
  // after a 401/407 the sender may also be thought to give up
  const lastIn = [...prior].reverse().find((x) => x.dst === m.src);
  if (m.kind === 'request' && (lastIn?.status === 401 || lastIn?.status === 407))
    extra.push(`${names[m.src] ?? m.src} gives up: it sends nothing more`);
  const wrongParty = others.map((a) => ({ ...right, dst: a, again: false }));
  const reverse = [{ src: m.dst, dst: m.src, what: right.what, again: false }];
  if (m.kind === 'response') {
    const method = m.cseqMethod ?? 'INVITE';
    const used = messages
      .filter((x) => x.kind === 'response' && x.cseqMethod === m.cseqMethod && x.status !== null)
      .map((x) => x.status!);
    const codes = [...new Set([...used, ...(OTHER_ANSWERS[method] ?? [200, 404, 481])])].filter(
      (c) => c !== m.status,
    );
    groups.push(
      codes.map((c) => ({ src: m.src, dst: m.dst, what: responseWhat(c, m.cseqMethod), again: false })),
    );
    // the request's side acting instead
    const instead = method !== 'INVITE' ? [] : m.status! < 200 ? ['CANCEL', 'ACK'] : ['ACK', 'BYE'];
    groups.push(instead.map((r) => ({ src: m.dst, dst: m.src, what: r, again: false })));
  } else if (m.method) {
    const alt = OTHER_REQUESTS[m.method] ?? ['BYE', 'OPTIONS'];
    groups.push(alt.map((r) => ({ src: m.src, dst: m.dst, what: r, again: false })));
    // answering the last request it got instead of this request going out
    const lastReq = [...prior].reverse().find((x) => x.dst === m.src && x.kind === 'request');
    if (lastReq?.method && lastReq.method !== 'ACK')
      groups.push([
        {
          src: m.src,
          dst: lastReq.src,
          what: responseWhat(lastReq.method === 'INVITE' ? 180 : 200, lastReq.method),
          again: false,
        },
      ]);
  }
  groups.push(wrongParty, reverse);
  // fallback: the same from another lane
  groups.push(others.map((a) => ({ src: a, dst: m.src, what: right.what, again: false })));

  const wrong: string[] = [...extra];
  for (let round = 0; wrong.length < 3 && round < 8; round++)
    for (const g of groups) {
      const w = g[round];
      if (!w || wrong.length >= 3) continue;
      const l = labelOf(w, names);
      if (!taken.has(l) && !wrong.includes(l)) wrong.push(l);
    }
  // a run too small for context (two lanes, an unparsable message): generic requests, never two short
  for (const r of ['OPTIONS', 'BYE', 'MESSAGE', 'INFO']) {
    if (wrong.length >= 2) break;
    for (const [src, dst] of [
      [m.src, m.dst],
      [m.dst, m.src],
    ] as const) {
      const l = labelOf({ src, dst, what: r, again: false }, names);
      if (wrong.length < 2 && !taken.has(l) && !wrong.includes(l)) wrong.push(l);
    }
  }
  const choices = shuffle(
    [{ label: rightLabel, correct: true }, ...wrong.map((label) => ({ label, correct: false }))],
    `${i}:${rightLabel}`,
  );
  const meaning = meaningOf(m);
  const retx = m.retransmission ? retransmissionWhy(m) : null;
  const parts: string[] = [];
  if (retx) parts.push(retx.text);
  if (meaning) parts.push(`${what(m)}: ${meaning.explain}`);
  const same = messages.filter((x, j) => j !== i && Math.abs(x.time - m.time) < SAME_TIME);
  if (same.length)
    parts.push(
      `At the same instant: ${same.map((x) => labelOf(wireOf(x), names)).join('; ')} (either order is right).`,
    );
  return {
    kind: m.retransmission ? 'retransmission' : 'next',
    index: i,
    prompt: 'What happens next? Who sends what to whom?',
    choices,
    why: parts.join(' '),
    cause: causeOf(run, m, atTime),
    rfc: retx?.rfc ?? meaning?.rfc ?? null,
  };
}

// --- header questions -----------------------------------------------------------------------

/** The values of header `name` (compact form too), in order; each comma-separated Via kept whole. */
function headers(text: string, name: string): string[] {
  const end = text.indexOf('\r\n\r\n');
  const lines = (end < 0 ? text : text.slice(0, end)).split('\r\n').slice(1);
  const out: string[] = [];
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c < 0) continue;
    if (expandHeaderName(l.slice(0, c).trim()) === name) out.push(l.slice(c + 1).trim());
  }
  return out;
}

function topVia(text: string): string | null {
  const v = headers(text, 'via')[0];
  return v ? v.split(',')[0]!.trim() : null;
}

function param(via: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name}(?:=([^;\\s,]*))?`, 'i').exec(via);
  return m ? (m[1] ?? '') : null;
}

function sentBy(via: string): { host: string; port: number } | null {
  const m = /^SIP\/2\.0\/\S+\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?/i.exec(via);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : 5060 } : null;
}

const short = (s: string): string => (s.length > 22 ? `${s.slice(0, 20)}…` : s);

function twoWay(
  kind: QuestionKind,
  i: number,
  prompt: string,
  options: [string, boolean][],
  why: string,
  rfc: string,
  cause: string | null,
): Question {
  return {
    kind,
    index: i,
    prompt,
    choices: options.map(([label, correct]) => ({ label, correct })),
    why,
    cause,
    rfc,
  };
}

/** Header questions about message `i` (at most one of each kind per sender and run). */
function headerQuestions(run: QuizRun, i: number): Question[] {
  const { messages, names } = run;
  const m = messages[i]!;
  const text = m.text;
  if (!text || m.retransmission) return [];
  const n = (a: string): string => names[a] ?? a;
  const prior = messages.slice(0, i);
  const out: Question[] = [];
  const sameTx = (x: QuizMessage): boolean => x.callId === m.callId && x.cseq === m.cseq;

  if (m.method === 'ACK' || m.method === 'CANCEL') {
    const invite = [...prior]
      .reverse()
      .find((x) => x.method === 'INVITE' && x.src === m.src && sameTx(x) && x.text);
    const final = [...prior]
      .reverse()
      .find((x) => x.kind === 'response' && x.cseqMethod === 'INVITE' && x.dst === m.src && sameTx(x));
    const ib = invite?.text ? param(topVia(invite.text) ?? '', 'branch') : null;
    const ab = param(topVia(text) ?? '', 'branch');
    if (invite && ib && ab && m.method === 'CANCEL') {
      const same = ab === ib;
      out.push(
        twoWay(
          'cancel',
          i,
          `${n(m.src)} cancels its INVITE (Via branch ${short(ib)}). Which branch does the CANCEL's Via carry?`,
          [
            [
              `The INVITE's branch (${short(ib)}): CANCEL goes to the same hop, in step with the INVITE`,
              same,
            ],
            ['A new branch of its own, like any new request', !same],
          ],
          same
            ? `The CANCEL's top Via has the INVITE's branch: a CANCEL is matched to the INVITE it cancels hop by hop, so it carries the same branch, Call-ID, From, To and CSeq number, and goes where the INVITE went.`
            : `This CANCEL's branch (${short(ab)}) is not the INVITE's: RFC 3261 §9.1 asks for the same one.`,
          '3261 §9.1',
          null,
        ),
      );
    }
    if (invite && ib && ab && final?.status && m.method === 'ACK') {
      const same = ab === ib;
      const f = `${final.status} ${final.reason ?? ''}`.trim();
      const forwards = prior.some(
        (x) => x.method === 'ACK' && x.dst === m.src && sameTx(x) && x.time > final.time,
      );
      out.push(
        twoWay(
          'ack',
          i,
          `${n(m.src)} ${forwards ? 'forwards the ACK for' : 'acknowledges'} the ${f}. Is this ACK part of the INVITE's transaction?`,
          [
            ["Yes: the INVITE's branch, sent to the same next hop (hop by hop, as for a non-2xx)", same],
            ['No: a new transaction with a new branch, end to end along the dialog (as for a 2xx)', !same],
          ],
          same
            ? `The ACK for a non-2xx final response belongs to the INVITE client transaction: same branch (${short(ib)}), same hop; each hop acknowledges the error it got itself.`
            : `The ACK for a 2xx is its own transaction (new branch ${short(ab)}): the UAC sends it end to end, to the Contact through the dialog's route set, because the INVITE transaction ended with the 2xx.`,
          same ? '3261 §17.1.1.3' : '3261 §13.2.2.4',
          null,
        ),
      );
      // where a 2xx's ACK goes: the route set (Record-Route) or straight to the Contact
      const routes = headers(text, 'route');
      const contact = final.text ? headers(final.text, 'contact')[0] : undefined;
      const rr = final.text ? headers(final.text, 'record-route') : [];
      if (!same && contact && final.status >= 200 && final.status < 300) {
        const viaRoute = routes.length > 0;
        if (viaRoute === rr.length > 0) {
          const c = short(contact.replace(/^.*</, '').replace(/>.*$/, ''));
          const first = short((routes[0] ?? '').replace(/^.*</, '').replace(/>.*$/, ''));
          out.push(
            twoWay(
              'ack-route',
              i,
              `Where does ${n(m.src)} send the ACK for the ${f}? The 200 ${rr.length ? 'has' : 'has no'} Record-Route.`,
              [
                [
                  `Through the route set: a Route header, first hop ${viaRoute ? first : 'a proxy'}`,
                  viaRoute,
                ],
                [`Straight to the Contact (${c}): no Record-Route, no route set`, !viaRoute],
              ],
              viaRoute
                ? `The proxies record-routed, so the dialog's route set is the 2xx's Record-Route (reversed): the ACK carries Route headers and goes to ${n(m.dst)}, Request-URI the Contact.`
                : `No proxy record-routed, so the dialog has no route set: the ACK goes straight to the 2xx's Contact (${c}), past the proxies the INVITE went through.`,
              '3261 §12.2.1.1',
              null,
            ),
          );
        }
      }
    }
  }

  if (m.kind === 'request' && m.method !== 'ACK') {
    // a proxy forwarding what it got: Max-Forwards
    const got = [...prior]
      .reverse()
      .find((x) => x.dst === m.src && x.method === m.method && sameTx(x) && x.text && !x.retransmission);
    const inMf = got?.text ? Number(headers(got.text, 'max-forwards')[0]) : NaN;
    const outMf = Number(headers(text, 'max-forwards')[0]);
    if (got && Number.isInteger(inMf) && Number.isInteger(outMf)) {
      const gloss = (v: number): string =>
        v === inMf - 1
          ? `${v} (one less)`
          : v === inMf
            ? `${v} (unchanged)`
            : v === 70
              ? '70 (reset to 70)'
              : `${v}`;
      const values = [outMf, ...[inMf, inMf - 1, 70, inMf - 2].filter((v) => v !== outMf && v >= 0)];
      const opts = [...new Set(values)].slice(0, 3);
      out.push({
        kind: 'max-forwards',
        index: i,
        prompt: `${n(m.src)} got this ${m.method} with Max-Forwards: ${inMf}. What Max-Forwards does it send on?`,
        choices: opts.sort((a, b) => b - a).map((v) => ({ label: gloss(v), correct: v === outMf })),
        why:
          outMf === inMf - 1
            ? `A proxy decrements Max-Forwards by one on each hop (${inMf} → ${outMf}); at 0 it answers 483 Too Many Hops instead of forwarding — that is what stops loops.`
            : `${n(m.src)} sends Max-Forwards: ${outMf} (it got ${inMf}): a B2BUA starts a new request; a proxy would decrement it by one.`,
        cause: null,
        rfc: '3261 §16.6',
      });
    }
  }

  if (m.kind === 'response') {
    // where a response goes: the top Via's sent-by, or received/rport
    const via = topVia(text);
    const by = via ? sentBy(via) : null;
    const received = via ? param(via, 'received') : null;
    const rport = via ? param(via, 'rport') : null;
    if (via && by && (received || rport)) {
      const host = received || by.host;
      const cands: [string, string][] = [
        [
          `${host}:${rport ? rport : by.port}`,
          received && rport
            ? 'received and rport: where the request came from'
            : received
              ? 'received, with the sent-by port'
              : 'rport, with the sent-by host',
        ],
        [`${by.host}:${by.port}`, "the Via's sent-by (the sender's own idea of its address)"],
      ];
      if (received && rport) cands.push([`${received}:${by.port}`, 'received, with the sent-by port']);
      const uniq = cands.filter((c, k) => cands.findIndex((d) => d[0] === c[0]) === k);
      if (uniq.length >= 2 && uniq.some((c) => c[0] === m.dst)) {
        out.push({
          kind: 'via',
          index: i,
          prompt: `The top Via reads "${via}". Where does ${n(m.src)} send the ${what(m)}?`,
          choices: uniq.map(([a, g]) => ({ label: `${a} — ${g}`, correct: a === m.dst })),
          why: `A response goes back along the Via: to the top Via's received address (the request's source IP) and, with rport, its source port too (RFC 3581) — so it passes a NAT back the way the request came. Here: ${m.dst}.`,
          cause: null,
          rfc: rport ? '3581 §4' : '3261 §18.2.2',
        });
      }
    }
    // forks: a second To-tag in the same INVITE transaction
    if (m.cseqMethod === 'INVITE' && m.toTag && m.status !== null && m.status > 100 && m.status < 300) {
      const seen = prior.filter(
        (x) => x.dst === m.dst && x.kind === 'response' && sameTx(x) && x.toTag && x.cseqMethod === 'INVITE',
      );
      const tags = [
        ...new Set(
          messages
            .filter((x) => x.kind === 'response' && x.cseqMethod === 'INVITE' && sameTx(x) && x.toTag)
            .map((x) => x.toTag),
        ),
      ];
      const last = seen[seen.length - 1];
      if (last?.toTag && tags.length > 1) {
        const same = last.toTag === m.toTag;
        out.push(
          twoWay(
            'to-tag',
            i,
            `${n(m.dst)} already got a ${what(last)} with To-tag ${short(last.toTag)} for this INVITE. Which To-tag has this ${what(m)}?`,
            [
              [`The same To-tag (${short(last.toTag)}): the same (early) dialog`, same],
              ['A new To-tag: another phone of the forked INVITE — another (early) dialog', !same],
            ],
            same
              ? `Same To-tag ${short(m.toTag)}: the same phone answering again — the same dialog.`
              : `New To-tag ${short(m.toTag)}: the proxy forked the INVITE and another phone answered; each To-tag is a dialog of its own (the caller may get several, and must ACK every 2xx).`,
            '3261 §12.1.2',
            null,
          ),
        );
      }
    }
  }
  return out;
}

/**
 * The questions of a run, by message index: the "next" one before every message after the first
 * (the first is shown when the run starts), then the header questions of a few key moments (each
 * kind at most once per sender).
 */
export function quizOf(run: QuizRun): Question[][] {
  const atTime = eventsAt(run.events);
  const asked = new Set<string>();
  return run.messages.map((m, i) => {
    if (i === 0) return [];
    const qs = [nextQuestion(run, i, atTime)];
    for (const q of headerQuestions(run, i)) {
      const key = `${q.kind}|${m.src}`;
      if (asked.has(key)) continue;
      asked.add(key);
      qs.push(q);
    }
    return qs;
  });
}

/** A run's score: right of asked, overall and per question kind. */
export interface QuizScore {
  right: number;
  asked: number;
  byKind: Partial<Record<QuestionKind, { right: number; asked: number }>>;
  /** Whether the run was answered to its last message. */
  done: boolean;
}

export const emptyScore = (): QuizScore => ({ right: 0, asked: 0, byKind: {}, done: false });

export function addAnswer(score: QuizScore, kind: QuestionKind, right: boolean): QuizScore {
  const k = score.byKind[kind] ?? { right: 0, asked: 0 };
  return {
    ...score,
    right: score.right + (right ? 1 : 0),
    asked: score.asked + 1,
    byKind: { ...score.byKind, [kind]: { right: k.right + (right ? 1 : 0), asked: k.asked + 1 } },
  };
}

/** The score as the scenario list shows it: `✓ 9/11` for a run answered to its end, `4/6` before. */
export function scoreBadge(s: QuizScore | null | undefined): string | null {
  if (!s || !s.asked) return null;
  return `${s.done ? '✓ ' : ''}${s.right}/${s.asked}`;
}

export const SCORE_KEY = 'sipscope.predict.scores';

interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The kept scores by scenario name; anything unreadable is ignored. */
export function loadScores(store: Store | null): Record<string, QuizScore> {
  try {
    const raw = store?.getItem(SCORE_KEY);
    const v: unknown = raw ? JSON.parse(raw) : null;
    if (!v || typeof v !== 'object') return {};
    const out: Record<string, QuizScore> = {};
    for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
      const o = s as Partial<QuizScore> | null;
      if (o && typeof o.right === 'number' && typeof o.asked === 'number')
        out[k] = { right: o.right, asked: o.asked, byKind: o.byKind ?? {}, done: o.done === true };
    }
    return out;
  } catch {
    return {};
  }
}

export function saveScores(store: Store | null, scores: Record<string, QuizScore>): void {
  try {
    if (Object.keys(scores).length) store?.setItem(SCORE_KEY, JSON.stringify(scores));
    else store?.removeItem(SCORE_KEY);
  } catch {
    // storage full or disabled: the scores last for this session
  }
}

/** Where the browser remembers whether Predict is on (`1` or `0`). */
export const PREDICT_ON_KEY = 'sipscope.predict.on';

/** Whether Predict was left on in this browser (off when never set or unreadable). */
export function loadPredictOn(store: Store | null): boolean {
  try {
    return store?.getItem(PREDICT_ON_KEY) === '1';
  } catch {
    return false;
  }
}

export function savePredictOn(store: Store | null, on: boolean): void {
  try {
    store?.setItem(PREDICT_ON_KEY, on ? '1' : '0');
  } catch {
    // storage full or disabled: remembered for this session only
  }
}

/**
 * A trainer's link: `?scenario=NAME&predict=1` opens that scenario, in Predict mode with the flag
 * (`predict=0` off); `predict` is null without the flag (the browser's own choice stands).
 */
export function predictLink(search: string): { scenario: string | null; predict: boolean | null } {
  const p = new URLSearchParams(search);
  const s = p.get('scenario');
  const v = p.get('predict');
  return {
    scenario: s && /^[\w.-]{1,80}$/.test(s) ? s : null,
    predict: v === null ? null : v !== '0' && v !== 'false',
  };
}

/** A question of a run by place: its message's index and its position among that message's questions. */
export interface QuestionRef {
  index: number;
  k: number;
}

/** The questions answered wrong, in the order they were asked (by message, then position). */
export function wrongAnswers(
  answers: Readonly<Record<number, readonly { right: boolean }[]>>,
): QuestionRef[] {
  const out: QuestionRef[] = [];
  for (const index of Object.keys(answers)
    .map(Number)
    .sort((a, b) => a - b))
    answers[index]!.forEach((a, k) => {
      if (!a.right) out.push({ index, k });
    });
  return out;
}
