/**
 * `sipscope tui BIG.pcap` in a real pseudo-terminal: calls are on the screen while the capture is
 * still read (the status line says `reading NN%`), the list grows as the read goes on, and a call's
 * flow opens before the read ends. The read is held where the test says (`SIPSCOPE_TEST_READ_HOLD`: the
 * share of the file it may read, in a file the test rewrites; ingest-file.node.ts), so each step sees
 * the read under way however fast the machine is — before, the test needed a 384 MB capture to
 * outlast its steps, and failed when the read won. The capture (bench/tools/gen-sip-capture.ts, 24 MB:
 * read by the ingest worker in three 8 MiB chunks, not cut in two) is written to a temp dir and removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../../bench/tools/gen-sip-capture';
import { startTui } from './vt-screen';

const callRows = (t: string): string[] =>
  t.split('\n').filter((l) => /^\S?\s+(\d\d:\d\d:\d\d|--:--:--) /.test(l));
/** The status line's reading share and calls count (null when the read ended). */
const status = (t: string): { reading: number | null; calls: number } => {
  const last = t.split('\n').at(-1) ?? '';
  const r = / reading (\d+)%/.exec(last);
  const c = / (\d+) calls/.exec(last);
  return { reading: r ? Number(r[1]) : null, calls: c ? Number(c[1]) : -1 };
};

describe('sipscope tui on a capture still being read', () => {
  let dir = '';
  let file = '';
  let calls = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipscope-tui-reading-'));
    file = join(dir, 'big.pcap');
    calls = generate(file, 24).calls;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows calls before the read ends, the list grows, a flow opens meanwhile, then the whole list', async () => {
    // The read stops before the chunk that starts at a third of the file, then at two thirds.
    const hold = join(dir, 'hold');
    writeFileSync(hold, '0.3');
    const t = startTui([file], 120, 30, { SIPSCOPE_TEST_READ_HOLD: hold });
    try {
      // The first screen with calls, while the status line still says `reading`.
      // (a frame may arrive in several writes: its status line, drawn last, says it is whole)
      let text = await t.waitFor((x) => callRows(x).length > 0 && status(x).calls > 0, 60_000);
      const first = status(text);
      expect(first.reading, `first screen:\n${text}`).not.toBeNull();
      expect(first.reading!).toBeLessThan(100);
      expect(first.calls).toBeGreaterThan(0);
      expect(first.calls).toBeLessThan(calls);
      // The list grows while the read goes on (the status line's count, then the list's own).
      writeFileSync(hold, '0.6');
      text = await t.waitFor((x) => status(x).calls > first.calls, 30_000);
      const later = status(text);
      expect(later.calls).toBeGreaterThan(first.calls);

      // A call's flow opens before the read ends (its ladder and a message), saying it is the call so far.
      t.press('\r');
      text = await t.waitFor((x) => /^INVITE sip:/m.test(x) && x.includes('Raw'), 30_000);
      expect(text).toMatch(/Call C1 /);
      expect(text).toContain('still reading: this call so far');
      expect(text).toContain('INVITE (SDP)');
      expect(status(text).reading, `flow:\n${text}`).not.toBeNull();

      // The read ends, then the analysis: the flow is drawn again whole, the list counts every call.
      rmSync(hold);
      text = await t.waitFor((x) => status(x).reading === null && x.includes('analysed'), 120_000);
      text = await t.waitFor((x) => !x.includes('still reading') && /^INVITE sip:/m.test(x), 30_000);
      t.press('q');
      text = await t.waitFor((x) => callRows(x).length > 0 && status(x).calls === calls, 30_000);
      expect(text).not.toContain('reading');
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
    }
  }, 240_000);
});
