/**
 * The WebAssembly ingest pass (capture/ingest-pass.ts) gives exactly the trace the JavaScript pipeline
 * gives: every classic pcap fixture and public capture, and generated files that cross the pass's
 * table size, in both byte orders and with nanosecond times, read from a file (the pass reads the
 * file's chunks in its arena) with the pass off and on, at several chunk sizes (records cut between
 * chunks go through the reader's carry): every column, table, counter and diagnostic equal. Also the
 * checked-in module is what its source compiles to.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  ingestPassAvailable,
  passCounters,
  setIngestPass,
  setPassRowsPerCall,
} from '../../../src/sip-core/capture/ingest-pass';
import { ingestCaptureFile, ingestSplitInThread } from '../../../src/sip-core/trace/ingest-file.node.js';
import type { TraceState } from '../../../src/sip-core/trace/trace';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from './tshark-compare';
import { ipFrame, pcapOf, TcpSegments, testIp } from '../../helpers/frames';

const REPO = resolve(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'ingest-pass-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => setIngestPass(true));

const classic = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|cap)$/.test(f))
        .map((f) => `${dir}/${f}`)
    : [];

interface Read {
  state: TraceState;
  stats: unknown;
  diagnostics: unknown;
}

async function read(path: string, pass: boolean, chunkSize?: number): Promise<Read> {
  setIngestPass(pass);
  const r = await ingestCaptureFile(path, { parse: false, ...(chunkSize ? { chunkSize } : {}) });
  r.file.close();
  return { state: r.trace.exportState(), stats: r.stats, diagnostics: r.diagnostics };
}

/** Every column value and every table of `a` and `b` equal (first difference named). */
function same(a: Read, b: Read, what: string): void {
  expect(b.state.count, what).toBe(a.state.count);
  for (const k of Object.keys(a.state.columns)) {
    const x = a.state.columns[k]!;
    const y = b.state.columns[k]!;
    expect(y.length, `${what} ${k}`).toBe(x.length);
    for (let i = 0; i < x.length; i++)
      if (x[i] !== y[i]) expect(`${k}[${i}] = ${y[i]}`, what).toBe(`${k}[${i}] = ${x[i]}`);
  }
  const { columns: _a, callIds: ca, arena: aa, ...ra } = a.state;
  const { columns: _b, callIds: cb, arena: ab, ...rb } = b.state;
  expect(rb, what).toEqual(ra);
  expect(cb.count, what).toBe(ca.count);
  const n = ca.count;
  expect([...cb.off.subarray(0, n)], what).toEqual([...ca.off.subarray(0, n)]);
  expect([...cb.len.subarray(0, n)], what).toEqual([...ca.len.subarray(0, n)]);
  const used = n > 0 ? ca.off[n - 1]! + ca.len[n - 1]! : 0;
  expect(Buffer.compare(cb.pool.subarray(0, used), ca.pool.subarray(0, used)), what).toBe(0);
  expect(cb.text, what).toEqual(ca.text);
  expect(ab.used, what).toBe(aa.used);
  const bytes = (x: { chunks: Uint8Array[] }): Buffer => Buffer.concat(x.chunks.map((c) => Buffer.from(c)));
  expect(Buffer.compare(bytes(ab), bytes(aa)), what).toBe(0);
  expect(b.stats, what).toEqual(a.stats);
  expect(b.diagnostics, what).toEqual(a.diagnostics);
}

/** Off and on at the default chunk size and at small ones; returns the rows the pass took. */
async function check(
  path: string,
  chunks: (number | undefined)[] = [undefined, 4096, 1000],
): Promise<number> {
  const off = await read(path, false);
  let taken = 0;
  for (const c of chunks) {
    const before = passCounters.taken;
    same(off, await read(path, true, c), `${path} chunk ${c ?? 'default'}`);
    taken += passCounters.taken - before;
  }
  return taken;
}

/** A classic pcap file rewritten: records repeated `times`, big-endian and/or nanosecond times. */
function rewrite(
  src: Uint8Array,
  o: { times?: number; bigEndian?: boolean; ns?: boolean; cut?: number },
): Uint8Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const magic = dv.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const srcNs = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const ns = o.ns ?? srcNs;
  const ole = !(o.bigEndian ?? !le);
  const recs: Uint8Array[] = [];
  let p = 24;
  while (p + 16 <= src.length) {
    const cap = dv.getUint32(p + 8, le);
    if (p + 16 + cap > src.length) break;
    recs.push(src.subarray(p, p + 16 + cap));
    p += 16 + cap;
  }
  const times = o.times ?? 1;
  const total = 24 + times * recs.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(total);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, ns ? 0xa1b23c4d : 0xa1b2c3d4, ole);
  ov.setUint16(4, 2, ole);
  ov.setUint16(6, 4, ole);
  ov.setUint32(16, dv.getUint32(16, le), ole);
  ov.setUint32(20, dv.getUint32(20, le), ole);
  let q = 24;
  for (let k = 0; k < times; k++) {
    for (const r of recs) {
      const rv = new DataView(r.buffer, r.byteOffset, 16);
      let frac = rv.getUint32(4, le);
      if (ns && !srcNs) frac = frac * 1000 + 999;
      else if (!ns && srcNs) frac = Math.floor(frac / 1000);
      ov.setUint32(q, rv.getUint32(0, le) + k, ole);
      ov.setUint32(q + 4, frac, ole);
      ov.setUint32(q + 8, rv.getUint32(8, le), ole);
      ov.setUint32(q + 12, rv.getUint32(12, le), ole);
      out.set(r.subarray(16), q + 16);
      q += r.length;
    }
  }
  return o.cut ? out.subarray(0, total - o.cut) : out;
}

function write(name: string, bytes: Uint8Array): string {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
}

const sipMsg = (
  start: string,
  callId: string,
  cseq: string,
  o: { body?: string; cl?: string } = {},
): string => {
  const body = o.body ?? '';
  const cl = o.cl ?? `Content-Length: ${body.length}\r\n`;
  return `${start}\r\nVia: SIP/2.0/TCP 10.9.0.1:5060;branch=z9hG4bK-${callId}-${cseq.replace(' ', '')}\r\nFrom: <sip:a@x.example>;tag=f-${callId}\r\nTo: <sip:b@x.example>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n${cl}\r\n${body}`;
};

/**
 * TCP streams the pass takes (handshake, pure ACKs, keep-alives, two messages in a segment, a
 * mid-stream start) and the cases it leaves to the JavaScript reassembly (a message across segments,
 * a retransmission, out of order, a VLAN-tagged segment, FIN with data, no Content-Length, not SIP, a
 * snap-length cut, a message left incomplete at the end), mixed, with UDP around them.
 */
function tcpCases(): Uint8Array {
  const f: { bytes: Uint8Array; snap?: number }[] = [];
  const tcp = new TcpSegments();
  const seg = (
    a: number,
    ap: number,
    b: number,
    bp: number,
    payload: string,
    o: { flags?: number; seq?: number; vlan?: boolean; snap?: number; advance?: boolean } = {},
  ): void => {
    const { snap, ...rest } = o;
    f.push({ bytes: tcp.segment(a, ap, b, bp, payload, rest), snap });
  };
  const udp = (a: number, b: number, payload: string): void => {
    f.push({ bytes: ipFrame({ src: testIp(a), dst: testIp(b), sp: 5060, dp: 5060, payload }) });
  };
  const inv = (c: string): string =>
    sipMsg(`INVITE sip:b@10.9.0.2 SIP/2.0`, c, '1 INVITE', { body: 'v=0\r\no=- 1 1 IN IP4 10.9.0.1\r\n' });
  const ok = (c: string, code = '200 OK'): string => sipMsg(`SIP/2.0 ${code}`, c, '1 INVITE');
  for (let round = 0; round < 3; round++) {
    const p = 5000 + round * 10; // new connections each round
    // A: handshake, pure ACK, data, keep-alives, two messages in one segment, then a message across two segments
    seg(1, p, 2, 5060, '', { flags: 0x02 });
    seg(2, 5060, 1, p, '', { flags: 0x12 });
    seg(1, p, 2, 5060, '', { flags: 0x10 });
    udp(3, 4, inv(`u${round}`));
    seg(1, p, 2, 5060, inv(`a${round}`));
    seg(2, 5060, 1, p, '\r\n\r\n');
    seg(2, 5060, 1, p, ok(`a${round}`, '100 Trying') + ok(`a${round}`, '180 Ringing'));
    seg(2, 5060, 1, p, ok(`a${round}`));
    const split = sipMsg('ACK sip:b@10.9.0.2 SIP/2.0', `a${round}`, '1 ACK');
    seg(1, p, 2, 5060, split.slice(0, 40));
    udp(4, 3, ok(`u${round}`));
    seg(1, p, 2, 5060, split.slice(40));
    seg(1, p, 2, 5060, sipMsg('BYE sip:b@10.9.0.2 SIP/2.0', `a${round}`, '2 BYE'));
    // C: mid-stream start, then a retransmission, then more
    const opt = sipMsg('OPTIONS sip:b@10.9.0.2 SIP/2.0', `c${round}`, '1 OPTIONS');
    const cseq = 77_000 + round;
    seg(3, p + 1, 2, 5060, opt, { seq: cseq });
    seg(3, p + 1, 2, 5060, opt, { seq: cseq, advance: false });
    seg(3, p + 1, 2, 5060, sipMsg('OPTIONS sip:b@10.9.0.2 SIP/2.0', `c${round}`, '2 OPTIONS'));
    // D: a VLAN-tagged segment of a connection the pass holds, then plain ones
    seg(4, p + 2, 2, 5060, inv(`d${round}`));
    seg(4, p + 2, 2, 5060, sipMsg('CANCEL sip:b@10.9.0.2 SIP/2.0', `d${round}`, '1 CANCEL'), { vlan: true });
    seg(2, 5060, 4, p + 2, ok(`d${round}`, '487 Request Terminated'));
    seg(4, p + 2, 2, 5060, sipMsg('ACK sip:b@10.9.0.2 SIP/2.0', `d${round}`, '1 ACK'));
    // E: out of order (the second segment first)
    const e1 = inv(`e${round}`);
    const e2 = sipMsg('BYE sip:b@10.9.0.2 SIP/2.0', `e${round}`, '2 BYE');
    seg(5, p + 3, 2, 5060, sipMsg('INFO sip:b@10.9.0.2 SIP/2.0', `e${round}`, '3 INFO'));
    const base = tcp.next(5, p + 3, 2, 5060);
    seg(5, p + 3, 2, 5060, e2, { seq: base + e1.length, advance: false });
    seg(5, p + 3, 2, 5060, e1, { seq: base, advance: false });
    // F: not SIP on a SIP port; G: no Content-Length; H: FIN with data; I: a snap-length cut
    seg(6, p + 4, 2, 5060, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    seg(7, p + 5, 2, 5060, sipMsg('MESSAGE sip:b@10.9.0.2 SIP/2.0', `g${round}`, '1 MESSAGE', { cl: '' }));
    seg(8, p + 6, 2, 5060, inv(`h${round}`));
    seg(8, p + 6, 2, 5060, sipMsg('BYE sip:b@10.9.0.2 SIP/2.0', `h${round}`, '2 BYE'), { flags: 0x19 });
    seg(9, p + 7, 2, 5060, inv(`i${round}`), { snap: 100 });
    seg(9, p + 7, 2, 5060, inv(`i2${round}`));
    // L: after SIP, bytes that are not (the stream stays SIP: skipped as junk, not taken for HTTP)
    seg(12, p + 8, 2, 5060, inv(`l${round}`));
    seg(12, p + 8, 2, 5060, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    seg(12, p + 8, 2, 5060, inv(`l2${round}`));
  }
  // Left incomplete at the end, on a connection the pass held (J) and one it never did (K, later):
  // the end of capture flushes them in first-sight order.
  seg(10, 6000, 2, 5060, inv('j'));
  seg(11, 6001, 2, 5060, inv('k').slice(0, 50));
  seg(10, 6000, 2, 5060, inv('j2').slice(0, 60));
  return pcapOf(f).bytes;
}

describe.skipIf(!ingestPassAvailable())('ingest pass = the JavaScript pipeline', () => {
  it('on every classic pcap fixture, at three chunk sizes', async () => {
    const list = classic(FIXTURES);
    expect(list.length).toBeGreaterThan(5);
    let taken = 0;
    for (const f of list) taken += await check(f);
    expect(taken).toBeGreaterThan(3);
  });

  it.skipIf(!havePublic)('on every classic pcap public capture, at three chunk sizes', async () => {
    let taken = 0;
    for (const f of classic(PUBLIC_CAPTURES)) taken += await check(f);
    expect(taken).toBeGreaterThan(100);
  });

  it.skipIf(!havePublic)(
    'across full tables, big-endian, nanoseconds and a truncated end (generated from public captures)',
    async () => {
      const base = new Uint8Array(readFileSync(`${PUBLIC_CAPTURES}/ws__aaa.pcap`));
      const mixed = new Uint8Array(readFileSync(`${PUBLIC_CAPTURES}/heplify__sip_ipv4_tcp_retrans.pcap`));
      const files = [
        write('many-le.pcap', rewrite(base, { times: 60 })),
        write('many-be-ns.pcap', rewrite(base, { times: 60, bigEndian: true, ns: true })),
        write('tcp-many.pcap', rewrite(mixed, { times: 40 })),
        write('cut.pcap', rewrite(base, { times: 30, cut: 37 })),
      ];
      let taken = 0;
      for (const f of files) taken += await check(f, [undefined, 65536, 777]);
      // a table of 7 rows per call: runs of taken rows cut at every call
      const prev = setPassRowsPerCall(7);
      try {
        taken += await check(files[2]!, [undefined]);
      } finally {
        setPassRowsPerCall(prev);
      }
      // ws__aaa.pcap: 68 of its records are taken each time; the tables (2,048 rows) fill up.
      expect(taken).toBeGreaterThan(3 * 2048);
      const cut = await read(files[3]!, true);
      expect(JSON.stringify(cut.diagnostics)).toContain('capture-truncated');
    },
    120_000,
  );

  it('on TCP streams it takes and those it leaves to the JavaScript reassembly', async () => {
    const f = write('tcp-cases.pcap', tcpCases());
    const tcp0 = passCounters.tcp;
    await check(f, [undefined, 4096, 333]);
    // taken: SYN, SYN-ACK, ACK, INVITE, keep-alives, 100+180, 200, the openers of C, D, E, H...
    expect(passCounters.tcp - tcp0).toBeGreaterThan(40);
    const r = await read(f, true);
    const codes = JSON.stringify(r.diagnostics);
    expect(codes).toContain('non-sip-on-sip-port');
    expect(codes).toContain('sip-stream-resync');
    expect(JSON.stringify(r.stats)).toContain('"tcpRetransmissions":3');
    // 7 rows per call: a segment's messages cut at a call's end
    const prev = setPassRowsPerCall(7);
    try {
      await check(f, [undefined]);
    } finally {
      setPassRowsPerCall(prev);
    }
  });

  it('the benchmark generator writes about the size asked, one 8 MB block or less too', async () => {
    const { generate } = await import('../../../bench/tools/gen-sip-capture');
    for (const mb of [1, 8]) {
      const f = join(tmp, `gen-${mb}.pcap`);
      const r = generate(f, mb);
      // (before: no call at all for a target of one block or less)
      expect(r.messages, `${mb} MB`).toBeGreaterThan(1000);
      expect(r.bytes).toBe(readFileSync(f).length);
      expect(r.bytes).toBeGreaterThanOrEqual(mb * 1024 * 1024);
      expect(r.bytes).toBeLessThan(mb * 1024 * 1024 * 1.5);
    }
  });

  it("on the benchmark generator's capture (10% of legs over TCP, two messages in some segments)", async () => {
    const { generate } = await import('../../../bench/tools/gen-sip-capture');
    const f = join(tmp, 'gen.pcap');
    generate(f, 9);
    const tcp0 = passCounters.tcp;
    await check(f, [undefined, 50_000]);
    expect(passCounters.tcp - tcp0).toBeGreaterThan(1000);
    // and cut in two: with the pass, the tail part also decodes TCP (speculatively: the head checks
    // its connections continue those it holds at the cut), without it the head decodes the TCP frames
    // handed over. (Ids of a two-part ingest follow the merge, not one pass: compared by what they name.)
    const { planSplit } = await import('../../../src/sip-core/trace/ingest-file.node.js');
    for (const near of [0.3, 0.55]) {
      const at = planSplit(f, { minBytes: 1, near: Math.floor(readFileSync(f).length * near) })!;
      expect(at).toBeGreaterThan(24);
      const states: TraceState[] = [];
      const json: unknown[] = [];
      for (const on of [false, true]) {
        setIngestPass(on);
        const before = passCounters.tcp;
        const r = await ingestSplitInThread(f, at, { parse: false });
        expect(r.merged).toBe(true);
        if (on) expect(passCounters.tcp - before).toBeGreaterThan(100);
        json.push(toTraceJson(r.trace).messages);
        states.push(r.trace.exportState());
        r.trace.close();
      }
      const [x, y] = states as [TraceState, TraceState];
      expect(y.count).toBe(x.count);
      const ids = new Set(['src', 'dst', 'callId', 'method', 'codes']);
      for (const k of Object.keys(x.columns))
        if (!ids.has(k)) expect([...y.columns[k]!], `${k} cut at ${at}`).toEqual([...x.columns[k]!]);
      const name = (s: TraceState, col: 'src' | 'dst') => [...s.columns[col]!].map((id) => s.addresses[id]);
      expect(name(y, 'src')).toEqual(name(x, 'src'));
      expect(name(y, 'dst')).toEqual(name(x, 'dst'));
      expect(json[1]).toEqual(json[0]);
      expect(y.callIds.count).toBe(x.callIds.count);
    }
  }, 60_000);

  it.skipIf(!havePublic)('a two-part ingest with the pass equals one pass without it', async () => {
    const f = write(
      'split.pcap',
      rewrite(new Uint8Array(readFileSync(`${PUBLIC_CAPTURES}/ws__aaa.pcap`)), { times: 80 }),
    );
    const off = await read(f, false);
    setIngestPass(true);
    const size = readFileSync(f).length;
    const { findPcapSplit } = await import('../../../src/sip-core/capture/reader/split');
    const bytes = new Uint8Array(readFileSync(f));
    const at = findPcapSplit(
      bytes.subarray(0, 24),
      bytes.subarray(Math.floor(size / 2)),
      Math.floor(size / 2),
      size,
    );
    expect(at).toBeGreaterThan(24);
    const before = passCounters.taken;
    const r = await ingestSplitInThread(f, at, { parse: false });
    expect(r.merged).toBe(true);
    expect(passCounters.taken - before).toBeGreaterThan(1000);
    const state = r.trace.exportState();
    r.trace.close();
    for (const k of Object.keys(off.state.columns)) {
      expect([...state.columns[k]!], k).toEqual([...off.state.columns[k]!]);
    }
    expect(state.callIds.count).toBe(off.state.callIds.count);
  });
});

describe('ingest-pass-wasm.ts', () => {
  it('equals the output of tools/wasm/build-ingest-pass.js on tools/wasm/ingest-pass.as', () => {
    const r = spawnSync(process.execPath, [`${REPO}/tools/wasm/build-ingest-pass.js`, '--check'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toContain('ingest-pass-wasm.ts is up to date');
    expect(r.status).toBe(0);
  }, 180_000);
});
