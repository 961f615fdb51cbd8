/**
 * Predict mode's questions (src/renderer/src/lib/scenarios/predict.ts) over the 52 built-in
 * scenarios, run as the player runs them (the service's rows and message texts): before every
 * message one "who sends what to whom" question whose single right choice is that real message
 * (a retransmission said so), wrong choices distinct and never a message sent at the same instant;
 * header questions answered by the real packet (branches, Max-Forwards, Via, To-tag). Golden texts
 * for the trapezoid and digest registration.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Invoke } from '../../src/shared/api';
import { createHost } from '../../src/main/service/create-host';
import { laneNamesOf } from '../../src/shared/lane-names';
import {
  addAnswer,
  emptyScore,
  loadPredictOn,
  loadScores,
  PREDICT_ON_KEY,
  predictLink,
  savePredictOn,
  quizOf,
  saveScores,
  wrongAnswers,
  scoreBadge,
  type Question,
  type QuizMessage,
  type QuizRun,
} from '../../src/renderer/src/lib/scenarios/predict';

const host = createHost({ mode: 'browser', recentFile: null });
afterAll(() => host.dispose());

async function runOf(name: string): Promise<QuizRun> {
  const run = await host.invoke(Invoke.scenarioRun, { name });
  expect(run.errors, name).toEqual([]);
  const id = run.capture!.id;
  const page = await host.invoke(Invoke.messagesPage, { captureId: id, offset: 0, limit: 5000 });
  const messages: QuizMessage[] = [];
  for (const r of page.items) {
    const d = await host.invoke(Invoke.messageGet, { captureId: id, id: r.id });
    messages.push({ ...r, text: d.text });
  }
  const names = laneNamesOf(
    run.nodes,
    messages.flatMap((m) => [m.src, m.dst]),
  );
  return { messages, events: run.events, nodes: run.nodes, names };
}

/** A storage in memory (the browser's localStorage's three calls) and its map. */
function memStore(): {
  m: Map<string, string>;
  store: {
    getItem(k: string): string | null;
    setItem(k: string, v: string): void;
    removeItem(k: string): void;
  };
} {
  const m = new Map<string, string>();
  return {
    m,
    store: {
      getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => void m.set(k, v),
      removeItem: (k) => void m.delete(k),
    },
  };
}

const head = (text: string, name: string): string[] =>
  text
    .slice(0, text.indexOf('\r\n\r\n'))
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name}:`))
    .map((l) => l.slice(l.indexOf(':') + 1).trim());
const branch = (text: string): string => /branch=([^;,\s]+)/.exec(head(text, 'via')[0] ?? '')?.[1] ?? '';

function render(quiz: Question[][]): string {
  const out: string[] = [];
  for (const q of quiz.flat()) {
    out.push(`#${q.index} [${q.kind}] ${q.prompt}`);
    for (const c of q.choices) out.push(`  ${c.correct ? '*' : '-'} ${c.label}`);
    out.push(`  why: ${q.why}`, `  cause: ${q.cause ?? '-'}`, `  rfc: ${q.rfc ?? '-'}`);
  }
  return out.join('\n') + '\n';
}

const scenarios = readdirSync('resources/scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -5));

describe('Predict: questions from every built-in scenario', () => {
  it('has the 52 scenarios', () => expect(scenarios).toHaveLength(52));

  it.each(scenarios)(
    '%s: one right answer, the real next packet; distinct, plausible wrong ones',
    async (name) => {
      const run = await runOf(name);
      const quiz = quizOf(run);
      const { messages, names } = run;
      expect(quiz).toHaveLength(messages.length);
      expect(quiz[0]).toEqual([]);
      const n = (a: string): string => names[a] ?? a;
      const kinds = new Set<string>();
      for (let i = 1; i < messages.length; i++) {
        const m = messages[i]!;
        const [next, ...more] = quiz[i]!;
        const at = `${name} #${i}`;
        expect(next, at).toBeDefined();
        expect(next!.kind, at).toBe(m.retransmission ? 'retransmission' : 'next');
        for (const q of quiz[i]!) {
          kinds.add(q.kind);
          expect(q.index, at).toBe(i);
          expect(
            q.choices.filter((c) => c.correct),
            `${at} ${q.kind}`,
          ).toHaveLength(1);
          const labels = q.choices.map((c) => c.label);
          expect(new Set(labels).size, `${at} ${q.kind}: ${labels.join(' | ')}`).toBe(labels.length);
          expect(q.why.length, at).toBeGreaterThan(20);
        }
        // the right one is the real message: its sender, receiver, start line, retransmission or not
        const right = next!.choices.find((c) => c.correct)!.label;
        const what = m.kind === 'response' ? `${m.status} ${m.reason}` : m.method!;
        expect(right.startsWith(`${n(m.src)} → ${n(m.dst)}: ${what}`), `${at}: ${right}`).toBe(true);
        expect(right.endsWith('(a retransmission)'), `${at}: ${right}`).toBe(m.retransmission);
        expect(next!.choices.length, at).toBeGreaterThanOrEqual(3);
        expect(next!.choices.length, at).toBeLessThanOrEqual(5);
        // never a message sent at the same instant among the wrong ones (either order is right)
        const same = messages.filter((x) => Math.abs(x.time - m.time) < 1e-9);
        for (const c of next!.choices.filter((x) => !x.correct))
          for (const x of same) {
            const xw = x.kind === 'response' ? `${x.status} ${x.reason}` : x.method!;
            const exact = new RegExp(
              `^${(n(x.src) + ' → ' + n(x.dst) + ': ' + xw).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\(|$| with)`,
            );
            if (exact.test(c.label) && c.label.endsWith('(a retransmission)') === x.retransmission)
              throw new Error(`${at}: wrong choice "${c.label}" is a message sent at the same instant`);
          }
        // header questions answered by the packet itself
        for (const q of more) {
          const ok = q.choices.find((c) => c.correct)!.label;
          const text = m.text!;
          if (q.kind === 'ack' || q.kind === 'cancel') {
            const invite = messages
              .slice(0, i)
              .reverse()
              .find(
                (x) => x.method === 'INVITE' && x.src === m.src && x.callId === m.callId && x.cseq === m.cseq,
              )!;
            const same = branch(invite.text!) === branch(text);
            expect(ok.startsWith(q.kind === 'ack' ? 'Yes' : "The INVITE's branch"), at).toBe(same);
          } else if (q.kind === 'ack-route') {
            expect(ok.startsWith('Through the route set'), at).toBe(head(text, 'route').length > 0);
          } else if (q.kind === 'max-forwards') {
            expect(ok.split(' ')[0], at).toBe(head(text, 'max-forwards')[0]);
          } else if (q.kind === 'via') {
            expect(ok.split(' ')[0], at).toBe(m.dst);
          } else if (q.kind === 'to-tag') {
            expect(ok.includes(m.toTag!.slice(0, 10)) || ok.startsWith('A new To-tag'), at).toBe(true);
          }
        }
      }
      expect(kinds.has('next'), name).toBe(true);
    },
  );

  it('asks the header questions somewhere in the library (each kind)', async () => {
    const seen = new Set<string>();
    for (const name of [
      'trapezoid',
      'invite-407',
      'cancel',
      'forking-parallel',
      'nat-fix-nated-contact',
      'retransmission-under-loss',
      'cf-busy',
    ])
      for (const q of quizOf(await runOf(name)).flat()) seen.add(q.kind);
    expect([...seen].sort()).toEqual(
      ['ack', 'ack-route', 'cancel', 'max-forwards', 'next', 'retransmission', 'to-tag', 'via'].sort(),
    );
  });
});

describe('Predict: bad or tiny runs', () => {
  const msg = (o: Partial<QuizMessage>): QuizMessage => ({
    time: 0,
    src: 'a:1',
    dst: 'b:2',
    kind: 'invalid',
    method: null,
    status: null,
    reason: null,
    callId: null,
    cseq: null,
    cseqMethod: null,
    toTag: null,
    retransmission: false,
    text: null,
    ...o,
  });

  it('never throws; two lanes and unparsable messages still get one right and two wrong choices', () => {
    const run: QuizRun = {
      messages: [
        msg({}),
        msg({ time: 1, src: 'b:2', dst: 'a:1' }),
        msg({ time: 2, kind: 'request', method: 'FOO', text: 'FOO x SIP/2.0\r\nVia: garbage\r\n\r\n' }),
        msg({ time: 3, kind: 'response', status: 999, reason: null, src: 'b:2', dst: 'a:1', text: 'x' }),
        msg({ time: 3, kind: 'request', method: 'ACK', retransmission: true, text: '\r\n\r\n' }),
      ],
      events: [{ time: 3, node: 'n', kind: 'timer', text: 't', data: { action: 'fire' } }],
      nodes: [],
      names: {},
    };
    const quiz = quizOf(run);
    expect(quiz).toHaveLength(5);
    for (const q of quiz.slice(1).map((qs) => qs[0]!)) {
      expect(q.choices.filter((c) => c.correct)).toHaveLength(1);
      expect(q.choices.length).toBeGreaterThanOrEqual(3);
      expect(new Set(q.choices.map((c) => c.label)).size).toBe(q.choices.length);
    }
    expect(quizOf({ messages: [], events: [], nodes: [], names: {} })).toEqual([]);
  });
});

describe('Predict: golden question texts', () => {
  it('trapezoid', async () => {
    await expect(render(quizOf(await runOf('trapezoid')))).toMatchFileSnapshot(
      'golden/predict-trapezoid.txt',
    );
  });
  it('digest registration', async () => {
    await expect(render(quizOf(await runOf('registration-digest')))).toMatchFileSnapshot(
      'golden/predict-registration-digest.txt',
    );
  });
});

describe('Predict: score, kept scores, trainer link', () => {
  it('counts per kind and shows ✓ n/m for a finished run', () => {
    let s = emptyScore();
    s = addAnswer(s, 'next', true);
    s = addAnswer(s, 'next', false);
    s = addAnswer(s, 'ack', true);
    expect(s).toEqual({
      right: 2,
      asked: 3,
      done: false,
      byKind: { next: { right: 1, asked: 2 }, ack: { right: 1, asked: 1 } },
    });
    expect(scoreBadge(s)).toBe('2/3');
    expect(scoreBadge({ ...s, done: true })).toBe('✓ 2/3');
    expect(scoreBadge(emptyScore())).toBeNull();
  });

  it('keeps scores in storage; bad storage is ignored, reset removes them', () => {
    const { m, store } = memStore();
    const s = { ...addAnswer(emptyScore(), 'next', true), done: true };
    saveScores(store, { trapezoid: s });
    expect(loadScores(store)).toEqual({ trapezoid: s });
    m.set('sipscope.predict.scores', '{not json');
    expect(loadScores(store)).toEqual({});
    m.set('sipscope.predict.scores', '{"x":{"right":"a"},"y":null}');
    expect(loadScores(store)).toEqual({});
    saveScores(store, {});
    expect(m.size).toBe(0);
    expect(loadScores(null)).toEqual({});
  });

  it("reads a trainer's link (no flag: the browser's own choice)", () => {
    expect(predictLink('?scenario=trapezoid&predict=1')).toEqual({ scenario: 'trapezoid', predict: true });
    expect(predictLink('?scenario=rfc3665-3.1')).toEqual({ scenario: 'rfc3665-3.1', predict: null });
    expect(predictLink('?predict=0&scenario=../x y')).toEqual({ scenario: null, predict: false });
    expect(predictLink('?scenario=cancel&predict=false')).toEqual({ scenario: 'cancel', predict: false });
    expect(predictLink('')).toEqual({ scenario: null, predict: null });
  });

  it('remembers Predict on or off; off when never set, unreadable or without storage', () => {
    const { m, store } = memStore();
    expect(loadPredictOn(store)).toBe(false);
    savePredictOn(store, true);
    expect(m.get(PREDICT_ON_KEY)).toBe('1');
    expect(loadPredictOn(store)).toBe(true);
    savePredictOn(store, false);
    expect(loadPredictOn(store)).toBe(false);
    m.set(PREDICT_ON_KEY, 'yes');
    expect(loadPredictOn(store)).toBe(false);
    const broken = {
      getItem: (): string => {
        throw new Error('SecurityError');
      },
      setItem: (): void => {
        throw new Error('QuotaExceededError');
      },
      removeItem: (): void => undefined,
    };
    expect(loadPredictOn(broken)).toBe(false);
    expect(() => savePredictOn(broken, true)).not.toThrow();
    expect(loadPredictOn(null)).toBe(false);
  });

  it('lists the questions answered wrong in the order they were asked', () => {
    const r = (right: boolean): { right: boolean } => ({ right });
    expect(wrongAnswers({})).toEqual([]);
    expect(
      wrongAnswers({ 12: [r(true), r(false)], 3: [r(false)], 5: [r(true)], 10: [r(false), r(false)] }),
    ).toEqual([
      { index: 3, k: 0 },
      { index: 10, k: 0 },
      { index: 10, k: 1 },
      { index: 12, k: 1 },
    ]);
  });

  it('the practice asks the same questions again: quizOf is the same for the same run', async () => {
    // (the player's practice takes quizOf's question at the place answered wrong)
    const [a, b] = [await runOf('dtmf'), await runOf('dtmf')];
    expect(render(quizOf(b))).toBe(render(quizOf(a)));
    expect(quizOf(a).flat().length).toBeGreaterThan(20);
  });
});
