/**
 * Fuzz: damaged captures never crash, hang or blow up the ingest and the analysis behind it. Every
 * capture fixture of the project (pcap µs/ns, both byte orders, pcapng with several sections, gzip,
 * NetMon 2.0-2.3, Ethernet/802.1Q/QinQ/SLL2, IPv4 fragments, IPv6 extension headers, TCP
 * segmentation and gaps, WebSocket, HEP, TLS with keys) and the small public captures, mutated with
 * test/helpers/mutate.ts (seeded): read whole (as an upload), pushed in small chunks, and through the
 * file reader; then the trace JSON, the text table, the media and DTMF tables, the first calls'
 * ladders in every format and the calls CSV. What is read stays inside the file: each message's
 * frame number is one the file can have, each diagnostic's byte offset is inside the file.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fuzz, mutate, Rng } from '../../helpers/mutate';
import { ipFrame, netmonOf, pcapOf, testIp } from '../../helpers/frames';
import { hep3 } from '../../main/live/hep-encode';
import { MAX_INFLATED } from '../../../src/sip-core/capture/unwrap/hep';
import { ingestCaptureFile } from '../../../src/sip-core/trace/ingest-file.node';
import {
  ingestBytes,
  TraceIngest,
  type IngestOptions,
  type IngestResult,
} from '../../../src/sip-core/trace/trace-builder';
import { toTraceJson } from '../../../src/sip-core/trace/trace-json';
import { mediaJson } from '../../../src/sip-core/media/media-json';
import { traceDtmf } from '../../../src/sip-core/media/dtmf';
import { writeText } from '../../../src/main/cli/commands/analyze';
import { openCapture, openCaptureBytes } from '../../../src/main/ingest';
import { nodeTlsCrypto } from '../../../src/sip-core/capture/tls/crypto.node';
import { gunzipBytes, zlibInflate } from '../../../src/sip-core/capture/reader/file-source.node';
import { TlsKeyLog } from '../../../src/sip-core/capture/tls/keylog';
import { isoMicros } from '../../../src/sip-core/trace/time-notices';
import {
  analysisOnAppend,
  analyzeTrace,
  callsCsv,
  LADDER_FORMATS,
  ladderModel,
  renderLadder,
  TraceAnalyzer,
} from '../../../src/sip-core/analysis';

const FIX = resolve(__dirname, '../../fixtures');
const PUBLIC = '/work/shared/captures/public';

function fixtureCorpus(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const dir of ['capture', 'tls', 'analysis/sipp']) {
    for (const f of readdirSync(`${FIX}/${dir}`).sort()) {
      if (!/\.(pcap|pcapng|gz)$/.test(f)) continue;
      out.push({ name: `${dir}/${f}`, bytes: new Uint8Array(readFileSync(`${FIX}/${dir}/${f}`)) });
    }
  }
  // NetMon 2.0-2.3 (no fixture file: built as netmon.test.ts builds them).
  const sip = (n: number): string =>
    `OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.0.1;branch=z9hG4bK${n}\r\nCall-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\n` +
    `From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nContent-Length: 0\r\n\r\n`;
  const frames = [1, 2, 3].map((n) =>
    ipFrame({ src: testIp(1), dst: testIp(2), sp: 5060, dp: 5060, payload: sip(n) }),
  );
  for (const minor of [0, 1, 2, 3])
    out.push({
      name: `netmon 2.${minor}`,
      bytes: netmonOf(frames, { minor, gap: minor === 2 ? 7 : 0 }).bytes,
    });
  return out;
}

function keylog(): TlsKeyLog {
  const k = new TlsKeyLog();
  for (const f of readdirSync(`${FIX}/tls`).sort())
    if (f.endsWith('.keys')) k.add(readFileSync(`${FIX}/tls/${f}`, 'utf8'));
  return k;
}

const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(b));

/** Options for every read: TLS with the fixtures' keys, HEP inflated. */
const base = { lint: true, tlsCrypto: nodeTlsCrypto, keylog: keylog(), inflate: zlibInflate };

/** An upload read as the app's ingest worker reads it: a gzip'd one decompressed as a stream first. */
async function ingestUpload(b: Uint8Array, o: Partial<IngestOptions> = {}): Promise<IngestResult> {
  const gz = b[0] === 0x1f && b[1] === 0x8b ? await gunzipBytes(b) : null;
  return ingestBytes(b, 'fuzz.pcap', { ...base, ...o, ...(gz ? { gunzip: () => gz } : {}) });
}

/** Everything a user can ask of the trace: the JSON, the text table, media and DTMF. */
async function exercise(r: IngestResult, size: number): Promise<void> {
  const j = toTraceJson(r.trace);
  // Frame numbers count every block as tshark does (a pcapng custom block too): at most one per 12 bytes.
  for (const m of j.messages) {
    expect(m.frame).toBeGreaterThanOrEqual(1);
    expect(m.frame).toBeLessThanOrEqual(size / 12 + 1);
  }
  for (const d of r.diagnostics) {
    const off = /byte offset (\d+)/.exec(d.message ?? '');
    if (off) expect(Number(off[1])).toBeLessThanOrEqual(size);
  }
  JSON.stringify(j);
  let out = 0;
  await writeText(r.trace, { write: (s) => void (out += s.length) });
  expect(out).toBeGreaterThan(0);
  mediaJson(r.trace);
  traceDtmf(r.trace);
  // The first calls' ladders in every format, and the calls table's CSV.
  const an = r.trace.analysis;
  if (an instanceof TraceAnalyzer) {
    const calls = an.calls();
    callsCsv(calls);
    for (const c of calls.slice(0, 3)) {
      const m = ladderModel(an, c.id);
      if (m) for (const f of LADDER_FORMATS) renderLadder(m, f);
    }
  }
}

describe('fuzz: damaged captures', () => {
  const corpus = fixtureCorpus();

  it(`${corpus.length} captures, 1,500 mutants read whole: never throw, stay in the file (seed 0xCAF0)`, async () => {
    await fuzz(
      'capture',
      (seed, i) => {
        const c = corpus[i % corpus.length]!;
        // A gzip'd capture is damaged after it is inflated (else it just fails to inflate).
        const src = c.name.endsWith('.gz') ? gunzip(c.bytes) : c.bytes;
        const m = mutate(src, seed, {
          from: i % 3 === 0 ? 0 : 24,
          donors: [corpus[(i * 7) % corpus.length]!.bytes],
        });
        return { name: c.name, input: m.bytes, ops: m.ops };
      },
      async (b) => {
        const r = await ingestUpload(b, { onAppend: analysisOnAppend() });
        await exercise(r, b.length);
      },
      { seed: 0xcaf0, count: 1500 },
    );
  }, 60_000);

  it('600 mutants pushed in random-sized chunks read as they do whole (seed 0xC4C4)', async () => {
    await fuzz(
      'capture-chunks',
      (seed, i) => {
        const c = corpus[i % corpus.length]!;
        const src = c.name.endsWith('.gz') ? gunzip(c.bytes) : c.bytes;
        const m = mutate(src, seed, { from: 24 });
        return { name: c.name, input: m.bytes, ops: m.ops };
      },
      async (b, c) => {
        const whole = await ingestUpload(b);
        const ing = new TraceIngest({
          name: 'fuzz.pcap',
          size: b.length,
          readAt: (o, n) => b.subarray(o, o + n),
          ...base,
        });
        const r = new Rng(c.seed);
        for (let at = 0; at < b.length;) {
          const n = 1 + r.next(r.next(2) ? 64 : 4096);
          ing.push(b.subarray(at, at + n), at + n >= b.length);
          at += n;
        }
        if (b.length === 0) ing.push(b, true);
        const parts = ing.finish();
        expect(parts.trace.count).toBe(whole.trace.count);
        await exercise(parts, b.length);
      },
      { seed: 0xc4c4, count: 600 },
    );
  }, 60_000);

  const pub = existsSync(PUBLIC)
    ? readdirSync(PUBLIC)
        .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
        .sort()
        .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(`${PUBLIC}/${f}`)) }))
        .filter((c) => c.bytes.length <= 130_000)
    : [];
  it.skipIf(pub.length === 0)(
    `the small public captures, 400 mutants (seed 0x9B11)`,
    async () => {
      await fuzz(
        'capture-public',
        (seed, i) => {
          const c = pub[i % pub.length]!;
          const m = mutate(c.bytes, seed, { from: 24 });
          return { name: c.name, input: m.bytes, ops: m.ops };
        },
        async (b) => {
          const r = await ingestUpload(b, { onAppend: analysisOnAppend() });
          await exercise(r, b.length);
        },
        { seed: 0x9b11, count: 400 },
      );
    },
    60_000,
  );
});

describe('found by the fuzz', () => {
  it('a pcapng packet whose timestamp high word is damaged (multi-section.pcapng, bytes 107-108 = fe ff; found with seed 0xCAF0): the text table gives its raw seconds, no RangeError', async () => {
    const b = new Uint8Array(readFileSync(`${FIX}/capture/multi-section.pcapng`));
    b[107] = 0xfe;
    b[108] = 0xff;
    const r = ingestBytes(b, 'damaged.pcapng', { onAppend: analysisOnAppend() });
    expect(r.trace.timeUs(0)).toBeGreaterThan(8.64e18); // past Date's range
    let out = '';
    await writeText(r.trace, { write: (s) => void (out += s) });
    expect(out).toContain(' 18304328885634 s ');
    expect(out).toContain('2023-11-14T22:13:20.000200Z');
    expect(callsCsv(analyzeTrace(r.trace).calls())).toContain('18304328885634 s');
  });

  it('isoMicros: µs exact, before 1970, past 9999, out of range, not finite', () => {
    expect(isoMicros(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(isoMicros(1_700_000_000_123_456, 'time')).toBe('22:13:20.123456');
    expect(isoMicros(1_700_000_000_123_456, 'day')).toBe('2023-11-14');
    expect(isoMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
    // Past 2^53 µs (the year 2255) a double has no µs left; the year 10000 is written as Date does.
    expect(isoMicros(253_402_300_800_000_000)).toBe('+010000-01-01T00:00:00.000000Z');
    expect(isoMicros(253_402_300_801_000_000, 'time')).toBe('00:00:01.000000');
    expect(isoMicros(1e20)).toBe('100000000000000 s');
    expect(isoMicros(Number.NaN)).toBe('NaN s');
  });
});

describe('bounded by design', () => {
  /** Ten frames of a HEP3 packet whose payload chunk (16) is `size` bytes of SIP text, compressed. */
  const inflating = (size: number): Uint8Array => {
    const text = 'MESSAGE sip:b@b SIP/2.0\r\nCall-ID: bomb\r\nX: ';
    const hep = hep3({
      src: '192.0.2.1',
      dst: '192.0.2.2',
      srcPort: 5060,
      dstPort: 5062,
      timeUs: 1_700_000_000_000_000,
      payload: text + 'a'.repeat(size - text.length),
      compress: true,
    });
    const payload = Buffer.from(hep).toString('latin1');
    const frame = { bytes: ipFrame({ src: 0x0a000801, dst: 0x0a000809, sp: 9060, dp: 9060, payload }) };
    return pcapOf(Array.from({ length: 10 }, () => frame)).bytes;
  };

  it('a HEP compressed payload that inflates past 1 MiB (ten 8 KiB chunks of 8 MiB each) is not inflated: hep-inflate-failed says why', () => {
    const b = inflating(8 << 20);
    expect(b.length).toBeLessThan(100_000);
    const r = ingestBytes(b, 'hep-bomb.pcap', { inflate: zlibInflate });
    expect(r.trace.count).toBe(0);
    expect(r.diagnostics.filter((d) => d.code === 'hep-inflate-failed').length).toBeGreaterThan(0);
    expect(r.diagnostics[0]!.message).toContain('or more than 1 MiB inflated');
    // Just under the bound: read.
    expect(
      ingestBytes(inflating(MAX_INFLATED - 1000), 'hep-big.pcap', { inflate: zlibInflate }).trace.count,
    ).toBe(10);
  });
});

describe('fuzz: damaged capture files through the file ingest (the CLI and the app)', () => {
  const corpus = fixtureCorpus();
  it('300 mutants written to a file and read by ingestCaptureFile: never throw, read what ingestBytes reads (seed 0xF11E)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-fuzz-files-'));
    try {
      await fuzz(
        'capture-file',
        (seed, i) => {
          const c = corpus[i % corpus.length]!;
          const m = mutate(c.bytes, seed, { from: c.name.endsWith('.gz') ? 0 : 24 });
          return { name: c.name, input: m.bytes, ops: m.ops };
        },
        async (b, c) => {
          const path = join(dir, `case-${c.index}${c.name.endsWith('.gz') ? '.pcap.gz' : ''}`);
          writeFileSync(path, b);
          const r = await ingestCaptureFile(path, {
            lint: true,
            keylog: base.keylog,
            onAppend: analysisOnAppend(),
            chunkSize: 4096,
          });
          try {
            const whole = await ingestUpload(b);
            expect(r.trace.count).toBe(whole.trace.count);
            await exercise(r, b.length);
          } finally {
            r.file.close();
            rmSync(path);
          }
        },
        { seed: 0xf11e, count: 300 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('found by the fuzz: uploads', () => {
  it('a gzip upload damaged halfway (sipp-udp.pcap.gz cut at 600 of 932 bytes; found with seed 0xF11E): the messages before the damage and gzip-corrupt, as a file gives — was nothing but capture-compressed', async () => {
    const gz = new Uint8Array(readFileSync(`${FIX}/capture/sipp-udp.pcap.gz`));
    const cut = gz.slice(0, 600);
    const opened = await openCaptureBytes(cut, 'cut.pcap.gz', { keylog: null });
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-gz-'));
    try {
      writeFileSync(join(dir, 'cut.pcap.gz'), cut);
      const file = await ingestCaptureFile(join(dir, 'cut.pcap.gz'), { keylog: null });
      file.file.close();
      expect(opened.trace.count).toBeGreaterThan(0);
      expect(opened.trace.count).toBe(file.trace.count);
      const d = opened.diagnostics.find((x) => x.code === 'gzip-corrupt');
      expect(d?.message).toMatch(
        /^the gzip stream is damaged after \d+ decompressed bytes: unexpected end of file$/,
      );
      expect(opened.diagnostics.map((x) => x.code)).not.toContain('capture-compressed');
    } finally {
      opened.trace.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('found by the review: a gzip bomb upload', () => {
  it('an upload that decompresses past the bound is read up to it and says so (review: no bound, a few MB of gzip could take the ingest worker past memory)', async () => {
    // A classic pcap of the fixture, then 64 MiB of zeros: 64 KiB of gzip.
    const pcap = new Uint8Array(gunzipSync(readFileSync(`${FIX}/capture/sipp-udp.pcap.gz`)));
    const gz = new Uint8Array(gzipSync(Buffer.concat([pcap, Buffer.alloc(64 * 1024 * 1024)])));
    expect(gz.length).toBeLessThan(128 * 1024);
    const g = await gunzipBytes(gz, 1024 * 1024);
    expect(g.data.length).toBe(1024 * 1024);
    expect(g.tooLarge).toBe(true);
    expect(Buffer.from(g.data.subarray(0, pcap.length)).equals(Buffer.from(pcap))).toBe(true);
    const r = ingestBytes(gz, 'bomb.pcap.gz', { keylog: null, gunzip: () => g });
    const d = r.diagnostics.find((x) => x.code === 'gzip-corrupt');
    expect(d?.message).toBe(
      'the gzip stream decompresses to more than 1048576 bytes, more than can be held in memory: read up to there',
    );
    expect(r.trace.count).toBeGreaterThan(0);
    // Whole and within the bound: no diagnostic.
    const whole = await gunzipBytes(new Uint8Array(gzipSync(pcap)), 1024 * 1024);
    expect(whole).toEqual({ data: new Uint8Array(pcap), error: null });
  });
});

describe('fuzz: damaged classic pcap files cut in two (the two-worker ingest)', () => {
  const pcaps = fixtureCorpus().filter(
    (c) => c.bytes.length > 200 && [0xd4, 0xa1, 0x4d].includes(c.bytes[0]!),
  );
  it(`${pcaps.length} classic pcaps, 12 mutants opened by two workers (0.8 s each: worker start-up): the same messages as one reader (seed 0x2C07)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipscope-fuzz-split-'));
    try {
      await fuzz(
        'capture-split',
        (seed, i) => {
          const c = pcaps[i % pcaps.length]!;
          const m = mutate(c.bytes, seed, { from: 24, maxOps: 3 });
          return { name: c.name, input: m.bytes, ops: m.ops };
        },
        async (b, c) => {
          const path = join(dir, `split-${c.index}.pcap`);
          writeFileSync(path, b);
          try {
            const one = await ingestCaptureFile(path, { keylog: null });
            one.file.close();
            const two = await openCapture(path, { workers: 2, splitMinBytes: 1, keylog: null, parse: false });
            try {
              expect(two.trace.count).toBe(one.trace.count);
              for (let id = 0; id < one.trace.count; id++)
                expect(two.trace.frame(id)).toBe(one.trace.frame(id));
            } finally {
              two.trace.close();
            }
          } finally {
            rmSync(path);
          }
        },
        { seed: 0x2c07, count: 12, slowMs: 20_000 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
