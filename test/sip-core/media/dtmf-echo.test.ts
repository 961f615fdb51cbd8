/**
 * Digits an echo test sends back (Asterisk's Echo() and FreeSWITCH's echo send DTMF back with the
 * audio; a lab phone in echo mode sends the RFC 4733 packets back): the call's digits mark them
 * (`echo`, and `echoed` on the key they repeat), the sentence says "echoed back by the callee"
 * instead of "callee pressed", and the filter's `call.dtmf` is the keys pressed.
 */
import { describe, expect, it } from 'vitest';
import { markDtmfEchoes, dtmfSentences, type DtmfDigitJson } from '../../../src/shared/dtmf';
import { callDtmfField } from '../../../src/sip-core/media/dtmf';

const T0 = 1_700_000_000;

function d(
  digit: string,
  at: number,
  direction: DtmfDigitJson['direction'],
  method: DtmfDigitJson['method'] = 'rtp-event',
): DtmfDigitJson {
  return { digit, method, time: T0 + at, frame: Math.round(at * 1000), direction, durationMs: 100 };
}

function marked(list: DtmfDigitJson[]): DtmfDigitJson[] {
  markDtmfEchoes(list);
  return list;
}

/** Each digit as `echo` (sent back), `echoed` (came back) or `-`, as one string. */
function marks(list: readonly DtmfDigitJson[]): string {
  return list.map((x) => (x.echo ? 'echo' : x.echoed ? 'echoed' : '-')).join(' ');
}

describe('DTMF sent back by an echo test', () => {
  it('marks the callee sending back each of the caller’s digits moments later, and says so', () => {
    // the caller presses 1 2 3 (200 ms apart); the echo's packets come 2 ms after each
    const l = marked(
      [1, 2, 3].flatMap((k, i) => [d(`${k}`, 5 + i * 0.2, 'forward'), d(`${k}`, 5.002 + i * 0.2, 'reverse')]),
    );
    expect(marks(l)).toBe('echoed echo echoed echo echoed echo');
    expect(dtmfSentences(l, T0)).toEqual([
      'caller pressed 1 2 3 at 00:05.0 (RTP events (RFC 4733)), echoed back by the callee',
    ]);
    expect(callDtmfField(l, 'call.dtmf')).toBe('123');
    expect(callDtmfField(l, 'call.dtmf.method')).toBe('rtp-event');
  });

  it('says which ones came back when only some did (a lost echo), the callee echoing the caller', () => {
    const l = marked([d('4', 1, 'reverse'), d('4', 1.05, 'forward'), d('5', 1.3, 'reverse')]);
    expect(dtmfSentences(l, T0)).toEqual([
      'callee pressed 4 5 at 00:01.0 (RTP events (RFC 4733)), the caller echoed 4 back',
    ]);
  });

  it('does not take a key pressed later, another digit, another method or the same side for an echo', () => {
    const l = marked([
      d('1', 1, 'forward'),
      d('1', 2.5, 'reverse'), // 1.5 s later: pressed
      d('2', 3, 'forward'),
      d('3', 3.01, 'reverse'), // another digit
      d('5', 4, 'forward'),
      d('5', 4.01, 'reverse', 'info'), // another method
      d('7', 5, 'forward'),
      d('7', 5.01, 'forward'), // the same side (two legs of a relayed call)
    ]);
    expect(l.some((x) => x.echo || x.echoed)).toBe(false);
    expect(dtmfSentences(l, T0)).toEqual([
      'caller pressed 1 at 00:01.0 (RTP events (RFC 4733))',
      'callee pressed 1 at 00:02.5 (RTP events (RFC 4733))',
      'caller pressed 2 at 00:03.0 (RTP events (RFC 4733))',
      'callee pressed 3 at 00:03.0 (RTP events (RFC 4733))',
      'caller pressed 5 at 00:04.0 (RTP events (RFC 4733))',
      'callee pressed 5 at 00:04.0 (SIP INFO)',
      'caller pressed 7 7 at 00:05.0 (RTP events (RFC 4733))',
    ]);
    expect(callDtmfField(l, 'call.dtmf')).toBe('11235577');
  });

  it('pairs each echo with one key: a key pressed twice comes back twice', () => {
    const l = marked([
      d('9', 1, 'forward'),
      d('9', 1.2, 'forward'),
      d('9', 1.21, 'reverse'),
      d('9', 1.22, 'reverse'),
    ]);
    expect(marks(l)).toBe('echoed echoed echo echo');
    expect(callDtmfField(l, 'call.dtmf')).toBe('99');
  });

  it('marks as the scan back over the window did, on random calls, and in linear time', () => {
    // The rule as first written (each digit scans back over every digit of the window): the reference.
    const reference = (digits: DtmfDigitJson[]): void => {
      for (let i = 1; i < digits.length; i++) {
        const x = digits[i]!;
        if (x.direction === null) continue;
        for (let j = i - 1; j >= 0; j--) {
          const o = digits[j]!;
          if (x.time - o.time > 1) break;
          const other = o.direction !== null && o.direction !== x.direction;
          if (other && !o.echo && !o.echoed && o.digit === x.digit && o.method === x.method) {
            x.echo = true;
            o.echoed = true;
            break;
          }
        }
      }
    };
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const dirs: DtmfDigitJson['direction'][] = ['forward', 'reverse', null];
    for (let call = 0; call < 300; call++) {
      let at = 0;
      const list: DtmfDigitJson[] = [];
      for (let k = 0; k < 40; k++) {
        at += rnd() < 0.3 ? 0.002 : rnd() * 0.8;
        list.push(
          d(
            '12#'[Math.floor(rnd() * 3)]!,
            at,
            dirs[Math.floor(rnd() * 3)]!,
            rnd() < 0.8 ? 'rtp-event' : 'info',
          ),
        );
      }
      const a = list.map((x) => ({ ...x }));
      const b = list.map((x) => ({ ...x }));
      reference(a);
      markDtmfEchoes(b);
      expect(marks(b), `call ${call}`).toBe(marks(a));
    }
    // 40,000 INFO digits from one side within a second: never compared with each other.
    const many = Array.from({ length: 40_000 }, (_, i) => d('5', i / 40_000, 'forward', 'info'));
    const t0 = process.hrtime.bigint();
    markDtmfEchoes(many);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(many.some((x) => x.echo || x.echoed)).toBe(false);
    expect(ms, 'the scan back took 1.45 s here').toBeLessThan(400);
  });
});
