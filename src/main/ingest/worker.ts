/**
 * The ingest worker thread: reads one capture (file path or uploaded bytes) into a trace, posting
 * progress, and transfers the trace's columns and arena back (no copy). Cancellation is a shared flag
 * the main thread sets; it is checked between 8 MB chunks. In a two-part ingest the tail worker sends
 * its trace to the head worker, which merges the two (the main thread only receives the result).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { readFileSync, readlinkSync, readSync, writeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { ingestCaptureFile, type HandoffLink } from '../../sip-core/trace/ingest-file.node.js';
import { gunzipBytes, zlibInflate } from '../../sip-core/capture/reader/file-source.node.js';
import { ingestBytes } from '../../sip-core/trace/trace-builder';
import { Trace, type TraceState } from '../../sip-core/trace/trace';
import type { IngestStats } from '../../sip-core/capture/pipeline';
import {
  mergeOrder,
  mergeRegion,
  mergeStats,
  mergeTraceStatesWith,
  shiftTailArena,
  tailSideColumns,
} from '../../sip-core/trace/trace-merge';
import { absorbCallIds, applyVerdict } from '../../sip-core/trace/trace-merge';
import type { SpanTableState } from '../../sip-core/trace/byte-interner';
import type { Speculation, SpeculationVerdict } from '../../sip-core/capture/split-tcp';
import { factsColumnCount, fillFactsAhead, newFactsColumn } from '../../sip-core/analysis/facts-ahead';
import type { FileMessages, FileRunOptions } from '../../sip-core/trace/file-runs';
import { fillChecksAhead, newChecksColumn, type ChecksColumn } from '../../sip-core/trace/checks-ahead';
import type { ChecksAheadJob, FactsAheadJob, IngestJob, IngestReply } from './protocol';
import { TlsKeyLog } from '../../sip-core/capture/tls/keylog';
import { nodeTlsCrypto } from '../../sip-core/capture/tls/crypto.node.js';

/** The job's key log (its text), or null. */
function jobKeylog(text: string | null | undefined): TlsKeyLog | null {
  if (!text) return null;
  const k = new TlsKeyLog();
  k.add(text);
  return k;
}

/**
 * How often a growing trace's new rows are handed over (ms of reading): the main thread follows a
 * part at a time, so the part in hand when the read ends is what it still has to do after it. In the
 * file's last NEAR_END_BYTES each chunk (8 MiB) is handed over as read (at most one part per
 * PART_END_MS): the last part is then about one chunk's rows, not up to PART_MS of them (the 1 GB
 * bench capture: ~16k rows instead of up to ~110k, 30-45 ms of tier 1 after the read).
 */
const PART_MS = 50;
const PART_END_MS = 5;
const NEAR_END_BYTES = 64 * 1024 * 1024;

const post = (m: IngestReply, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

/**
 * What the tail part sends the head part over their port after its last chunk and the null: its
 * trace without the `tailSide` columns, which it keeps and merges itself once the head sends the
 * order ({@link HeadOrder}), sending each merged region back ({@link TailRegion}).
 */
interface TailResult {
  state: TraceState;
  stats: IngestStats | null;
  cancelled: boolean;
  tailSide: string[];
}

/**
 * What the tail part sends after its chunks: its TCP speculation (capture/split-tcp.ts) and its
 * Call-ID table (the head absorbs it while the tail applies the verdict and sends the rest of its
 * trace; the TailResult then carries an empty table).
 */
interface TailSpeculation {
  spec: Speculation | null;
  callIds: SpanTableState | null;
  /** Its address table (mapped into the head's then too). */
  addresses: string[];
}

/** The head's answer to a TailResult: the merge order and its own rows k0.. of the tail-side columns. */
interface HeadOrder {
  ord: Int32Array;
  /** The runs of `ord` (trace-merge.ts `ordRuns`), or null. */
  runs: Int32Array | null;
  k0: number;
  headChunks: number;
  headRows: Record<string, Column>;
}

/** One tail-side column's merged rows k0..n-1. */
interface TailRegion {
  name: string;
  region: Column;
}

type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/**
 * The two-part ingest's channel seen from this worker: the tail posts each chunk (transferred), then
 * null, then its whole trace (TailResult), bumping the counter after each post; the head takes them off
 * the port synchronously (its ingest is one synchronous loop), waiting on the counter when nothing is
 * there yet, and gives up (null) when the ingest is cancelled.
 */
/** Head part: the tail's Call-ID table, as it came with its speculation. */
let tailCallIds: SpanTableState | null = null;
let tailAddresses: string[] = [];

function channel(port: MessagePort, signal: SharedArrayBuffer, cancelled: () => boolean) {
  const sig = new Int32Array(signal);
  const send = (
    m: Uint8Array | TailResult | HeadOrder | TailRegion | TailSpeculation | SpeculationVerdict | null,
    transfer: ArrayBuffer[] = [],
  ): void => {
    port.postMessage(m, transfer);
    Atomics.add(sig, 0, 1);
    Atomics.notify(sig, 0);
  };
  const receive = (): unknown => {
    for (;;) {
      const seen = Atomics.load(sig, 0);
      const m = receiveMessageOnPort(port);
      if (m !== undefined) return m.message;
      if (cancelled()) return null;
      Atomics.wait(sig, 0, seen, 200);
    }
  };
  const link: HandoffLink = {
    send: (chunk) => send(chunk, chunk ? [chunk.buffer as ArrayBuffer] : []),
    receive: () => receive() as Uint8Array | null,
    // The tail sends its speculation after the null that ends its chunks; the head answers.
    speculation: () => {
      const m = receive() as TailSpeculation | null;
      tailCallIds = m?.callIds ?? null;
      tailAddresses = m?.addresses ?? [];
      return m?.spec ?? null;
    },
    verdict: (v) => send(v),
  };
  return { send, receive, link };
}

/**
 * SIPSCOPE_INGEST_PHASES=1: each part of a two-part ingest prints when it ended each phase (epoch ms,
 * this thread's CPU ms; one JSON line on stderr), to see where the two workers' time goes; a growing
 * trace's worker prints its read, then (role `one-after-read`) the facts and the message checks it
 * computes after it (facts-start, facts-done, checks-start, checks-done).
 */
const phases: [string, number, number][] | null = process.env.SIPSCOPE_INGEST_PHASES ? [] : null;
const phase = (name: string): void => {
  if (phases) phases.push([name, Math.round(performance.timeOrigin + performance.now()), threadCpuMs()]);
};
/** This thread's CPU time in ms (Linux: /proc/thread-self/stat, 10 ms ticks), or -1. */
function threadCpuMs(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const v = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(v[11]) + Number(v[12])) * 10; // utime, stime (fields 14 and 15)
  } catch {
    return -1;
  }
}
const printPhases = (role: string): void => {
  // (written at once: a worker's console output goes through the main thread, and is lost when the
  // process exits first)
  if (phases) writeSync(2, JSON.stringify({ role, phases }) + '\n');
};

/** How long a worker waits after its read for tier 2 to take the facts column. */
const START_WAIT_MS = 120_000;

/**
 * Waits until the main thread sets `start` (tier 2 took the work: the main thread may still be
 * indexing the last parts), checking the cancel flag every 50 ms; returns the message to begin at
 * (the flag's value - 1: the main thread may have done those before itself), or -1 when cancelled or
 * after START_WAIT_MS (the main thread then does the work itself).
 */
function waitForStart(start: SharedArrayBuffer, cancelled: () => boolean): number {
  const go = new Int32Array(start);
  const t0 = performance.now();
  let v: number;
  while ((v = Atomics.load(go, 0)) === 0) {
    if (cancelled() || performance.now() - t0 > START_WAIT_MS) return -1;
    Atomics.wait(go, 0, 0, 50);
  }
  return v - 1;
}

/** The first `count` messages of the shared columns, read back from the file by their offsets. */
function fileMessages(fd: number, cols: Record<string, ArrayLike<number>>, count: number): FileMessages {
  return {
    count,
    flags: cols.flags as Uint8Array,
    rawOff: cols.rawOff as Float64Array,
    rawLen: cols.rawLen as Uint32Array,
    read: (buf, offset, length) => readSync(fd, buf, 0, length, offset),
  };
}

/** A fill's options: the cancel flag, and `slowMs` of pause before each region (tests). */
function runOptions(slowMs: number | undefined, cancelled: () => boolean): FileRunOptions {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return { cancelled, ...(slowMs ? { beforeRun: () => void Atomics.wait(pause, 0, 0, slowMs) } : {}) };
}

/**
 * Fills the analysis facts of every file-backed message into `col` (`fillFactsAhead`), reading the
 * file by the shared columns' offsets, once the main thread set `o.start` (from the message it names:
 * tier 2 analysed those before while the file was read); stops when the main thread
 * sets the cancel flag (the trace was closed). `slowMs`: a pause before each region (tests: tier 2
 * then computes most facts itself).
 */
function factsAfterRead(
  fd: number,
  cols: Record<string, ArrayLike<number>>,
  addresses: readonly string[],
  col: Int32Array,
  o: NonNullable<FactsAheadJob>,
  cancelled: () => boolean,
): void {
  const from = waitForStart(o.start, cancelled);
  if (from < 0) return;
  phase('facts-start');
  const src = fileMessages(fd, cols, factsColumnCount(col));
  fillFactsAhead(
    { ...src, src: cols.src as Uint32Array, addresses },
    col,
    runOptions(o.slowMs, cancelled),
    from,
  );
}

/** This thread (not the process) at nice 19 (Linux: setpriority on the thread's id); elsewhere nothing. */
function lowestPriority(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
  } catch {
    // (no /proc: left as it is)
  }
}

/**
 * Then the message checks of every file-backed message into `c` (`fillChecksAhead`), once the main
 * thread set `o.start` (tier 2 started), until the cancel flag is set (the trace was closed).
 */
function checksAfterRead(
  fd: number,
  cols: Record<string, ArrayLike<number>>,
  c: ChecksColumn,
  o: NonNullable<ChecksAheadJob>,
  cancelled: () => boolean,
): void {
  if (waitForStart(o.start, cancelled) < 0) return;
  if (o.nice) lowestPriority();
  phase('checks-start');
  fillChecksAhead(fileMessages(fd, cols, c.col.length - 1), c, runOptions(o.slowMs, cancelled));
}

async function run(job: IngestJob): Promise<void> {
  phase('start');
  const flag = new Int32Array(job.cancel);
  const cancelled = (): boolean => Atomics.load(flag, 0) !== 0;
  let last = 0;
  // Where the read is (every report, not only those posted): a part of a growing trace is preceded
  // by it, so the main thread knows how much of the file its rows cover (tier 1 sizes its tables).
  let readDone = 0;
  let readTotal = 0;
  const onProgress = (done: number, total: number): void => {
    readDone = done;
    readTotal = total;
    const now = performance.now();
    if (now - last < 100 && done < total) return; // at most ~10 progress events per second
    last = now;
    post({ type: 'progress', done, total });
  };
  if (job.kind === 'path') {
    const ch = job.handoff ? channel(job.handoff.port, job.handoff.signal, cancelled) : null;
    // A growing trace (one worker): the new messages after the first chunk (the main thread, idle
    // until then, starts following at once), then every ~PART_MS of reading, in columns shared with
    // the main thread (no copy: it reads the rows where this worker writes them).
    let lastRows = -Infinity;
    const role = job.split?.role ?? null;
    // The columns last shared with the main thread (the facts ahead read them after the read).
    let shared: NonNullable<ReturnType<Trace['shareRows']>>['shared'] = null;
    const sendRows = (t: Trace): void => {
      const rows = t.shareRows();
      if (!rows) return;
      if (rows.shared) shared = rows.shared;
      const transfer = Trace.rowsTransferList(rows);
      if (rows.arenaOff) transfer.push(rows.arenaOff.buffer as ArrayBuffer);
      if (readTotal > 0) post({ type: 'progress', done: readDone, total: readTotal });
      post({ type: 'rows', rows }, transfer);
    };
    const r = await ingestCaptureFile(job.path, {
      keylog: jobKeylog(job.keylog),
      onProgress,
      cancelled,
      parse: job.parse ?? true,
      split: job.split ?? null,
      handoff: ch?.link ?? null,
      onPhase: (name) => phase(name),
      onChunk:
        job.rows && role === null
          ? (t) => {
              const now = performance.now();
              const nearEnd = readTotal > 0 && readTotal - readDone <= NEAR_END_BYTES;
              if (now - lastRows < (nearEnd ? PART_END_MS : PART_MS)) return;
              lastRows = now;
              sendRows(t);
            }
          : undefined,
    });
    if (!job.rows) r.file.close();
    else {
      // The last part, then what the main thread does not have yet (no rows).
      sendRows(r.trace);
      phase('sent');
      printPhases(role ?? 'one');
      const t = r.trace;
      // Then, on this otherwise idle thread, the analysis facts tier 2 would compute on the main
      // thread, in a shared column it reads where written (analysis/facts-ahead.ts).
      const ahead =
        job.factsAhead && !r.cancelled && shared !== null && t.source.compression === null && t.count > 0
          ? newFactsColumn(t.count)
          : null;
      // And the message checks (parse + lint of every message), after the facts (trace/checks-ahead.ts).
      const checks =
        job.checksAhead && !r.cancelled && shared !== null && t.source.compression === null && t.count > 0
          ? newChecksColumn(t.count)
          : null;
      post({
        type: 'rows-done',
        count: t.count,
        source: t.source,
        fileDiagnostics: t.fileDiagnostics,
        media: t.media,
        messageDiagnosticCounts: [...t.messageDiagnosticCounts],
        diagnostics: r.diagnostics,
        stats: r.stats,
        isCapture: r.isCapture,
        cancelled: r.cancelled,
        factsAhead: ahead,
        checksAhead: checks,
      });
      job.handoff?.port.close();
      if (ahead !== null) factsAfterRead(r.file.fd, shared!, t.addresses, ahead, job.factsAhead!, cancelled);
      if (ahead !== null) phase('facts-done');
      if (checks !== null) checksAfterRead(r.file.fd, shared!, checks, job.checksAhead!, cancelled);
      if (checks !== null) phase('checks-done');
      // (SIPSCOPE_INGEST_PHASES: the fills after the read, each with this thread's CPU)
      if (phases) phases.splice(0, phases.findIndex((p) => p[0] === 'sent') + 1);
      printPhases('one-after-read');
      r.file.close();
      return;
    }
    let state = r.trace.exportState();
    let stats = r.stats;
    let merged = false;
    if (ch && job.split?.role === 'tail' && job.split.speculate) {
      // The head checks the TCP connections this part decoded speculatively; those that failed
      // leave this part's trace (the head decodes them again).
      const spec = r.cancelled ? null : r.speculation;
      const callIds = state.callIds;
      state.callIds = {
        pool: new Uint8Array(0),
        off: new Int32Array(1),
        len: new Int32Array(1),
        count: 1,
        text: [],
      };
      const ids = [callIds.pool, callIds.off, callIds.len, callIds.hash].filter((a) => a !== undefined);
      ch.send({ spec, callIds, addresses: state.addresses }, [
        ...new Set(ids.map((a) => a.buffer as ArrayBuffer)),
      ]);
      if (spec !== null) {
        const v = ch.receive() as SpeculationVerdict | null;
        if (v !== null) applyVerdict(state, stats, spec, v);
      }
      phase('verdict');
    }
    if (ch && job.split?.role === 'tail') {
      // The head merges, with this worker's help: the trace goes to it, not to the main thread (which
      // stays idle), except the columns that need no id mapping, which this worker merges itself
      // once the head sends the order, while the head merges the others.
      const tailSide = r.cancelled ? [] : tailSideColumns(state.columns);
      const kept: Record<string, Column> = {};
      for (const name of tailSide) {
        kept[name] = state.columns[name]!;
        delete state.columns[name];
      }
      phase('exported');
      ch.send({ state, stats, cancelled: r.cancelled, tailSide }, Trace.transferList(state));
      phase('sent');
      if (tailSide.length > 0) {
        // null: cancelled, or the head does not merge (then the main thread stops this worker)
        const order = ch.receive() as HeadOrder | null;
        phase('order');
        if (order !== null) {
          shiftTailArena(kept, order.headChunks);
          for (const name of tailSide) {
            const region = mergeRegion(order.headRows[name]!, kept[name]!, order.ord, order.k0, order.runs);
            delete kept[name];
            ch.send({ name, region }, [region.buffer as ArrayBuffer]);
          }
          phase('regions');
        }
      }
      printPhases('tail');
      job.handoff!.port.close();
      post({ type: 'handed-over', cancelled: r.cancelled });
      return;
    }
    if (ch && r.split?.atBoundary && r.split.framesBeforeSplit >= 0 && !r.cancelled) {
      phase('exported');
      // The tail's Call-IDs came first: absorbed now, while the tail sends the rest of its trace.
      const callIds =
        tailCallIds !== null
          ? absorbCallIds(state.callIds, tailCallIds, {
              table: r.split.addressTable,
              tail: tailAddresses,
            })
          : null;
      if (callIds) phase('call-ids');
      const tail = ch.receive() as TailResult | null;
      phase('tail-received');
      if (tail !== null && !tail.cancelled) {
        const head = {
          state,
          emitted: r.split.emitted,
          framesBeforeSplit: r.split.framesBeforeSplit,
          stats,
          addressTable: r.split.addressTable,
        };
        const order = mergeOrder(
          head.emitted,
          head.framesBeforeSplit,
          state.count,
          tail.state.columns.frame as Uint32Array,
          tail.state.count,
        );
        if (tail.tailSide.length > 0) {
          // The tail merges these columns meanwhile: it needs the order and this part's rows from k0.
          const headRows: Record<string, Column> = {};
          for (const name of tail.tailSide)
            headRows[name] = state.columns[name]!.slice(order.k0, state.count);
          const ord = order.ord.slice();
          ch.send({ ord, runs: order.runs, k0: order.k0, headChunks: state.arena.chunks.length, headRows }, [
            ord.buffer,
            ...Object.values(headRows).map((c) => c.buffer as ArrayBuffer),
          ]);
        }
        phase('order-sent');
        // The tail's regions, as they come (in the order it merges them).
        const regions = new Map<string, Column>();
        const region = (name: string): Column | null => {
          while (!regions.has(name)) {
            const m = ch.receive() as TailRegion | null;
            if (m === null) return null;
            regions.set(m.name, m.region);
          }
          const c = regions.get(name)!;
          regions.delete(name);
          return c;
        };
        const out = mergeTraceStatesWith(
          head,
          { state: tail.state, stats: tail.stats },
          order,
          region,
          callIds,
        );
        if (out !== null) {
          state = out;
          stats = mergeStats(stats, tail.stats);
          merged = true;
        }
        phase('merged');
      }
    }
    if (ch) printPhases('head');
    job.handoff?.port.close();
    const cancelledNow = r.cancelled || (ch !== null && r.split?.atBoundary === true && !merged);
    post(
      {
        type: 'done',
        state,
        diagnostics: merged ? state.fileDiagnostics : r.diagnostics,
        stats,
        isCapture: r.isCapture,
        cancelled: cancelledNow,
        fileBacked: r.trace.source.compression === null,
        split: r.split
          ? {
              emitted: new Uint32Array(0),
              framesBeforeSplit: r.split.framesBeforeSplit,
              atBoundary: r.split.atBoundary,
              merged,
            }
          : null,
      },
      Trace.transferList(state),
    );
  } else {
    // Raw bytes are referenced by offset into the upload, which the caller keeps (no arena copy),
    // unless it was gzip-compressed (then offsets are into the decompressed stream).
    const fileBacked = !(job.bytes[0] === 0x1f && job.bytes[1] === 0x8b);
    // Decompressed as a stream: a damaged upload is read up to the damage (gzip-corrupt), as a file is.
    const gunzipped = fileBacked ? null : await gunzipBytes(job.bytes);
    const r = ingestBytes(job.bytes, job.name, {
      inflate: zlibInflate,
      tlsCrypto: nodeTlsCrypto,
      keylog: jobKeylog(job.keylog),
      ...(gunzipped ? { readAt: null, gunzip: () => gunzipped } : {}),
    });
    onProgress(job.bytes.length, job.bytes.length);
    const state = r.trace.exportState();
    post(
      {
        type: 'done',
        state,
        diagnostics: r.diagnostics,
        stats: r.stats,
        isCapture: r.isCapture,
        cancelled: false,
        fileBacked,
      },
      Trace.transferList(state),
    );
  }
}

run(workerData as IngestJob).catch((e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  post({ type: 'error', message: err?.message ?? String(e), code: err?.code ?? null });
});
