/**
 * `sipscope tui` end to end in a real pseudo-terminal (python3 pty): keystrokes in, the screen read
 * back through a small VT100 emulator after each. Calls list, filter, call flow with a diagnostic,
 * back, quit with the terminal restored; a live HEP source; a corrupt capture.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hep3 } from '../live/hep-encode';
import { requirePeer } from '../../helpers/peers';
import { startTui } from './vt-screen';

const root = resolve(import.meta.dirname, '../../..');
const SAMPLE = join(root, 'resources/samples/sample-problems.pcap');
const callRows = (t: string): string[] =>
  t.split('\n').filter((l) => /^\S?\s+(\d\d:\d\d:\d\d|--:--:--) /.test(l));

describe('sipscope tui (pseudo-terminal)', () => {
  it('lists the calls, filters, opens a call flow with its diagnostic, goes back and quits restoring the terminal', async () => {
    const t = startTui([SAMPLE], 100, 30);
    try {
      let text = await t.waitFor(
        (x) => x.includes('6 calls') && callRows(x).length === 6 && x.includes('analysed'),
        60_000,
      );
      expect(t.screen.altScreen).toBe(true);
      expect(t.screen.cursorVisible).toBe(false);
      expect(text).toContain('Problems: ');
      expect(text).toContain('ack-missing-2xx 1');

      t.press('/');
      await t.waitFor('Enter apply');
      t.press('call.state == "failed"\r');
      text = await t.waitFor((x) => x.includes('call.state == "failed"  1 calls'));
      expect(callRows(text)).toHaveLength(1);
      expect(callRows(text)[0]).toContain('failed');

      // A filter that does not parse: the error with its column, the list unfiltered.
      t.press('/\x15call.state ==\r');
      text = await t.waitFor('error at column');
      expect(callRows(text)).toHaveLength(6);

      t.press('/\x15\r'); // cleared
      await t.waitFor((x) => x.includes('(none: / or F to filter)'));
      t.press('j');
      await t.waitFor(() => t.screen.reversedLines().some((l) => l.includes('erin')));
      t.press('\r');
      text = await t.waitFor((x) => x.includes('! ack-missing-2xx') && x.includes('Raw'), 60_000);
      expect(text).toMatch(/Call C\d+ {2}alice → erin/);
      expect(text).toContain('|---- INVITE (SDP) ---->|');
      // The selected message's raw text in the pane.
      await t.waitFor((x) => /^INVITE sip:erin/m.test(x));
      // Down to the message with the diagnostic: the pane shows the code and its RFC section.
      for (let i = 0; i < 40 && !/^[EWi] ack-missing-2xx/m.test(t.screen.text()); i++) {
        t.press('j');
        await t.quiet();
      }
      text = await t.waitFor((x) => /^E ack-missing-2xx .*\(RFC 3261/m.test(x));
      t.press('\t');
      await t.waitFor((x) => /^Via: .*\n {2}\S/m.test(x) || x.includes('Headers explained'));

      t.press('q');
      text = await t.waitFor((x) => callRows(x).length === 6);
      // A resize (SIGWINCH): drawn again at the new size.
      t.resize(80, 24);
      text = await t.waitFor((x) => callRows(x).length === 6 && x.split('\n')[23]!.includes('analysed'));
      expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
      t.press('x');
      const r = await t.exited;
      expect(r.code).toBe(0);
      expect(t.screen.altScreen).toBe(false);
      expect(t.screen.cursorVisible).toBe(true);
    } finally {
      t.kill();
    }
  }, 180_000);

  it('F2 saves the call under the cursor as pcap (tshark reads its frames), never over a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-tui-save-'));
    const out = join(dir, 'call.pcap');
    const t = startTui([SAMPLE], 100, 30);
    try {
      await t.waitFor((x) => callRows(x).length === 6 && x.includes('analysed'), 60_000);
      t.press('\x1bOQ'); // F2
      await t.waitFor('as pcap: sample-problems-C1.pcap');
      t.press(`\x15${out}\r`);
      // (the status line's note: the path may be cut at the screen's edge)
      await t.waitFor((x) => x.includes('saved C1 to'), 30_000);
      const bytes = readFileSync(out);
      expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4); // classic pcap
      const tshark = requirePeer('tshark');
      if (tshark) {
        const r = spawnSync(tshark, ['-r', out, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], {
          encoding: 'utf8',
        });
        const ids = r.stdout.trim().split('\n').filter(Boolean);
        expect(ids.length).toBeGreaterThan(0);
        expect(new Set(ids).size).toBe(1);
      }
      // Again to the same name: refused, the file as it was.
      t.press('\x1bOQ');
      await t.waitFor('as pcap:');
      t.press(`\x15${out}\r`);
      await t.waitFor('not saved:', 30_000);
      expect(readFileSync(out).equals(bytes)).toBe(true);
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('F3 searches the messages: the calls with a message holding the text', async () => {
    const t = startTui([SAMPLE], 100, 30);
    try {
      await t.waitFor((x) => callRows(x).length === 6 && x.includes('analysed'), 60_000);
      t.press('\x1bOR'); // F3
      await t.waitFor('Search messages:');
      t.press('sip:erin@\r');
      const text = await t.waitFor((x) => x.includes('sip contains "sip:erin@"  1 calls'), 30_000);
      expect(callRows(text)).toHaveLength(1);
      expect(callRows(text)[0]).toContain('erin');
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('--hep PORT: a call sent as HEP packets appears in the list', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    const t = startTui(['--hep', String(port)], 100, 30);
    try {
      await t.waitFor('waiting for SIP messages', 60_000);
      const u = createSocket('udp4');
      const msg = (first: string, cseq: string): string =>
        `${first}\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:carol@a>;tag=1\r\nTo: <sip:dan@b>\r\nCall-ID: tui-live-1\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
      const send = (payload: string, t0: number, fromA: boolean): Promise<void> =>
        new Promise((r) =>
          u.send(
            hep3({
              src: fromA ? '10.0.0.1' : '10.0.0.2',
              dst: fromA ? '10.0.0.2' : '10.0.0.1',
              srcPort: 5060,
              dstPort: 5060,
              timeUs: 1_700_000_000_000_000 + t0,
              payload,
            }),
            port,
            '127.0.0.1',
            () => r(),
          ),
        );
      await send(msg('INVITE sip:dan@b SIP/2.0', '1 INVITE'), 0, true);
      await send(msg('SIP/2.0 486 Busy Here', '1 INVITE'), 1000, false);
      u.close();
      const text = await t.waitFor((x) => callRows(x).length === 1 && x.includes('busy'), 30_000);
      expect(callRows(text)[0]).toMatch(/carol +dan +busy +486/);
      expect(text).toContain('live ');
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('SIGTERM gives the terminal back (main screen, cursor) and exits 143', async () => {
    const t = startTui([SAMPLE], 100, 30);
    try {
      await t.waitFor((x) => callRows(x).length === 6, 60_000);
      expect(t.screen.altScreen).toBe(true);
      process.kill(t.pid()!, 'SIGTERM');
      const r = await t.exited;
      expect(r.code).toBe(143);
      expect(t.screen.altScreen).toBe(false);
      expect(t.screen.cursorVisible).toBe(true);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('a file of SIP text is read as analyze reads it (--stream: several messages)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-tui-'));
    const file = join(dir, 'call.sip');
    const msg = (first: string, extra = ''): string =>
      `${first}\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK7\r\nFrom: <sip:gina@a>;tag=1\r\nTo: <sip:hank@b>${extra}\r\nCall-ID: text-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
    writeFileSync(file, msg('INVITE sip:hank@b SIP/2.0') + msg('SIP/2.0 603 Decline', ';tag=2'));
    const t = startTui([file, '--stream'], 100, 30);
    try {
      const text = await t.waitFor((x) => callRows(x).length === 1, 60_000);
      expect(callRows(text)[0]).toMatch(/gina +hank +rejected +603/);
      expect(text).toContain('2 msgs');
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
    }
  }, 120_000);

  it('a corrupt capture: what was read is listed, the status line names the error and its byte offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-tui-'));
    const bytes = readFileSync(SAMPLE);
    const bad = join(dir, 'cut.pcap');
    // Cut in the middle of a record, then a record header claiming more than the file holds.
    writeFileSync(bad, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const t = startTui([bad], 120, 30);
    try {
      const text = await t.waitFor((x) => / error: .* byte \d+/.test(x) && callRows(x).length > 0, 60_000);
      expect(callRows(text).length).toBeGreaterThan(0);
      expect(text.split('\n').at(-1)).toMatch(/error: .*(offset|byte)/i);
      t.press('x');
      expect((await t.exited).code).toBe(0);
    } finally {
      t.kill();
    }
  }, 120_000);
});
