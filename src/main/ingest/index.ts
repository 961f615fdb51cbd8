/**
 * Opening captures off the main thread: `openCapture(path)` runs the ingest in a worker thread with
 * progress and cancellation; `openCaptureBytes(bytes, name)` does the same for uploads.
 * @remarks Worker entry: from TypeScript sources (tsx, vitest) the worker is `./worker.ts` started
 * with `--import tsx`; in a bundle it is `ingest-worker.js` next to the bundled module (add
 * `src/main/ingest/worker.ts` as an `ingest-worker` entry to the main build).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Diagnostic } from '../../sip-core/diagnostic';
import type { IngestStats } from '../../sip-core/capture/pipeline';
import { CaptureFile } from '../../sip-core/capture/reader/file-source.node.js';
import { Trace } from '../../sip-core/trace/trace';
import { planSplit } from '../../sip-core/trace/ingest-file.node.js';
import type { ReadAt } from '../../sip-core/trace/raw-store';
import { setFactsAhead } from '../../sip-core/analysis/facts-ahead';
import { setChecksAhead } from '../../sip-core/trace/checks-ahead';
import type { IngestJob, IngestReply } from './protocol';
import { defaultKeylogText } from '../../sip-core/capture/tls/keylog-file.node.js';

/** The key log a worker decrypts TLS with: the caller's, else the process's (`--keylog`, SSLKEYLOGFILE). */
function keylogText(opts: OpenOptions): string | null {
  return opts.keylog !== undefined ? opts.keylog : defaultKeylogText();
}

export interface OpenOptions {
  /**
   * A TLS key log's text (SSLKEYLOGFILE format) to decrypt SIP over TLS with; default the process's
   * (`--keylog`, SSLKEYLOGFILE); null = none. A pcapng file's own secrets are read anyway.
   */
  keylog?: string | null;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Parse every message in the worker (default true: counts parser diagnostics) or index only. */
  parse?: boolean;
  /** 2: cut a classic pcap file in two and ingest the parts in two workers (default 1). */
  workers?: number;
  /**
   * A growing trace: called once, as soon as the worker has read its first messages (or at the end
   * when there are none), with the trace the promise later resolves with. While the worker reads,
   * the messages arrive in parts (after the first chunk, then every ~50 ms) and the trace's append
   * listeners (`onAppend`, `onAppendBytes`, registered in this callback) are called for each one, in
   * order; `source`, file diagnostics and counts are filled in at the end. Uses one worker
   * (`workers` is ignored).
   */
  onTrace?: (trace: Trace) => void;
  /**
   * With `onTrace`: called after each part was appended to the growing trace (no bytes read, unlike
   * the append listeners): a follower that reads only the trace's columns (the analysis' tier 1)
   * catches up here, on this thread, while the worker reads on.
   */
  onRows?: (trace: Trace) => void;
  /** Smallest file cut in two (default SPLIT_MIN_BYTES). */
  splitMinBytes?: number;
  /**
   * The worker script, when this module runs from a bundle that has no `ingest-worker.js` beside it
   * (a benchmark bundle uses the app's `out/main/ingest-worker.js`). Default: found as described above.
   */
  workerEntry?: string | URL;
  /**
   * With `onTrace`: after its read, the worker computes the analysis facts tier 2 reads from every
   * message into a shared column (analysis/facts-ahead.ts), while tier 2 runs here. Default on
   * (`SIPSCOPE_FACTS_AHEAD=0` turns it off, `=slow` pauses the worker 2 ms before each region, for A/B runs
   * of the app); `false` off; `{ slowMs }` pauses (tests). Tier 2's output is the same every way.
   */
  factsAhead?: boolean | { slowMs: number };
  /**
   * With `onTrace`: after its read (and the facts ahead), the worker computes the message checks
   * (parser + lint codes of every message) into a shared column (trace/checks-ahead.ts) once
   * `startChecksAhead` is called (the app's adapter calls it when tier 2 starts), for the checks pass
   * that runs here after tier 2. Default on (`SIPSCOPE_CHECKS_AHEAD=0` turns it off, `=slow` pauses the
   * worker 2 ms before each region, `=nice` runs it at nice 19: A/B runs); `false` off; `{ slowMs }`
   * pauses (tests). The codes are the same every way.
   */
  checksAhead?: boolean | { slowMs: number };
  /**
   * With `onTrace`: work for the turns the read leaves idle on this thread (no part waiting), called
   * once per turn after each part until it returns false (nothing left until the next part); each
   * call does a bounded piece (a few ms: a client's request waits at most that). Never called after
   * the promise settles.
   */
  whileReading?: () => boolean;
}

export interface OpenedCapture {
  trace: Trace;
  /** File- and stream-level diagnostics (also `trace.fileDiagnostics`). */
  diagnostics: Diagnostic[];
  stats: IngestStats | null;
  /** False when the file is not a pcap/pcapng capture (refused or unknown format). */
  isCapture: boolean;
  /** Releases the file handle used to read raw bytes back (same as `trace.close()`). */
  close(): void;
}

/** Thrown (rejected) when the file cannot be opened at all, or the open was cancelled. */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

/** Starts the worker: a bundled `ingest-worker.js`, or `worker.ts` through tsx when running from sources. */
function startWorker(job: IngestJob, entry?: string | URL): Worker {
  const self = import.meta.url;
  const transferList: MessagePort[] = [];
  if (job.kind === 'path' && job.handoff) transferList.push(job.handoff.port);
  if (entry !== undefined) return new Worker(entry, { workerData: job, transferList });
  if (self.endsWith('.ts')) {
    // Loader hooks registered in this thread do not reach workers on Node 20: register tsx inside it.
    const tsxApi = pathToFileURL(
      createRequire(self)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const entry = new URL('./worker.ts', self).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: job, transferList });
  }
  const bundled = new URL('./ingest-worker.js', self);
  return new Worker(existsSync(bundled) ? bundled : new URL('./worker.js', self), {
    workerData: job,
    transferList,
  });
}

type DoneReply = Extract<IngestReply, { type: 'done' }>;
type FinalReply = Extract<IngestReply, { type: 'done' | 'handed-over' | 'rows-done' }>;
type RowsDoneReply = Extract<IngestReply, { type: 'rows-done' }>;
type RowsReply = Extract<IngestReply, { type: 'rows' }>;

/** Runs one job in a worker; resolves with its final reply (rejects on error, exit or abort). */
function runWorker<R extends FinalReply = DoneReply>(
  job: IngestJob,
  onProgress: ((done: number, total: number) => void) | undefined,
  signal: AbortSignal | undefined,
  entry?: string | URL,
  onRows?: (part: RowsReply) => void,
): Promise<R> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new IngestError('cancelled', 'ABORT_ERR'));
      return;
    }
    const w = startWorker(job, entry);
    const flag = new Int32Array(job.cancel);
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    w.on('message', (m: IngestReply) => {
      if (m.type === 'progress') onProgress?.(m.done, m.total);
      else if (m.type === 'rows') onRows?.(m);
      else if (m.type === 'error') {
        finish();
        reject(new IngestError(m.message, m.code));
      } else {
        finish();
        if (m.cancelled || signal?.aborted) reject(new IngestError('cancelled', 'ABORT_ERR'));
        else resolve(m as R);
      }
      // (a worker filling the facts ahead goes on after its last reply: it ends by itself, or when
      // the trace is closed, and does not keep the process alive)
      if (settled) {
        if (m.type === 'rows-done' && (m.factsAhead || m.checksAhead)) w.unref();
        else void w.terminate();
      }
    });
    w.on('error', (e) => {
      if (settled) return;
      finish();
      reject(new IngestError(e.message, null));
    });
    w.on('exit', (code) => {
      if (settled) return;
      finish();
      reject(new IngestError(`ingest worker exited with code ${code}`, null));
    });
  });
}

function opened(
  m: Pick<DoneReply, 'state' | 'diagnostics' | 'stats' | 'isCapture' | 'fileBacked'>,
  readBack: () => { readAt: ReadAt | null; close(): void },
): OpenedCapture {
  const rb = m.fileBacked ? readBack() : { readAt: null, close: () => {} };
  const trace = Trace.fromState(m.state, rb.readAt);
  trace.setCloser(rb.close);
  return {
    trace,
    diagnostics: m.diagnostics,
    stats: m.stats,
    isCapture: m.isCapture,
    close: () => trace.close(),
  };
}

async function runJob(
  job: IngestJob,
  opts: OpenOptions,
  readBack: () => { readAt: ReadAt | null; close(): void },
): Promise<OpenedCapture> {
  return opened(await runWorker<DoneReply>(job, opts.onProgress, opts.signal, opts.workerEntry), readBack);
}

const fileReadBack = (path: string) => (): { readAt: ReadAt | null; close(): void } => {
  const f = new CaptureFile(path);
  return { readAt: f.readAt, close: () => f.close() };
};

/**
 * What a two-worker run sets up: the shared cancel flag, an abort that follows the caller's
 * signal (`release` detaches it), the two parts' progress summed (the head reads up to the cut, the
 * tail from it; `size` is the file's size once known), and the port between the two workers.
 */
function splitSetup(offset: number, opts: OpenOptions) {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) ac.abort();
  const done = [0, 0];
  let size = 0;
  return {
    cancel: new SharedArrayBuffer(4),
    parse: opts.parse ?? true,
    ac,
    progress:
      (k: number) =>
      (d: number, total: number): void => {
        size = total;
        done[k] = k === 1 ? Math.max(0, d - offset) : Math.min(d, offset);
        opts.onProgress?.(Math.min(total, done[0]! + done[1]!), total);
      },
    size: (): number => size,
    channel: new MessageChannel(),
    signal: new SharedArrayBuffer(4),
    release: (): void => opts.signal?.removeEventListener('abort', onAbort),
  };
}

/**
 * Starts the two parts of a split (the tail, then the head). A failed tail stops the head (which
 * would wait for its frames) and its error is the one the head's promise rejects with.
 */
function startParts(
  path: string,
  offset: number,
  opts: OpenOptions,
  s: ReturnType<typeof splitSetup>,
): Promise<DoneReply> {
  const job = (role: 'head' | 'tail', port: MessagePort): IngestJob => ({
    kind: 'path',
    path,
    cancel: s.cancel,
    parse: s.parse,
    keylog: keylogText(opts),
    // The tail decodes TCP too, speculatively; the head checks it (capture/split-tcp.ts).
    split: { role, offset, speculate: true },
    handoff: { port, signal: s.signal },
  });
  const tailP = runWorker<Extract<FinalReply, { type: 'handed-over' }>>(
    job('tail', s.channel.port1),
    s.progress(1),
    s.ac.signal,
    opts.workerEntry,
  );
  let tailError: unknown = null;
  tailP.catch((e: unknown) => {
    tailError = e;
    s.ac.abort();
  });
  return runWorker<DoneReply>(
    job('head', s.channel.port2),
    s.progress(0),
    s.ac.signal,
    opts.workerEntry,
  ).catch((e: unknown) => {
    s.ac.abort();
    throw tailError ?? e;
  });
}

/**
 * Two workers on one classic pcap file cut at `offset` (see `SplitRole`): the tail part reads from
 * the cut, decodes the stateless UDP frames and TCP (speculatively: capture/split-tcp.ts) and hands
 * the others over to the head part (through a MessagePort between the two workers) while the head
 * reads up to the cut; the head then checks the tail's TCP connections, decodes what the tail handed
 * over (and the frames of connections that failed the check), and the tail sends its trace to the
 * head, which merges the two into what one worker gives (this thread only receives the result).
 * When the head finds the cut was not a record boundary, its trace alone is the result.
 */
async function runSplit(path: string, offset: number, opts: OpenOptions): Promise<OpenedCapture> {
  const s = splitSetup(offset, opts);
  const { ac, size, release } = s;
  try {
    const head = await startParts(path, offset, opts, s);
    // Merged in the head worker, or the head alone (the cut was not a record boundary).
    if (!head.split?.merged) ac.abort();
    if (size() > 0) opts.onProgress?.(size(), size());
    return opened(head, fileReadBack(path));
  } finally {
    release();
  }
}

/**
 * A fill ahead's job from its option and its environment switch (`OpenOptions.factsAhead`,
 * `OpenOptions.checksAhead`): `false` or `0` off; `{ slowMs }` or `slow` paused before each region;
 * `nice` at the lowest priority (the checks); else on.
 */
function aheadJob(
  o: boolean | { slowMs: number } | undefined,
  env: string | undefined,
): { start: SharedArrayBuffer; slowMs?: number; nice?: boolean } | null {
  if (o === false) return null;
  const start = new SharedArrayBuffer(4);
  if (typeof o === 'object') return { start, slowMs: o.slowMs };
  if (env === '0') return null;
  if (env === 'nice') return { start, nice: true };
  return env === 'slow' ? { start, slowMs: 2 } : { start };
}

/**
 * Lets a fill ahead begin at message `from` (0 unless said): its job's start flag set (0 → `from + 1`)
 * and the worker woken.
 */
function startFill(start: SharedArrayBuffer): (from?: number) => void {
  return (from = 0) => {
    const go = new Int32Array(start);
    Atomics.store(go, 0, Math.max(0, from) + 1);
    Atomics.notify(go, 0);
  };
}

/** One worker handing its trace over in parts into a trace here that grows (see `OpenOptions.onTrace`). */
async function runGrowing(
  path: string,
  opts: OpenOptions,
  onTrace: (trace: Trace) => void,
): Promise<OpenedCapture> {
  let trace: Trace | null = null;
  const cancel = new SharedArrayBuffer(4);
  const start = (): Trace => {
    if (trace) return trace;
    // (a gzip-compressed file is not read back: its messages' bytes come in the parts)
    const f = new CaptureFile(path);
    const gzip = f.gzip;
    const t = new Trace(gzip ? null : f.readAt, [], { name: path.split(/[\\/]/).pop() ?? path });
    if (gzip) f.close();
    // (closing the trace also stops a worker still filling the facts ahead)
    t.setCloser(() => {
      Atomics.store(new Int32Array(cancel), 0, 1);
      f.close();
    });
    trace = t;
    onTrace(t);
    return t;
  };
  let broken = false;
  const job: IngestJob = {
    kind: 'path',
    path,
    cancel,
    parse: opts.parse ?? true,
    keylog: keylogText(opts),
    rows: true,
    factsAhead: aheadJob(opts.factsAhead, process.env.SIPSCOPE_FACTS_AHEAD),
    checksAhead: aheadJob(opts.checksAhead, process.env.SIPSCOPE_CHECKS_AHEAD),
  };
  // The parts (and the progress reports before them, in order) are taken one per event-loop turn:
  // Node hands a worker's messages over in one go while more keep coming (up to 1,000), so a main
  // thread slower than the worker would take the whole read in one callback, and a client's request
  // (a WebSocket frame, a timer) would wait for the read's end. Same work, same order.
  // A turn with nothing queued goes to `whileReading` (tier 2 behind tier 1), one piece per turn, after
  // each part until it says it is done: never before a part that is waiting.
  const queue: (() => boolean)[] = [];
  let turn: NodeJS.Immediate | null = null;
  const idle = opts.whileReading;
  let idleMore = false;
  const takeTurn = (): void => {
    turn = null;
    // Progress reports up to and including one part.
    let took = false;
    for (;;) {
      const job = queue.shift();
      if (!job) break;
      took = true;
      if (job()) break;
    }
    if (took) idleMore = idle !== undefined;
    else if (idleMore) idleMore = idle!();
    if (queue.length > 0 || idleMore) turn = setImmediate(takeTurn);
  };
  const later = (job: () => boolean): void => {
    queue.push(job);
    turn ??= setImmediate(takeTurn);
  };
  let m: RowsDoneReply;
  try {
    m = await runWorker<RowsDoneReply>(
      job,
      opts.onProgress ? (d, t) => later(() => (opts.onProgress!(d, t), false)) : undefined,
      opts.signal,
      opts.workerEntry,
      (part) =>
        later(() => {
          const rows = part.rows;
          if (rows === null) return false;
          const t = start();
          if (!t.appendRows(rows)) broken = true;
          else opts.onRows?.(t);
          return true;
        }),
    );
    // (what is still queued, now)
    if (turn) clearImmediate(turn);
    turn = null;
    for (let job = queue.shift(); job; job = queue.shift()) job();
  } catch (e) {
    if (turn) clearImmediate(turn);
    queue.length = 0;
    (trace as Trace | null)?.close();
    throw e;
  }
  const t = start();
  if (broken || t.count !== m.count) {
    // A part went missing (cannot happen with one worker posting in order).
    t.close();
    throw new IngestError('the trace handed over in parts is incomplete', null);
  }
  if (m.factsAhead && job.factsAhead) setFactsAhead(t, m.factsAhead, startFill(job.factsAhead.start));
  if (m.checksAhead && job.checksAhead) setChecksAhead(t, m.checksAhead, startFill(job.checksAhead.start));
  t.source = m.source;
  t.fileDiagnostics = m.fileDiagnostics;
  t.media = m.media;
  t.messageDiagnosticCounts = new Map(m.messageDiagnosticCounts);
  return {
    trace: t,
    diagnostics: m.diagnostics,
    stats: m.stats,
    isCapture: m.isCapture,
    close: () => t.close(),
  };
}

/**
 * Opens a capture file in a worker thread (two with `workers: 2` on a classic pcap file large enough
 * to cut). Rejects only when the file cannot be read at all or on abort.
 */
export function openCapture(path: string, opts: OpenOptions = {}): Promise<OpenedCapture> {
  if ((opts.workers ?? 1) >= 2) {
    let at: number | null;
    try {
      at = planSplit(path, { minBytes: opts.splitMinBytes });
    } catch {
      at = null; // unreadable: the single worker reports why
    }
    if (at !== null && !opts.onTrace) return runSplit(path, at, opts);
  }
  if (opts.onTrace) return runGrowing(path, opts, opts.onTrace);
  const job: IngestJob = {
    kind: 'path',
    path,
    cancel: new SharedArrayBuffer(4),
    parse: opts.parse ?? true,
    keylog: keylogText(opts),
  };
  return runJob(job, opts, fileReadBack(path));
}

/**
 * Opens an uploaded capture held in memory (browser mode). The bytes are copied to the worker; the
 * trace reads raw bytes back from `bytes`, so keep it unchanged while the trace is used.
 */
export function openCaptureBytes(
  bytes: Uint8Array,
  name: string,
  opts: OpenOptions = {},
): Promise<OpenedCapture> {
  const job: IngestJob = {
    kind: 'bytes',
    name,
    bytes,
    cancel: new SharedArrayBuffer(4),
    keylog: keylogText(opts),
  };
  return runJob(job, opts, () => ({ readAt: (o, n) => bytes.subarray(o, o + n), close: () => {} }));
}
