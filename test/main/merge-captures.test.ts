/**
 * Several captures as one (service/merge-captures.ts): a call through a proxy captured on both sides
 * (synthetic pcap + pcapng + gzip), merged by time; the same packet in both files kept once; a clock
 * shift; a truncated input; the inputs untouched; the temp file gone on close.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { findPeer } from '../helpers/peers';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildPcap } from '../../src/sip-core/capture/writer/synthesize';
import { A, B, bobSideWithDuplicate, files, P, pcapRecords, sideB } from '../helpers/merge-capture';
import { analyzeTrace, callHops, type TraceAnalyzer } from '../../src/sip-core/analysis';
import { ingestMerged, mergeCaptures, parseShift, shiftsFor } from '../../src/main/service/merge-captures';
import { ladder } from '../../src/main/cli/commands/ladder';
import { analyze } from '../../src/main/cli/commands/analyze';
import { rtp } from '../../src/main/cli/commands/rtp';
import { makePrivateDir, removePrivateDir, sweepOrphans } from '../../src/main/private-temp';
import { createHost } from '../../src/main/service/create-host';
import { Invoke } from '../../src/shared/api';
import { validateRequest } from '../../src/shared/validate';

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

function lines(a: TraceAnalyzer): string[] {
  const t = a.trace;
  return Array.from({ length: t.count }, (_, i) => {
    const e = t.entry(i);
    return `${e.src} > ${e.dst} ${e.kind === 'request' ? e.method : e.status}`;
  });
}

describe('several captures as one', () => {
  it('a call through a proxy, one capture on each side: both legs in time order, the proxy as a hop', async () => {
    const { a, b } = files();
    const before = [sha(a), sha(b)];
    const { result, merge, close } = await ingestMerged([{ path: a }, { path: b }]);
    try {
      expect(result.trace.source.name).toBe('a.pcap + b.pcapng');
      expect(merge.frames).toBe(4);
      const an = analyzeTrace(result.trace);
      expect(lines(an)).toEqual([
        `${A}:5060 > ${P}:5060 INVITE`,
        `${P}:5060 > ${B}:5060 INVITE`,
        `${B}:5060 > ${P}:5060 200`,
        `${P}:5060 > ${A}:5060 200`,
      ]);
      for (let i = 0; i < result.trace.count; i++) expect(an.retransmission(i)).toBeNull();
      const [inv] = callHops(an, 'C1');
      expect(inv!.copies).toEqual([0, 1]);
      const kinds = inv!.steps[0]!.changes.map((c) => c.kind);
      expect(kinds).toEqual(
        expect.arrayContaining(['via-added', 'max-forwards-decremented', 'record-route-added']),
      );
      expect(existsSync(merge.path)).toBe(true);
    } finally {
      close();
    }
    expect(existsSync(dirname(merge.path))).toBe(false);
    expect([sha(a), sha(b)]).toEqual(before);
  });

  it('the same packet captured in both files is kept once and counted; its twin in one file is not', async () => {
    const { dir, a } = files();
    // b2: Bob's side plus a copy of Alice's INVITE (TTL changed on the way: still the same packet) 2 ms later.
    const b2 = bobSideWithDuplicate(dir);
    const m = await mergeCaptures([{ path: a }, { path: b2 }], join(dir, 'm.pcapng'));
    expect(m.frames).toBe(4);
    expect(m.duplicates).toEqual([{ a: 'a.pcap', b: 'b2.pcap', count: 1 }]);
    expect(m.diagnostics.map((d) => d.message)).toContain(
      '1 packet seen in both a.pcap and b2.pcap kept once (the same IP packet within 10 ms)',
    );
    // No window: kept twice.
    const m0 = await mergeCaptures([{ path: a }, { path: b2 }], join(dir, 'm0.pcapng'), { dedupWindowUs: 0 });
    expect(m0.frames).toBe(5);
    // The same file twice: every packet is a duplicate of the other input's.
    const aa = await mergeCaptures([{ path: a }, { path: a }], join(dir, 'aa.pcapng'));
    expect(aa.frames).toBe(2);
    expect(aa.duplicates).toEqual([{ a: 'a.pcap (input 1)', b: 'a.pcap (input 2)', count: 2 }]);
  });

  it('a clock shift puts a host whose clock is behind back in order', async () => {
    const { dir, a } = files();
    // Bob's host 0.5 s behind: its copies would come before Alice's INVITE.
    const late = join(dir, 'late.pcap');
    writeFileSync(late, buildPcap(sideB.map((p) => ({ ...p, timeUs: p.timeUs - 500_000 }))));
    const wrong = await ingestMerged([{ path: a }, { path: late }]);
    expect(lines(analyzeTrace(wrong.result.trace))[0]).toContain('INVITE');
    expect(lines(analyzeTrace(wrong.result.trace))[0]).toContain(`> ${B}:5060`);
    wrong.close();
    const shifts = shiftsFor([a, late], ['late.pcap=+0.5s']);
    expect(shifts).toEqual([0, 500_000]);
    const right = await ingestMerged([{ path: a }, { path: late, shiftUs: 500_000 }]);
    expect(lines(analyzeTrace(right.result.trace))[1]).toBe(`${P}:5060 > ${B}:5060 INVITE`);
    expect(right.result.trace.fileDiagnostics.map((d) => d.message)).toContain(
      'late.pcap: times shifted +0.500000 s',
    );
    right.close();
    expect(parseShift('b.pcap=-40ms')).toEqual({ file: 'b.pcap', us: -40_000 });
    expect(parseShift('b.pcap')).toBeNull();
    expect(shiftsFor([a], ['x.pcap=1'])).toMatch(/not one of the captures/);
  });

  it('in the app: the inputs in the summary, a suggested shift from the hops that run backwards, merged again with it', async () => {
    const { dir, a } = files();
    const late = join(dir, 'late.pcap');
    writeFileSync(late, buildPcap(sideB.map((p) => ({ ...p, timeUs: p.timeUs - 120_000 }))));
    const before = [sha(a), sha(late)];
    const host = createHost({ mode: 'browser', recentFile: null });
    try {
      const s = await host.invoke(Invoke.captureOpenMerged, { captures: [{ path: a }, { path: late }] });
      expect(s.merged?.inputs.map((i) => [i.name, i.path, i.frames, i.shiftUs])).toEqual([
        ['a.pcap', a, 2, 0],
        ['late.pcap', late, 2, 0],
      ]);
      expect(s.merged?.dedupWindowUs).toBe(10_000);
      // Bob's side 120 ms behind: the proxy's INVITE to Bob reads 119 ms before Alice's reached it.
      const sug = await host.invoke(Invoke.captureMergeShifts, { captureId: s.id });
      expect(sug).toEqual([
        {
          input: 1,
          reference: 0,
          shiftUs: 120_000,
          hops: 1,
          gapUs: 119_000,
          text: 'late.pcap seems 119 ms behind a.pcap',
        },
      ]);
      expect(() => validateRequest(Invoke.captureRemerge, { captureId: s.id, shiftsUs: [0] })).toThrow(
        /one shift per input/,
      );
      expect(() => validateRequest(Invoke.captureRemerge, { captureId: s.id, shiftsUs: [0, 0.5] })).toThrow(
        /whole µs/,
      );
      await expect(
        host.invoke(Invoke.captureRemerge, { captureId: s.id, shiftsUs: [0, 0, 0] }),
      ).rejects.toThrow(/2 shifts are needed/);
      const r = await host.invoke(Invoke.captureRemerge, { captureId: s.id, shiftsUs: [0, sug[0]!.shiftUs] });
      expect(r.id).not.toBe(s.id);
      expect(r.merged?.inputs.map((i) => i.shiftUs)).toEqual([0, 120_000]);
      expect(r.diagnostics.map((d) => d.message)).toContain('late.pcap: times shifted +0.120000 s');
      const page = await host.invoke(Invoke.messagesPage, { captureId: r.id, offset: 0, limit: 10 });
      expect(page.items.map((m) => `${m.src} > ${m.dst}`).slice(0, 2)).toEqual([
        `${A}:5060 > ${P}:5060`,
        `${P}:5060 > ${B}:5060`,
      ]);
      expect(await host.invoke(Invoke.captureMergeShifts, { captureId: r.id })).toEqual([]);
      // The replaced capture is closed; a capture of one file cannot be merged again.
      expect((await host.invoke(Invoke.captureList, null)).map((c) => c.id)).toEqual([r.id]);
      const one = await host.openPath(a);
      await expect(
        host.invoke(Invoke.captureRemerge, { captureId: one.id, shiftsUs: [0, 0] }),
      ).rejects.toThrow(/not several captures merged/);
      expect([sha(a), sha(late)]).toEqual(before);
    } finally {
      await host.dispose();
    }
  });

  it('a truncated input: what could be read, and an error naming the file and the byte offset', async () => {
    const { dir, a, b } = files();
    const gz = join(dir, 'b.pcapng.gz');
    writeFileSync(gz, gzipSync(readFileSync(b)));
    const cut = join(dir, 'cut.pcap');
    const whole = buildPcap(sideB);
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const m = await mergeCaptures([{ path: a }, { path: cut }], join(dir, 'm.pcapng'));
    expect(m.frames).toBe(3);
    const err = m.diagnostics.find((d) => d.severity === 'error')!;
    expect(err.message).toMatch(/^cut\.pcap: the file ends inside .* at byte \d+/);
    // gzip'd input reads as the file.
    const g = await mergeCaptures([{ path: a }, { path: gz }], join(dir, 'g.pcapng'));
    expect(g.frames).toBe(4);
    expect(g.diagnostics).toEqual([]);
    // Not a capture: named, the other input still read.
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'hello, not a capture at all\n');
    const n = await mergeCaptures([{ path: a }, { path: txt }], join(dir, 'n.pcapng'));
    expect(n.frames).toBe(2);
    expect(n.diagnostics[0]!.message).toMatch(/^notes\.txt: this file is not a pcap/);
    // The output is never an input.
    await expect(mergeCaptures([{ path: a }], a)).rejects.toThrow(/one of its inputs/);
  });

  it('ladder A B (CLI): one call through the proxy, both legs', async () => {
    const { a, b } = files();
    let out = '';
    const code = await ladder([a, b], { format: 'text' }, (s) => void (out += s));
    expect(code).toBe(0);
    expect(out.match(/INVITE/g)).toHaveLength(2);
    expect(out).toContain('merge-1@test');
  });

  it('the app (service host): opened as a.pcap + b.pcapng, a call exported from it, the temp file gone on close', async () => {
    const { dir, a, b } = files();
    const cut = join(dir, 'cut.pcap');
    const whole = buildPcap(sideB);
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const host = createHost({ mode: 'browser', recentFile: null });
    try {
      expect(() => validateRequest(Invoke.captureOpenMerged, { captures: [{ path: a }] })).toThrow(/2 to 16/);
      expect(() =>
        validateRequest(Invoke.captureOpenMerged, { captures: [{ path: a }, { token: 't' }] }),
      ).toThrow(/name/);
      const s = await host.invoke(Invoke.captureOpenMerged, { captures: [{ path: a }, { path: b }] });
      expect(s.name).toBe('a.pcap + b.pcapng');
      expect(s.path).toBeNull();
      expect(s.messages).toBe(4);
      const f = await host.invoke(Invoke.exportCapture, { captureId: s.id, calls: ['C1'], format: 'pcap' });
      expect(pcapRecords(Buffer.from(f.base64!, 'base64'))).toBe(4);
      const temp = readdirSync(tmpdir()).filter((n) => n.startsWith(`sipscope-merge-${process.pid}-`));
      expect(temp).toHaveLength(1);
      await host.invoke(Invoke.captureClose, { captureId: s.id });
      expect(existsSync(join(tmpdir(), temp[0]!))).toBe(false);
      // A damaged input: the rest opens, the damage is said with the file's name.
      const d = await host.openMerged([{ path: a }, { path: cut, name: 'bob-side.pcap' }]);
      expect(d.name).toBe('a.pcap + bob-side.pcap');
      expect(d.messages).toBe(3);
      expect(d.diagnostics[0]!.message).toMatch(/^bob-side\.pcap: the file ends inside/);
    } finally {
      await host.dispose();
    }
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`sipscope-merge-${process.pid}-`))).toEqual([]);
  });

  it("a merge's temp dir that a killed process left behind is removed by the next one", () => {
    const orphan = join(tmpdir(), 'sipscope-merge-999999999-leftover');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, 'merged.pcapng'), 'x');
    const mine = makePrivateDir('sipscope-merge-');
    sweepOrphans('sipscope-merge-');
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    removePrivateDir(mine);
    expect(existsSync(mine)).toBe(false);
  });

  it('analyze A B (CLI): one trace named after both files, a bad --shift refused', async () => {
    const { a, b } = files();
    let out = '';
    const code = await analyze([a, b], { format: 'json', stream: false }, { write: (s) => void (out += s) });
    expect(code).toBe(0);
    const j = JSON.parse(out) as { source: { name: string }; messages: unknown[] };
    expect(j.source.name).toBe('a.pcap + b.pcapng');
    expect(j.messages).toHaveLength(4);
    // A bad --shift is a usage error (exit code 2, as a bad --filter), not an unreadable file (1).
    expect(await analyze([a, b], { format: 'json', stream: false, shift: ['c.pcap=1s'] })).toBe(2);
    expect(await analyze([a, b], { format: 'json', stream: false, shift: ['b.pcapng=soon'] })).toBe(2);
    expect(await ladder([a, b], { format: 'text', stream: false, shift: ['c.pcap=1s'] }, () => {})).toBe(2);
    expect(await rtp([a, b], { shift: ['c.pcap=1s'], timing: 'timestamp' }, () => {})).toBe(2);
    expect(await analyze([a, join(dirname(a), 'missing.pcap')], { format: 'json', stream: false })).toBe(1);
  });

  it.skipIf(!findPeer('editcap'))(
    "an input's TLS key log (pcapng DSB) stays with the merged capture",
    async () => {
      const { dir, a, b } = files();
      const keys = join(dir, 'keys.txt');
      writeFileSync(keys, `CLIENT_RANDOM ${'1'.repeat(64)} ${'2'.repeat(96)}\n`);
      const inj = join(dir, 'b-keys.pcapng');
      execFileSync(findPeer('editcap')!, ['--inject-secrets', `tls,${keys}`, b, inj]);
      const out = join(dir, 'm.pcapng');
      const m = await mergeCaptures([{ path: a }, { path: inj }], out);
      expect(m.frames).toBe(4);
      const bytes = readFileSync(out);
      const at = bytes.indexOf(`CLIENT_RANDOM ${'1'.repeat(64)}`);
      expect(at).toBeGreaterThan(0);
      // A DSB (block type 10, secrets type TLS key log 0x544c534b) holds it.
      expect(bytes.readUInt32LE(at - 16)).toBe(10);
      expect(bytes.readUInt32LE(at - 8)).toBe(0x544c534b);
    },
  );
});
