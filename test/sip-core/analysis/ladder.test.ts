/**
 * Ladder model and exports: every message present, in order, on the right lanes; the SVG renders in
 * Chromium; calls CSV; a call's original frames exported as pcap and read back by tshark.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, callsCsv, ladderModel, renderLadder } from '../../../src/sip-core/analysis';
import { writePcap } from '../../../src/sip-core/capture/writer/capture-writer';
import { ingestBytes } from '../../../src/sip-core/trace/trace-builder';
import { requirePeer } from '../../helpers/peers';
import { CHROMIUM_ARGS } from '../../helpers/chromium-args';

const repo = path.resolve(import.meta.dirname, '../../..');
const bytes = new Uint8Array(readFileSync(path.join(repo, 'resources/samples/sample-call.pcap')));
const a = analyzeTrace(ingestBytes(bytes, 'sample-call.pcap').trace);
const LANES = ['127.0.0.10:5060', '127.0.0.20:5060', '127.0.0.30:5060'];
/** What the lanes are (SIPp's alice → Kamailio → SIPp's bob). */
const ROLES = ['caller · alice', 'proxy', 'callee · bob'];
const LABELS = [
  'INVITE',
  '100 trying -- your call is important to us',
  'INVITE',
  '180 Ringing',
  '180 Ringing',
  '200 OK',
  '200 OK',
  'ACK',
  'ACK',
  'BYE',
  'BYE',
  '200 OK',
  '200 OK',
];
const FRAMES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 24, 25, 26, 27];

describe('ladder model', () => {
  const m = ladderModel(a, 'C1')!;
  it('has lanes by host:port in order of appearance and every message of the call in order', () => {
    expect(m.lanes.map((l) => l.id)).toEqual(LANES);
    expect(m.lanes.map((l) => l.caption)).toEqual(ROLES);
    expect(m.lanes.map((l) => l.role?.agent ?? null)).toEqual([
      'SIPp sample',
      expect.stringMatching(/^kamailio/),
      null,
    ]);
    expect(m.arrows.map((x) => x.frame)).toEqual(FRAMES);
    expect(m.arrows.map((x) => x.label)).toEqual(LABELS);
    expect(m.arrows.map((x) => `${x.from}>${x.to}`)).toEqual([
      '0>1',
      '1>0',
      '1>2',
      '2>1',
      '1>0',
      '2>1',
      '1>0',
      '0>1',
      '1>2',
      '0>1',
      '1>2',
      '2>1',
      '1>0',
    ]);
    expect(m.arrows[0]!.transaction).toBe('T1');
    expect(m.arrows[0]!.dialog).toBe('D1');
    expect(m.arrows[0]!.sdp).toBe(true);
    expect(m.arrows[5]!.relative).toBeCloseTo(0.403801, 6);
    expect(m.arrows[6]!.delta).toBeCloseTo(0.000219, 6);
  });
  it('is found by Call-ID too, and is null for an unknown call', () => {
    expect(ladderModel(a, '1-9721@127.0.0.10')!.call).toBe('C1');
    expect(ladderModel(a, 'C99')).toBeNull();
  });

  function inOrder(text: string, needles: string[]): void {
    let pos = 0;
    for (const n of needles) {
      const i = text.indexOf(n, pos);
      expect(i, `"${n}" after ${pos}`).toBeGreaterThanOrEqual(0);
      pos = i + n.length;
    }
  }

  it('text: one line per message, arrows pointing the right way', () => {
    const t = renderLadder(m, 'text');
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(3 + 13);
    inOrder(lines[1]!, ROLES);
    inOrder(lines[2]!, LANES);
    // Each role above its address.
    for (let i = 0; i < 3; i++) expect(lines[1]!.indexOf(ROLES[i]!)).toBe(lines[2]!.indexOf(LANES[i]!));
    expect(lines[3]).toMatch(/^\s+0\.000000 \|-+ INVITE \(SDP\) -+>\|\s+\|\s+T1 D1$/);
    expect(lines[5]).toMatch(/\|\s+\|-+ INVITE \(SDP\) -+>\|/);
    expect(lines[6]).toMatch(/\|\s+\|<-+ 180 Ringing -+\|/);
  });
  it('mermaid: participants and one arrow per message', () => {
    const t = renderLadder(m, 'mermaid');
    expect(t.startsWith('sequenceDiagram\n')).toBe(true);
    inOrder(
      t,
      LANES.map((l, i) => `participant L${i} as ${ROLES[i]}<br/>${l}`),
    );
    inOrder(t, [
      'L0->>L1: INVITE (SDP)',
      'L1-->>L0: 100 trying',
      'L1->>L2: INVITE',
      'L2-->>L1: 180 Ringing',
      'L1-->>L0: 180 Ringing',
      'L2-->>L1: 200 OK',
      'L1-->>L0: 200 OK',
      'L0->>L1: ACK',
      'L1->>L2: ACK',
      'L0->>L1: BYE',
      'L1->>L2: BYE',
      'L2-->>L1: 200 OK',
      'L1-->>L0: 200 OK',
    ]);
    expect(t.match(/->>|-->>/g)).toHaveLength(13);
  });
  it('plantuml: @startuml, participants, arrows, @enduml', () => {
    const t = renderLadder(m, 'plantuml');
    inOrder(t, [
      '@startuml',
      'participant "caller · alice\\n127.0.0.10:5060" as L0',
      'participant "proxy\\n127.0.0.20:5060" as L1',
      'L0 -> L1 : INVITE (SDP)',
      'L1 --> L0 : 100 trying',
      'L1 -> L2 : INVITE',
      'L1 --> L0 : 200 OK',
      '@enduml',
    ]);
    expect(t.match(/ -> | --> /g)).toHaveLength(13);
  });

  const chromiumPath = requirePeer('chromium');
  it.skipIf(!chromiumPath)(
    'svg: renders in Chromium with 3 lanes and 13 arrows left-to-right as in the trace',
    async () => {
      const svg = renderLadder(m, 'svg');
      const browser = await chromium.launch({
        executablePath: chromiumPath!,
        args: CHROMIUM_ARGS,
      });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.setContent(`<!doctype html><html><body>${svg}</body></html>`);
        // A string script: this file is type-checked without the DOM lib.
        const info = (await page.evaluate(`(() => {
        const svgEl = document.querySelector('svg');
        const box = svgEl.getBoundingClientRect();
        const lanes = [...document.querySelectorAll('g.lane')].map((g) => ({ text: g.querySelector('text.address').textContent, role: g.querySelector('text.role')?.textContent ?? null, x: g.querySelector('text.address').getBBox().x }));
        const arrows = [...document.querySelectorAll('g.arrow')].map((g) => {
          const line = g.querySelector('line');
          const label = [...g.querySelectorAll('text')].pop();
          return { frame: Number(g.getAttribute('data-frame')), x1: Number(line.getAttribute('x1')), x2: Number(line.getAttribute('x2')), label: label.textContent, w: label.getBBox().width };
        });
        return { w: box.width, h: box.height, lanes, arrows };
      })()`)) as {
          w: number;
          h: number;
          lanes: { text: string; role: string | null; x: number }[];
          arrows: { frame: number; x1: number; x2: number; label: string; w: number }[];
        };
        expect(errors).toEqual([]);
        expect(info.w).toBeGreaterThan(600);
        expect(info.lanes.map((l) => l.text)).toEqual(LANES);
        expect(info.lanes.map((l) => l.role)).toEqual(ROLES);
        expect(info.arrows.map((x) => x.frame)).toEqual(FRAMES);
        expect(info.arrows.every((x) => x.w > 10)).toBe(true);
        // INVITE goes right (alice → proxy), 100 goes left.
        expect(info.arrows[0]!.x2).toBeGreaterThan(info.arrows[0]!.x1);
        expect(info.arrows[1]!.x2).toBeLessThan(info.arrows[1]!.x1);
        expect(info.arrows[0]!.label).toBe('INVITE (SDP)');
      } finally {
        await browser.close();
      }
    },
  );

  const ipv6 = path.resolve(repo, '../shared/captures/public/sngrep__ipv6frag.pcap');
  it.skipIf(!chromiumPath || !existsSync(ipv6))(
    'svg: long IPv6 addresses and users are cut to their lane boxes (the end of an address kept)',
    async () => {
      const t6 = ingestBytes(new Uint8Array(readFileSync(ipv6)), 'sngrep__ipv6frag.pcap').trace;
      const m6 = ladderModel(analyzeTrace(t6), 'C1')!;
      // A user made long: the caption is cut, its role kept.
      m6.lanes[0]!.caption = `caller · ${'x'.repeat(60)}`;
      const svg = renderLadder(m6, 'svg');
      const browser = await chromium.launch({ executablePath: chromiumPath!, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.setContent(`<!doctype html><html><body>${svg}</body></html>`);
        const lanes = (await page.evaluate(`[...document.querySelectorAll('g.lane')].map((g) => ({
          box: g.querySelector('rect').getBBox().width,
          texts: [...g.querySelectorAll('text')].map((t) => ({ s: t.textContent, w: t.getBBox().width })),
        }))`)) as { box: number; texts: { s: string; w: number }[] }[];
        expect(lanes).toHaveLength(3);
        for (const l of lanes) for (const t of l.texts) expect(t.w, t.s).toBeLessThanOrEqual(l.box);
        expect(lanes[0]!.texts[0]!.s).toMatch(/^caller · x+…$/);
        // '[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060' keeps its end.
        expect(lanes[0]!.texts[1]!.s).toMatch(/^….*:1521\]:15060$/);
      } finally {
        await browser.close();
      }
    },
  );
});

describe('exports', () => {
  it('calls CSV: header and one row per call', () => {
    const csv = callsCsv(a.calls());
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(6);
    expect(rows[0]!.startsWith('id,call_ids,type,state,from,to,final_code')).toBe(true);
    expect(rows[4]).toMatch(
      /^C4,1-9722@127\.0\.0\.10,call,busy,sip:alice@127\.0\.0\.10:5060,sip:busy@127\.0\.0\.20:5060,486,/,
    );
  });
  it('escapes commas and quotes', () => {
    const [c] = a.calls();
    const csv = callsCsv([{ ...c!, from: 'sip:"a,b"@x' }]);
    expect(csv).toContain('"sip:""a,b""@x"');
  });

  const tshark = requirePeer('tshark');
  it.skipIf(!tshark)('a call as pcap with its original frames: tshark reads the same 7 frames', () => {
    const chunks: Uint8Array[] = [];
    const res = writePcap(a.trace, a.callMessageIds(a.resolveCall('C4')), (c) => chunks.push(c.slice()));
    expect(res).toMatchObject({ frames: 7, skippedMessages: 0, skippedFrames: 0 });
    const cap = { bytes: new Uint8Array(Buffer.concat(chunks)) };
    const dir = mkdtempSync(path.join(tmpdir(), 'sipscope-ladder-'));
    const f = path.join(dir, 'c4.pcap');
    writeFileSync(f, cap.bytes);
    const out = execFileSync(
      tshark!,
      ['-r', f, '-T', 'fields', '-e', 'sip.Status-Code', '-e', 'sip.Method'],
      { encoding: 'utf8' },
    );
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => l.trim()),
    ).toEqual(['INVITE', '100', 'INVITE', '486', 'ACK', '486', 'ACK']);
    // Byte-identical records: the original file holds each exported record.
    const orig = Buffer.from(bytes);
    expect(orig.includes(Buffer.from(cap.bytes.subarray(24, 24 + 60)))).toBe(true);
  });
});
