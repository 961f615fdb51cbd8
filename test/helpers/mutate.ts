/**
 * The fuzz tests' one mutator: seeded, deterministic damage to a byte string (bit flips, bytes set to
 * edge values, truncation, deletion, splices from itself or from a donor, a block repeated, a length
 * field set to its largest value or zero, tokens inserted), and a runner that feeds the mutants of a
 * corpus to a surface and fails naming the seed, the case and the input when it throws or is slow.
 *
 * Replay one case: `FUZZ_ONLY=<case> npx vitest run <file>` (the failure message gives the case and
 * writes the input to a file); `FUZZ_VERBOSE=1` writes each case to $TMPDIR/sipscope-fuzz-current.txt
 * before running it, which names the input of a hang the test timeout cut or of a crash of the process. `FUZZ_SCALE=20` runs twenty times as many cases (new
 * seeds after the usual ones), for a longer hunt by hand.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** mulberry32: a small seeded generator; `next(n)` is an integer in [0, n). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  float(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  next(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next(xs.length)]!;
  }
}

const EDGE = [0x00, 0xff, 0x7f, 0x80, 0x0d, 0x0a, 0x20, 0x01, 0xfe];

/** The characters and runs SIP's grammar splits on (the message fuzz's insertions). */
export const SIP_SEPARATORS = [
  '\r\n',
  '\n',
  '\r',
  ' ',
  ',',
  ';',
  '"',
  '<',
  '>',
  ':',
  '\\',
  '[',
  ']',
  '\r\n ',
  '\0',
  '%',
  '=',
  'SIP/2.0 ',
];

/** Text that parsers split on or count with; inserted as whole tokens. */
export const SIP_TOKENS = [
  ...SIP_SEPARATORS,
  '\r\n\r\n',
  '\t',
  '4294967296',
  '-1',
  '99999999999999999999',
  'Content-Length: 999999\r\n',
  '--boundary\r\n',
  'm=audio 0 RTP/AVP 0\r\n',
  '{',
  '}',
  '(',
  ')',
  '$',
  '#',
  '\u00e9',
  '\ud800',
];

export interface MutateOptions {
  /** Bytes before this offset are kept (a file header the test wants to pass). */
  from?: number;
  /** At most this many operations (default 4). */
  maxOps?: number;
  /** Other inputs to splice pieces of. */
  donors?: readonly Uint8Array[];
  /** Tokens to insert (default SIP_TOKENS). */
  tokens?: readonly string[];
  /** Largest mutant; a repeat stops growing past it (default 4 MB). */
  maxBytes?: number;
}

const enc = new TextEncoder();

/** One mutant of `src`: `ops` says what was done, for the failure message. */
export function mutate(
  src: Uint8Array,
  seed: number,
  o: MutateOptions = {},
): { bytes: Uint8Array; ops: string[] } {
  const r = new Rng(seed);
  const from = Math.min(o.from ?? 0, src.length);
  const maxBytes = o.maxBytes ?? 4 << 20;
  let b = src;
  const ops: string[] = [];
  const n = 1 + r.next(o.maxOps ?? 4);
  const at = (extra = 0): number => from + r.next(Math.max(0, b.length - from) + extra);
  for (let i = 0; i < n; i++) {
    const kind = r.next(10);
    if (kind === 0 && b.length > from) {
      const p = at();
      const bit = r.next(8);
      b = b.slice();
      b[p] = b[p]! ^ (1 << bit);
      ops.push(`flip ${p}.${bit}`);
    } else if (kind === 1 && b.length > from) {
      const p = at();
      const v = r.next(3) === 0 ? r.next(256) : r.pick(EDGE);
      b = b.slice();
      b[p] = v;
      ops.push(`set ${p}=${v}`);
    } else if (kind === 2) {
      const p = at(1);
      b = b.slice(0, p);
      ops.push(`truncate ${p}`);
    } else if (kind === 3 && b.length > from) {
      const p = at();
      const len = 1 + r.next(r.next(4) === 0 ? 400 : 16);
      b = concat(b.subarray(0, p), b.subarray(p + len));
      ops.push(`delete ${p}+${len}`);
    } else if (kind === 4) {
      // A splice: a piece of this input or of a donor, inserted or written over.
      const donor = o.donors?.length && r.next(2) ? r.pick(o.donors) : b;
      if (!donor.length) continue;
      const s = r.next(donor.length);
      const piece = donor.slice(s, s + 1 + r.next(200));
      const p = at(1);
      b = r.next(2) ? concat(b.subarray(0, p), piece, b.subarray(p)) : overwrite(b, p, piece);
      ops.push(`splice ${piece.length}@${p}`);
    } else if (kind === 5 && b.length > from) {
      // A block repeated: a header, a record, a chunk, over and over.
      const p = at();
      const len = 1 + r.next(Math.min(512, b.length - p));
      const times = 2 + r.next(r.next(4) === 0 ? 2000 : 8);
      const block = b.subarray(p, p + len);
      const reps = Math.max(
        1,
        Math.min(times, Math.floor((maxBytes - b.length) / Math.max(1, block.length))),
      );
      const parts: Uint8Array[] = [b.subarray(0, p)];
      for (let k = 0; k < reps; k++) parts.push(block);
      parts.push(b.subarray(p));
      b = concat(...parts);
      ops.push(`repeat ${len}@${p}x${reps}`);
    } else if ((kind === 6 || kind === 7) && b.length > from) {
      // A length field (2 or 4 bytes, either byte order) set to its largest value, 0, or just off.
      const p = at();
      const w = r.next(2) ? 2 : 4;
      const v = r.pick([0xffffffff, 0, 0x7fffffff, 0x80000000, 1, 0xfffe, 0x10000, 0xffff]);
      b = b.slice();
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const le = r.next(2) === 0;
      if (p + w <= b.length) {
        if (w === 2) dv.setUint16(p, v & 0xffff, le);
        else dv.setUint32(p, v >>> 0, le);
      }
      ops.push(`len${w * 8}${le ? 'le' : 'be'} ${p}=${v >>> 0}`);
    } else if (kind === 8) {
      const t = r.pick(o.tokens ?? SIP_TOKENS);
      const p = at(1);
      b = concat(b.subarray(0, p), enc.encode(t), b.subarray(p));
      ops.push(`insert ${JSON.stringify(t)}@${p}`);
    } else if (kind === 9 && b.length > from) {
      // A run of random bytes written over.
      const p = at();
      const len = 1 + r.next(64);
      const piece = new Uint8Array(len);
      for (let k = 0; k < len; k++) piece[k] = r.next(256);
      b = overwrite(b, p, piece);
      ops.push(`random ${len}@${p}`);
    }
  }
  return { bytes: b, ops };
}

/** A mutant of a text (its UTF-8 bytes mutated, read back leniently). */
export function mutateText(
  src: string,
  seed: number,
  o: MutateOptions = {},
): { text: string; ops: string[] } {
  const m = mutate(enc.encode(src), seed, o);
  return { text: new TextDecoder().decode(m.bytes), ops: m.ops };
}

/** The parts joined, as a plain Uint8Array (`slice` copies; every operation copies before it writes). */
function concat(...parts: Uint8Array[]): Uint8Array {
  const b = Buffer.concat(parts);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function overwrite(b: Uint8Array, p: number, piece: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(b.length, p + piece.length));
  out.set(b);
  out.set(piece, p);
  return out;
}

export interface FuzzCase<T> {
  /** Case number: the seed is `seed + case`. */
  index: number;
  seed: number;
  /** Which corpus entry. */
  name: string;
  input: T;
  ops: string[];
}

export interface FuzzOptions {
  /** Base seed; case i uses seed + i. */
  seed: number;
  count: number;
  /** A case slower than this fails as a hang (ms; default 2000). */
  slowMs?: number;
  /** Stop after this many failures (default 3). */
  maxFailures?: number;
}

/**
 * Runs `check` on `count` seeded mutants of the corpus (`make(seed)` builds one) and throws one error
 * naming every failure (seed, case, corpus entry, operations, and a file with the input). Async checks
 * are awaited.
 */
export async function fuzz<T>(
  surface: string,
  make: (seed: number, index: number) => { name: string; input: T; ops: string[] },
  check: (input: T, c: FuzzCase<T>) => void | Promise<void>,
  o: FuzzOptions,
): Promise<number> {
  const only = process.env.FUZZ_ONLY ? Number(process.env.FUZZ_ONLY) : null;
  const verbose = !!process.env.FUZZ_VERBOSE;
  const failures: string[] = [];
  let ran = 0;
  const count = Math.round(o.count * Number(process.env.FUZZ_SCALE ?? 1));
  for (let i = 0; i < count; i++) {
    if (only !== null && i !== only) continue;
    const seed = (o.seed + i) >>> 0;
    const m = make(seed, i);
    const c: FuzzCase<T> = { index: i, seed, name: m.name, input: m.input, ops: m.ops };
    if (verbose) {
      // Written before the case runs (console output is buffered: a crash of the process would lose it).
      const line = `[fuzz ${surface}] case ${i} seed ${seed} ${m.name}: ${m.ops.join(', ')}\n`;
      writeFileSync(join(process.env.SIPSCOPE_TEST_TMP_BASE ?? tmpdir(), 'sipscope-fuzz-current.txt'), line);
    }
    const t0 = performance.now();
    let err: unknown = null;
    try {
      await check(m.input, c);
    } catch (e) {
      err = e;
    }
    const ms = performance.now() - t0;
    ran++;
    if (err === null && ms <= (o.slowMs ?? 2000)) continue;
    // Kept for the replay: in the machine's temporary directory, not the test file's (removed after it).
    const file = join(
      process.env.SIPSCOPE_TEST_TMP_BASE ?? tmpdir(),
      `sipscope-fuzz-${surface.replace(/\W+/g, '-')}-${i}.bin`,
    );
    const data = m.input instanceof Uint8Array ? m.input : show(m.input);
    writeFileSync(file, data);
    const what =
      err === null
        ? `took ${ms.toFixed(0)} ms (limit ${o.slowMs ?? 2000})`
        : `threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    const shown =
      m.input instanceof Uint8Array
        ? `${m.input.length} bytes, base64 ${Buffer.from(m.input.subarray(0, 512)).toString('base64')}${m.input.length > 512 ? '…' : ''}`
        : show(m.input).slice(0, 512);
    failures.push(
      `${surface}: case ${i} (seed ${seed}, FUZZ_ONLY=${i}) of ${m.name} [${m.ops.join(', ')}] ${what}\n  input: ${shown}\n  written to ${file}`,
    );
    if (failures.length >= (o.maxFailures ?? 3)) break;
  }
  if (failures.length) throw new Error(failures.join('\n'));
  return ran;
}

/** A case's input as text: strings quoted, objects as JSON with byte arrays in hex. */
function show(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}
