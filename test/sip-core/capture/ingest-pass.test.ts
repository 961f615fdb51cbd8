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
import { FIXTURES, havePublic, PUBLIC_CAPTURES } from './tshark-compare';

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
