/**
 * Property tests: mutated messages (byte flips, truncation, duplication, huge lines) never make the parser,
 * lint or serializer throw, and parse time stays linear in the size (no backtracking blow-ups).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { SIP_SEPARATORS } from '../../helpers/mutate';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_DIAGNOSTICS,
  MessageEditor,
  lintMessage,
  parseMessage,
  serializeMessage,
} from '../../../src/sip-core/message/index';
import type { SipMessage } from '../../../src/sip-core/message/index';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const corpus: Uint8Array[] = [
  ...readdirSync(fixtures + 'rfc4475')
    .filter((f) => f.endsWith('.dat'))
    .map((f) => new Uint8Array(readFileSync(`${fixtures}rfc4475/${f}`))),
  ...readdirSync(fixtures + 'rfc5118/crlf').map(
    (f) => new Uint8Array(readFileSync(`${fixtures}rfc5118/crlf/${f}`)),
  ),
];

/** Touches every accessor, so lazy decoding runs too. */
function exercise(m: SipMessage): void {
  void [
    m.kind,
    m.method,
    m.requestUri,
    m.status,
    m.reason,
    m.version,
    m.callId,
    m.cseq,
    m.cseqMethod,
    m.branch,
  ];
  void [
    m.viaSentBy,
    m.viaTransport,
    m.viaReceived,
    m.viaRport,
    m.fromTag,
    m.toTag,
    m.maxForwards,
    m.contentType,
  ];
  for (const h of m.headers) {
    h.value();
    m.values(h.name);
    expect(h.valueSpan.start).toBeGreaterThanOrEqual(m.start);
    expect(h.valueSpan.end).toBeLessThanOrEqual(m.end);
  }
  expect(m.bodyStart + m.bodyLength).toBeLessThanOrEqual(m.end);
  for (const d of lintMessage(m)) {
    expect(MESSAGE_DIAGNOSTICS[d.code], `${d.code} is in the catalogue`).toBeDefined();
  }
  for (const d of lintMessage(m, { typed: true })) {
    if (d.span) {
      expect(d.span.start).toBeGreaterThanOrEqual(m.start);
      expect(d.span.end).toBeLessThanOrEqual(m.end);
    }
  }
  const ed = new MessageEditor(m);
  ed.addHeader('Via', 'SIP/2.0/UDP fuzz;branch=z9hG4bKf');
  ed.decrementMaxForwards();
  ed.removeFirstValue('route');
  parseMessage(ed.toBytes());
  expect(serializeMessage(m).length).toBe(m.end - m.start);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate'), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), len: fc.integer({ min: 1, max: 50 }) }),
  fc.record({
    kind: fc.constant('insert'),
    at: fc.nat(),
    bytes: fc.constantFrom(...SIP_SEPARATORS),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(src: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = src;
  for (const m of muts) {
    const at = b.length ? m.at % (b.length + 1) : 0;
    if (m.kind === 'flip' && b.length) {
      b = b.slice();
      b[at % b.length] = m.byte;
    } else if (m.kind === 'truncate') {
      b = b.slice(0, at);
    } else if (m.kind === 'duplicate') {
      b = new Uint8Array([...b.subarray(0, at + m.len), ...b.subarray(at)]);
    } else if (m.kind === 'delete') {
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.len)]);
    } else if (m.kind === 'insert') {
      b = new Uint8Array([...b.subarray(0, at), ...new TextEncoder().encode(m.bytes), ...b.subarray(at)]);
    }
  }
  return b;
}

describe('fuzz: mutated corpus messages', () => {
  it('never throws (parse, accessors, lint, edit, serialize)', () => {
    fc.assert(
      fc.property(
        fc.nat(corpus.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (i, muts) => {
          exercise(parseMessage(mutate(corpus[i]!, muts)));
        },
      ),
      { numRuns: 800, seed: 4475 },
    );
  });
  it('never throws on arbitrary bytes, nor on a message inside a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (b, s, e) => {
        exercise(parseMessage(b));
        exercise(parseMessage(b, s % (b.length + 1), e % (b.length + 1)));
      }),
      { numRuns: 600, seed: 5118 },
    );
  });
});

/** Best time of `reps` runs (ms): parse, plus the comma split of `split` when given. */
function timeParse(buf: Uint8Array, reps: number, split?: string): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const m = parseMessage(buf);
    void m.callId;
    if (split) m.values(split);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

describe('linear time', () => {
  const head = 'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: big\r\n';
  it('a 1 MB header line parses quickly, and twice the size takes about twice the time', () => {
    const mk = (n: number): Uint8Array =>
      new TextEncoder().encode(`${head}X-Long: ${'a,"b\\'.repeat(n / 5)}\r\n\r\n`);
    const small = mk(1 << 19);
    const big = mk(1 << 20);
    timeParse(small, 2, 'x-long');
    const ts = timeParse(small, 5, 'x-long');
    const tb = timeParse(big, 5, 'x-long');
    expect(tb).toBeLessThan(500);
    // linear: doubling the size roughly doubles the time (generous bound for a shared machine)
    expect(tb / ts).toBeLessThan(6);
    const m = parseMessage(big);
    expect(m.callId).toBe('big');
    expect(m.values('x-long').length).toBeGreaterThan(1000);
  });
  it('1 MB of folded continuation lines and of Via values', () => {
    const folded = new TextEncoder().encode(`${head}Subject: x${'\r\n y'.repeat(200_000)}\r\n\r\n`);
    const vias = new TextEncoder().encode(
      `${head}Via: ${'SIP/2.0/UDP h;branch=z9hG4bK2,'.repeat(30_000)}x\r\n\r\n`,
    );
    expect(timeParse(folded, 3)).toBeLessThan(200);
    expect(timeParse(vias, 3)).toBeLessThan(200);
    expect(parseMessage(vias).viaCount).toBe(30_002);
  });
  it('a 10,000-header message parses in under 200 ms', () => {
    let s = head;
    for (let i = 0; i < 10_000; i++) s += `X-H${i}: value ${i};p=${i}\r\n`;
    const buf = new TextEncoder().encode(s + 'Content-Length: 0\r\n\r\n');
    timeParse(buf, 2);
    expect(timeParse(buf, 5)).toBeLessThan(200);
    const m = parseMessage(buf);
    expect(m.headers.length).toBe(10_003);
    const t0 = performance.now();
    lintMessage(m, { typed: true });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(m.header('x-h9999')).toBe('value 9999;p=9999');
  });
  it('an unterminated quote or < in a huge From does not go quadratic', () => {
    const buf = new TextEncoder().encode(
      `${head}From: "${'x'.repeat(1 << 20)}\r\nTo: <${'y;'.repeat(1 << 19)}\r\n\r\n`,
    );
    expect(timeParse(buf, 3)).toBeLessThan(300);
    const d = lintMessage(parseMessage(buf)).map((x) => x.code);
    expect(d).toContain('quoted-string-unterminated');
  });
});
