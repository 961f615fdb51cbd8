/**
 * Adapter from the core's capture ingest and trace model to the host's page-shaped LoadedTrace.
 * Rows and details are computed per page from the trace (the raw bytes are read back by offset and
 * parsed on demand), so memory stays with the trace's compact columns.
 */
import { TlsKeyLog } from '../../sip-core/capture/tls/keylog';
import { defaultKeylogText } from '../../sip-core/capture/tls/keylog-file.node.js';
import type { Diagnostic } from '../../sip-core/diagnostic';
import type { Trace } from '../../sip-core/trace/trace';
import { timeNotices } from '../../sip-core/trace/time-notices';
import { decodeUnfolded, lintMessage, type SipMessage } from '../../sip-core/message';
import {
  checkMessages,
  checkMessagesNow,
  type BackgroundPassOptions,
} from '../../sip-core/trace/message-checks';
import {
  effectiveConnection,
  effectiveDirection,
  mediaCodecs,
  parseSdpBytes,
} from '../../sip-core/message/sdp';
import { headerInfo } from '../../sip-core/message/headers/info';
import { headerNote, type HeaderNoteContext } from '../../sip-core/message/headers/notes';
import type {
  CallDto,
  CallMediaDto,
  CallEditResult,
  CallSortField,
  CallsPage,
  CallsQuery,
  CaptureStatsDto,
  DiagnosticDto,
  HeaderDto,
  ExportFile,
  LadderExportFormat,
  LaneRoleDto,
  MessageDetail,
  PathDto,
  SdpDto,
  MessageRow,
  ProblemCount,
} from '../../shared/api';
import {
  analyzeTrace,
  RULES_BY_CODE,
  Tier1Analysis,
  TieredAnalysis,
  TraceAnalyzer,
  groupAnalyzer,
  type AnalysisDiagnostic,
  type CallSummary,
  type Tier1Call,
} from '../../sip-core/analysis';
import { callParties } from '../../sip-core/analysis/call/parties';
import {
  applyCallEdits,
  detachLeg,
  legCallId,
  samePair,
  withEdit,
  type CallEdit,
} from '../../sip-core/analysis/call/edits';
import { transactionId } from '../../sip-core/analysis/transaction/transaction';
import { dialogId } from '../../sip-core/analysis/dialog/dialog';
import { compileFilter } from '../../sip-core/analysis/filter/filter';
import { ladderModel } from '../../sip-core/analysis/ladder/model';
import { laneRoles, traceProxies } from '../../sip-core/analysis/ladder/roles';
import { callStats, messageStats } from '../../sip-core/analysis/stats';
import { callHops, hopInversions, messagePath } from '../../sip-core/analysis/hops';
import { renderLadder } from '../../sip-core/analysis/ladder/render';
import { callsCsv } from '../../sip-core/analysis/export/csv';
import {
  SippExportError,
  sippExport,
  type SippExport,
  type SippMedia,
} from '../../sip-core/analysis/export/sipp';
import { sippMediaPcap } from './stream-audio';
import { writePcap, writePcapng } from '../../sip-core/capture/writer/capture-writer';
import type { FrameRef } from '../../sip-core/capture/provenance';
import { ApiError } from '../../shared/api';
import { stat } from 'node:fs/promises';
import { codesByCall, countProblems, severityRanks } from './problems';
import { IngestError, openCapture, type OpenOptions, type OpenedCapture } from '../ingest';
import { ingestCaptureFile } from '../../sip-core/trace/ingest-file.node.js';
import { startChecksAhead } from '../../sip-core/trace/checks-ahead';
import type { CaptureLoader, LoadedTrace } from './trace-source';
import { analyzeMedia, type MediaAnalysis } from '../../sip-core/media/call-media';
import { analyzerMedia, callMediaProblems, streamJson } from '../../sip-core/media/media-json';
import { analyzerDtmf, callDtmf, messageDigits } from '../../sip-core/media/dtmf';
import type { DtmfDigitJson } from '../../shared/dtmf';
import { callId } from '../../sip-core/analysis/call/call';

/** The RTP one end of a SIPp export plays: the end (`host:port`) and its pcap. */
interface SippEndMedia {
  side: string;
  media: SippMedia;
}

const SEVERITY_RANK = { info: 1, warning: 2, error: 3 } as const;

export function toDiagnosticDto(d: Diagnostic): DiagnosticDto {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    rfc: d.rfc ?? null,
    offset: d.offset ?? null,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A message's analysis fields as a row shows them (transaction, dialog, call, retransmission, rule codes). */
interface RowFields {
  transaction: string | null;
  dialog: string | null;
  call: string | null;
  retransmission: boolean;
  diagnostics: readonly string[];
}

export class TraceAdapter implements LoadedTrace {
  readonly #trace: Trace;
  /** The file's diagnostics: none until the read ends (`readEnded`). */
  #fileDiagnostics: Diagnostic[];
  /** The full analysis; null while it runs in the background (then #tiered answers what it can). */
  #full: TraceAnalyzer | null;
  /** Tier 1 and the background full analysis, until the latter completes. */
  #tiered: TieredAnalysis | null = null;
  /**
   * While the file is still read (an ingest worker handing the trace over in parts): tier 1, indexing
   * each part as it comes (the loader's `catchUp`, sized for the whole file; it does not follow the
   * trace's appends, which would index it in batches sized for nothing), until `readEnded`.
   */
  #reading: Tier1Analysis | null = null;
  /** While reading: the tiered analysis whose tier 2 runs in the read's idle turns (`openCaptureWithTier1`). */
  #early: TieredAnalysis | null = null;
  /** Settles when the read ends (`readEnded`) or fails (`readFailed`); resolved at once when not reading. */
  #readDone: Promise<void> = Promise.resolve();
  #settleRead: { ok: () => void; fail: (e: unknown) => void } | null = null;
  /** Who follows the full analysis' progress (the host's event, a reader's wait): each is told. */
  readonly #progress: ((done: number, total: number) => void)[] = [];
  #analysing: Promise<void> | null = null;
  readonly #abort = { aborted: false };
  #callCache: CallDto[] | null = null;
  #callRoots: number[] = [];
  #filterCache: {
    text: string;
    result: { indexes: number[] | null; error: CallsPage['filterError'] };
  } | null = null;
  #callCacheAt = -1;
  /** The media snapshot the call cache's RTP fields were read from (a live trace's grows). */
  #callCacheMedia: unknown = null;
  /** The full analysis' diagnostics in message order, for details (cached per trace length). */
  #analysisDiags: { count: number; list: AnalysisDiagnostic[] } | null = null;
  #closed = false;
  /** Opened in the background (a capture): the message checks run as a pass after the analysis. */
  readonly #background: boolean;
  /** Messages whose parser + lint codes are stored in the trace (`checkMessages`), from id 0. */
  #checked = 0;
  #checking: Promise<void> | null = null;
  /** Each call's message-level codes, by root group, for the messages checked (`#messageCodes`). */
  #msgCodes: { at: number; byRoot: Map<number, { codes: string[]; count: number }> } | null = null;
  /** The capture pipeline's codes seen on checked messages, as their first diagnostic describes them. */
  readonly #pipelineCodes = new Map<string, Pick<ProblemCount, 'severity' | 'title' | 'rfc'>>();

  /**
   * `background`: only the quick analysis (tier 1: transactions, dialogs, calls and their states from
   * the trace's columns) runs now; `analyse()` runs the full one in chunks. Else the full analysis
   * runs here (a live trace or simulation brings its own, following appends).
   */
  constructor(
    trace: Trace,
    fileDiagnostics: Diagnostic[],
    o: {
      background?: boolean;
      tier1?: Tier1Analysis | null;
      /**
       * With `background` (and `tier1`): the tiered analysis over that tier 1 that ran tier 2 while the
       * file was read (`openCaptureWithTier1`); `analyse()` goes on from where it got.
       */
      tiered?: TieredAnalysis | null;
      /**
       * The trace is still being read (with `background` and `tier1`): the calls list (tier 1's) and
       * the rows answer as it grows; `readEnded` then attaches the tiered analysis as `background` does.
       */
      reading?: boolean;
    } = {},
  ) {
    this.#trace = trace;
    this.#fileDiagnostics = fileDiagnostics;
    this.#background = o.background === true;
    if (trace.analysis instanceof TraceAnalyzer) this.#full = trace.analysis;
    else if (o.background && o.reading && o.tier1) {
      this.#full = null;
      this.#reading = o.tier1;
      this.#early = o.tiered?.tier1 === o.tier1 ? o.tiered : null;
      this.#readDone = new Promise<void>((ok, fail) => (this.#settleRead = { ok, fail }));
      this.#readDone.catch(() => {}); // (a failed read is told to whoever waits; none may)
    } else if (o.background) {
      this.#full = null;
      this.#tiered = attachTiered(trace, o.tier1 ?? null, o.tiered ?? null);
    } else this.#full = analyzeTrace(trace);
  }

  /** Share of the full analysis done (1 when complete; 0 while the file is read). */
  analysisProgress(): number {
    return this.#full ? 1 : this.#reading ? 0 : (this.#tiered?.progress ?? 1);
  }

  /** Whether the file is still being read (the calls list grows). */
  get reading(): boolean {
    return this.#reading !== null;
  }

  /**
   * The read ended: the file's diagnostics, and tier 1 (which indexed every part) now follows the
   * trace under the tiered analysis, as a capture opened after its read has it. Whoever waited for the
   * full analysis meanwhile (`analyse`) is answered once it ran.
   */
  readEnded(fileDiagnostics: Diagnostic[]): void {
    const t1 = this.#reading;
    if (!t1) return;
    this.#fileDiagnostics = fileDiagnostics;
    this.#reading = null;
    this.#tiered = attachTiered(this.#trace, t1, this.#early);
    this.#early = null;
    this.#callCache = null;
    this.#view = null;
    this.#settleRead?.ok();
    this.#settleRead = null;
  }

  /** The read failed (or was cancelled): whoever waits for the analysis is told `err`. */
  readFailed(err: unknown): void {
    this.#settleRead?.fail(err);
    this.#settleRead = null;
  }

  /**
   * Whether a call's ladder (one call) and a message's detail answer now, before the full analysis:
   * while the file is read, from the messages of the call's Call-ID group read so far (a full
   * analyzer over them alone: legs of other Call-IDs are not joined yet, later messages not read).
   */
  answersWhileReading(): boolean {
    return this.#full === null && this.#reading !== null;
  }

  /** While reading: the full analyzers of single Call-ID groups (`groupAnalyzer`), per trace length. */
  readonly #partial = new Map<number, { count: number; a: TraceAnalyzer }>();

  #groupAnalyzer(g: number): TraceAnalyzer {
    const n = this.#trace.count;
    let c = this.#partial.get(g);
    if (!c || c.count !== n) {
      if (this.#partial.size >= 16) this.#partial.clear();
      this.#partial.set(g, (c = { count: n, a: groupAnalyzer(this.#t1, g) }));
    }
    return c.a;
  }

  /** Tier 1: the one indexing the read, else the tiered analysis'. */
  get #t1(): Tier1Analysis {
    return this.#reading ?? this.#tiered!.tier1;
  }

  /** A background pass's options: a `setImmediate` turn between chunks, stopped by `close()`. */
  #passOptions(onProgress?: (done: number, total: number) => void): BackgroundPassOptions {
    return {
      yield: () => new Promise<void>((resolve) => setImmediate(resolve)),
      signal: this.#abort,
      ...(onProgress ? { onProgress } : {}),
    };
  }

  /**
   * Runs the full analysis in the background (a few ms per chunk, then the event loop's turn);
   * resolves when it is complete (at once when it is). Calling it again returns the same promise.
   */
  analyse(onProgress?: (done: number, total: number) => void): Promise<void> {
    if (this.#full) return Promise.resolve();
    if (onProgress) this.#progress.push(onProgress);
    // Still reading: after the read (whoever asked first, each is told the progress).
    if (this.#reading) return this.#readDone.then(() => this.analyse());
    const tiered = this.#tiered;
    if (!tiered) return Promise.resolve();
    // (the ingest worker may now compute the message checks, on the other core, while tier 2 runs)
    if (!this.#analysing) startChecksAhead(this.#trace);
    const progress = (done: number, total: number): void => {
      for (const f of this.#progress) f(done, total);
    };
    this.#analysing ??= tiered.runTier2(this.#passOptions(progress)).then((a) => {
      this.#full = a;
      this.#tiered = null;
      tiered.tier1.detach();
      applyCallEdits(a, this.#edits);
      this.#callCache = null;
      this.#view = null;
    });
    return this.#analysing;
  }

  /**
   * Runs the message checks (every message's parser + lint codes, `checkMessages`) in the background
   * after the full analysis; resolves when they are complete. Then the problems row and each call's
   * diagnostics count include the message-level codes (a bad Content-Length, a missing header...).
   */
  checkMessages(onProgress?: (done: number, total: number) => void): Promise<void> {
    this.#checking ??= this.analyse()
      .then(() => checkMessages(this.#trace, this.#checked, this.#passOptions(onProgress)))
      .then((n) => {
        this.#checked = n;
        this.#checking = null;
        this.#callCache = null;
        this.#view = null;
      });
    return this.#checking;
  }

  /** Share of the message checks done (1 when complete). */
  checksProgress(): number {
    const n = this.#trace.count;
    return n === 0 || this.#checked >= n ? 1 : this.#checked / n;
  }

  /**
   * Each call's message-level diagnostic codes (pipeline, parser and lint; each once per call) and how
   * many such diagnostics its messages carry, by root group, for the messages checked so far. A trace
   * that was not opened in the background (live, simulated) is checked here as it grows.
   */
  #messageCodes(): Map<number, { codes: string[]; count: number }> {
    const t = this.#trace;
    if (!this.#background && this.#checked < t.count)
      this.#checked = checkMessagesNow(t, this.#checked, t.count);
    if (this.#msgCodes?.at === this.#checked) return this.#msgCodes.byRoot;
    const a = this.#analyzer;
    const byRoot = new Map<number, { codes: string[]; count: number }>();
    for (let id = 0; id < this.#checked; id++) this.#addMessageCodes(byRoot, a.rootOfMessage(id), id);
    this.#msgCodes = { at: this.#checked, byRoot };
    return byRoot;
  }

  /** Adds message `id`'s codes (if it has any) to its call's (`root`) entry of `byRoot`. */
  #addMessageCodes(byRoot: Map<number, { codes: string[]; count: number }>, root: number, id: number): void {
    const t = this.#trace;
    const stored = t.storedMessageCodes(id);
    const pipeline = t.pipelineDiagnostics(id);
    if (!stored?.length && !pipeline.length) return;
    if (root < 0) return;
    let e = byRoot.get(root);
    if (!e) byRoot.set(root, (e = { codes: [], count: 0 }));
    for (const d of pipeline) {
      if (!e.codes.includes(d.code)) e.codes.push(d.code);
      if (!this.#pipelineCodes.has(d.code))
        this.#pipelineCodes.set(d.code, { severity: d.severity, title: d.message, rfc: d.rfc ?? null });
    }
    for (const c of stored ?? []) if (!e.codes.includes(c)) e.codes.push(c);
    e.count += pipeline.length + (stored?.length ?? 0);
  }

  /** The user's joins and splits, in order, the latest of a pair only (what the host remembers). */
  #edits: CallEdit[] = [];

  /** The user's joins and splits so far (remembered per capture file by the host). */
  callEdits(): CallEdit[] {
    return this.#edits.slice();
  }

  /**
   * Takes joins and splits remembered for this capture: applied at once when the full analysis is
   * there, else as soon as it ends (before any calls page reads it).
   */
  setCallEdits(edits: readonly CallEdit[]): void {
    for (const e of edits) this.#edits = withEdit(this.#edits, e);
    if (this.#full) {
      applyCallEdits(this.#full, edits);
      this.#callsChanged();
    }
  }

  /** Joins calls (`C3` or a Call-ID each) into one, as a link with reason `manual`. */
  joinCalls(refs: readonly string[]): CallEditResult {
    const an = this.#analyzer;
    const ids = refs.map((r) => this.#leg(an, r));
    const touched = this.#touched(an, ids);
    let changed = false;
    for (const id of ids.slice(1)) {
      if (!an.join(ids[0]!, id)) continue;
      changed = true;
      this.#edits = withEdit(this.#edits, { op: 'join', a: ids[0]!, b: id });
    }
    if (changed) this.#callsChanged(touched);
    return this.#editResult(changed, ids);
  }

  /**
   * Splits the link between two legs (Call-IDs, or `C5`: a leg's number as a call of its own); without
   * `b`, splits leg `a` off its call (one split per link it has).
   */
  splitCall(a: string, b?: string): CallEditResult {
    const an = this.#analyzer;
    const leg = this.#leg(an, a);
    if (b === undefined) {
      const splits = detachLeg(an, leg);
      const touched = this.#touched(an, [leg]);
      let changed = false;
      for (const e of splits) {
        if (an.split(e.a, e.b)) changed = true;
        this.#edits = withEdit(this.#edits, e);
      }
      if (changed) this.#callsChanged(touched);
      return this.#editResult(changed, [leg]);
    }
    const ids = [leg, this.#leg(an, b)];
    if (ids[0] === ids[1]) throw new ApiError('bad-request', `${a} and ${b} are the same leg`);
    const touched = this.#touched(an, ids);
    const changed = an.split(ids[0]!, ids[1]!);
    // Remembered even when no link joined them now: no rule may join them later (a live trace).
    this.#edits = withEdit(this.#edits, { op: 'split', a: ids[0]!, b: ids[1]! });
    if (changed) this.#callsChanged(touched);
    return this.#editResult(changed, ids);
  }

  /**
   * Takes back the user's edit of legs `a` and `b` (Call-IDs, as `callEdits()` names them), or every
   * edit (latest first) without them: the pairs are linked as the analysis found them again.
   */
  uneditCalls(a?: string, b?: string): CallEditResult {
    const an = this.#analyzer;
    const pairs = a !== undefined && b !== undefined ? [{ a, b }] : this.#edits.slice().reverse();
    if (!pairs.some((p) => this.#edits.some((x) => samePair(x, p.a, p.b))))
      throw new ApiError(
        'not-found',
        a ? `no edit of ${a} and ${b} in this capture` : 'no edits in this capture',
      );
    // (a leg this trace does not have, as a split remembered for a live trace: no group to touch)
    const legs = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].filter((id) => an.groupOf(id) >= 0);
    const touched = this.#touched(an, legs);
    let changed = false;
    for (const p of pairs) {
      if (an.unedit(p.a, p.b)) changed = true;
      this.#edits = this.#edits.filter((x) => !samePair(x, p.a, p.b));
    }
    if (changed) this.#callsChanged(touched);
    return this.#editResult(changed, legs.slice(0, 100));
  }

  /** The groups of the calls these legs are in: every root a join or split of them can make or end. */
  #touched(an: TraceAnalyzer, callIds: readonly string[]): Set<number> {
    const out = new Set<number>();
    for (const id of callIds) for (const g of an.members(an.resolveCall(id))) out.add(g);
    return out;
  }

  #leg(an: TraceAnalyzer, ref: string): string {
    const id = legCallId(an, ref);
    if (id === null) throw new ApiError('not-found', `no call ${ref} in this capture`);
    return id;
  }

  #editResult(changed: boolean, callIds: readonly string[]): CallEditResult {
    const an = this.#analyzer;
    const calls: string[] = [];
    for (const id of callIds) {
      const c = `C${an.resolveCall(id) + 1}`;
      if (!calls.includes(c)) calls.push(c);
    }
    return { changed, calls, total: this.callCount() };
  }

  /**
   * The calls changed (joined or split): every view of them is computed again on the next ask. With
   * `touched` (the groups of the calls the edit changed) the calls list is patched in place: the
   * touched calls' rows and message codes go, the touched groups that are calls now get theirs, at
   * their place in group order (a binary search and a splice each) — an edit costs the calls it
   * touches, not a pass over all 82k of a 540 MB capture.
   */
  #callsChanged(touched?: ReadonlySet<number>): void {
    const cache = this.#callCache;
    if (
      touched &&
      cache &&
      this.#full &&
      this.#callCacheAt === this.#trace.count &&
      this.#msgCodes?.at === this.#checked
    ) {
      const byRoot = this.#msgCodes.byRoot;
      for (const g of touched) byRoot.delete(g);
      const an = this.#full;
      const roots = this.#callRoots;
      const sorted = [...touched].sort((a, b) => a - b);
      for (let k = sorted.length - 1; k >= 0; k--) {
        const i = lowerBound(roots, sorted[k]!);
        if (roots[i] !== sorted[k]) continue;
        roots.splice(i, 1);
        cache.splice(i, 1);
      }
      for (const g of sorted) {
        if (an.resolveCall(`C${g + 1}`) !== g) continue; // (not a call's root now)
        for (const id of an.callMessageIds(g)) if (id < this.#checked) this.#addMessageCodes(byRoot, g, id);
        const i = lowerBound(roots, g);
        roots.splice(i, 0, g);
        // Its digits from its own messages (the whole trace's pass is for a rebuild).
        cache.splice(
          i,
          0,
          this.#callRow(g, byRoot, (c) => this.#callDtmf(c, analyzerMedia(an))),
        );
      }
    } else {
      this.#msgCodes = null;
      this.#callCache = null;
    }
    this.#view = null;
    this.#filterCache = null;
    this.#problemCodes = null;
    this.#analysisDiags = null;
  }

  /** The full analysis; only called where the host waited for `analyse()` or it ran at construction. */
  get #analyzer(): TraceAnalyzer {
    if (!this.#full) throw new ApiError('internal', 'the analysis of this capture is still running');
    return this.#full;
  }

  hopInversions(slackUs: number): { fromFrame: number; toFrame: number; gapUs: number }[] {
    const t = this.#trace;
    return hopInversions(this.#analyzer, slackUs).map((h) => ({
      fromFrame: t.frame(h.from),
      toFrame: t.frame(h.to),
      gapUs: h.gapUs,
    }));
  }

  /** Whether `queryCalls(q)` can answer before the full analysis ends (tier 1: no filter, by start). */
  callsQueryReady(q: Omit<CallsQuery, 'captureId'>): boolean {
    return this.#full !== null || (!(q.filter ?? '').trim() && (q.sort ?? 'start') === 'start');
  }

  /** The message's analysis fields: the full analysis', else tier 1's (same ids before legs join). */
  #fields(id: number): RowFields {
    if (this.#full) return this.#full.messageFields(id);
    const t1 = this.#t1;
    const t = t1.transactionOf(id);
    const d = t1.dialogOf(id);
    const g = t1.groupOf(id);
    return {
      transaction: t >= 0 ? transactionId(t) : null,
      dialog: d >= 0 ? dialogId(d) : null,
      call: g >= 0 ? `C${g + 1}` : null,
      retransmission: t1.isRetransmission(id),
      diagnostics: t1.messageCodes(id),
    };
  }

  get trace(): Trace {
    return this.#trace;
  }

  summary(): ReturnType<LoadedTrace['summary']> {
    const t = this.#trace;
    const n = t.count;
    return {
      format: t.source.compression ? `${t.source.format} (${t.source.compression})` : t.source.format,
      frames: t.source.frames,
      messages: n,
      firstTime: n ? t.timeUs(0) / 1e6 : null,
      lastTime: n ? t.timeUs(n - 1) / 1e6 : null,
      diagnostics: [...this.#fileDiagnostics, ...this.#clockNotices()].map(toDiagnosticDto),
    };
  }

  #clock: { count: number; notices: Diagnostic[] } = { count: -1, notices: [] };
  /** The capture clock's notices (times going back, spread over years), computed again as the trace grows. */
  #clockNotices(): Diagnostic[] {
    const n = this.#trace.count;
    if (this.#clock.count !== n) this.#clock = { count: n, notices: timeNotices(this.#trace) };
    return this.#clock.notices;
  }

  count(): number {
    return this.#trace.count;
  }

  /** The message's pipeline diagnostics, then the parser's and the lint rules' (as the trace JSON lists them). */
  #diagnostics(id: number, msg: SipMessage): Diagnostic[] {
    return [...this.#trace.pipelineDiagnostics(id), ...lintMessage(msg)];
  }

  /**
   * The analysis rules' diagnostics on message `id` (one per code, as its row counts them): with the
   * full analysis' own text (which message, what it saw) when `withText` and it has run (a detail),
   * else the rule's title (rows: count and severity only).
   */
  #analysisDiagnostics(id: number, codes: readonly string[], withText: boolean): Diagnostic[] {
    const out: Diagnostic[] = [];
    if (!codes.length) return out;
    let list: AnalysisDiagnostic[] = [];
    let at = 0;
    if (this.#full && withText) {
      const n = this.#trace.count;
      if (this.#analysisDiags?.count !== n)
        this.#analysisDiags = { count: n, list: this.#full.diagnostics() };
      list = this.#analysisDiags.list; // sorted by message id (none counts as 0)
      let hi = list.length;
      while (at < hi) {
        const mid = (at + hi) >>> 1;
        if ((list[mid]!.messageId ?? 0) < id) at = mid + 1;
        else hi = mid;
      }
    }
    for (const code of codes) {
      let full: AnalysisDiagnostic | undefined;
      for (let i = at; i < list.length && (list[i]!.messageId ?? 0) === id; i++)
        if (list[i]!.code === code && list[i]!.messageId === id) {
          full = list[i];
          break;
        }
      const rule = RULES_BY_CODE.get(code);
      if (full) out.push(full);
      else if (rule)
        out.push({ code, severity: rule.severity, layer: 'analysis', message: rule.title, rfc: rule.rfc });
    }
    return out;
  }

  #row(
    id: number,
    msg: SipMessage,
    own: Diagnostic[] = this.#diagnostics(id, msg),
    analysis?: Diagnostic[],
  ): MessageRow {
    const t = this.#trace;
    const e = t.entry(id);
    const a = this.#fields(id);
    const diags = [...own, ...(analysis ?? this.#analysisDiagnostics(id, a.diagnostics, false))];
    let max: MessageRow['maxSeverity'] = null;
    for (const d of diags) if (!max || SEVERITY_RANK[d.severity] > SEVERITY_RANK[max]) max = d.severity;
    const dtmf = messageDigits(msg);
    return {
      id,
      frame: e.frame,
      time: e.timeUs / 1e6,
      src: e.src,
      dst: e.dst,
      transport: e.transport,
      kind: msg.kind,
      method: msg.method,
      requestUri: msg.requestUri,
      status: msg.status,
      reason: msg.reason,
      callId: msg.callId,
      cseq: msg.cseq,
      cseqMethod: msg.cseqMethod,
      fromTag: msg.fromTag,
      toTag: msg.toTag,
      body: bodyLabel(msg),
      ...(dtmf !== null && { dtmf }),
      diagnostics: diags.length,
      maxSeverity: max,
      transaction: a.transaction,
      dialog: a.dialog,
      call: a.call,
      retransmission: a.retransmission,
    };
  }

  row(id: number): MessageRow {
    return this.#row(id, this.#trace.message(id));
  }

  detail(id: number): MessageDetail {
    const msg = this.#trace.message(id);
    const bytes = msg.raw.subarray(msg.start, msg.end);
    // (while the file is read: the message's Call-ID group analysed alone, see answersWhileReading)
    let a = this.#full;
    if (!a && this.answersWhileReading()) {
      const g = this.#t1.groupOf(id);
      a = g >= 0 ? this.#groupAnalyzer(g) : null;
    }
    const path = a ? this.#path(id, a) : null;
    const own = this.#diagnostics(id, msg);
    const analysis = this.#analysisDiagnostics(id, this.#fields(id).diagnostics, true);
    const diagnostics = [...analysis, ...own];
    return {
      row: this.#row(id, msg, own, analysis),
      text: utf8.decode(bytes),
      bytes: bytes.length,
      headers: headerDtos(msg),
      diagnostics: diagnostics.map(toDiagnosticDto),
      path,
      sdp: sdpTable(msg),
      previousHop: this.#previousHop(id, path),
    };
  }

  /** The copy of message `id` at the previous capture point of its hop, with its text. */
  #previousHop(id: number, path: PathDto | null): MessageDetail['previousHop'] {
    const copies = path?.hop?.copies ?? [];
    const at = copies.findIndex((c) => c.id === id);
    if (at <= 0) return null;
    const prev = copies[at - 1]!;
    const m = this.#trace.message(prev.id);
    return { ...prev, text: utf8.decode(m.raw.subarray(m.start, m.end)) };
  }

  /** Path view data for message `id`: its Via/Route/Record-Route, its hop through the elements, its dialog. */
  #path(id: number, a: TraceAnalyzer): PathDto | null {
    const t = this.#trace;
    let p;
    try {
      p = messagePath(a, id);
    } catch {
      return null;
    }
    const call = a.messageFields(id).call;
    const hop = call ? callHops(a, call).find((h) => h.copies.includes(id)) : undefined;
    const d = a.dialogOf(id);
    const dj = d >= 0 && a.dialogList[d] ? a.dialogJson(a.dialogList[d]) : null;
    return {
      via: p.via.map((v) => ({
        transport: v.transport,
        sentBy: v.sentBy,
        branch: v.branch,
        received: v.received,
        rport: v.rport === null || v.rport === false ? null : v.rport === true ? '' : String(v.rport),
      })),
      route: p.route,
      recordRoute: p.recordRoute,
      strict: p.strict,
      hop: hop
        ? {
            label: hop.label,
            copies: hop.copies.map((c) => ({
              id: c,
              frame: t.frame(c),
              src: t.src(c),
              dst: t.dst(c),
              time: t.timeUs(c) / 1e6,
            })),
            steps: hop.steps,
          }
        : null,
      dialog: dj
        ? {
            id: dj.id,
            state: dj.state,
            routeSet: dj.routeSet,
            remoteTarget: dj.remoteTarget,
            strictRouting: dj.strictRouting,
          }
        : null,
    };
  }

  callMessageIds(call: string): number[] | null {
    if (!this.#full) {
      const t1 = this.#t1;
      const g = t1.resolveGroup(call);
      return g < 0 ? null : t1.groupMessageIds(g);
    }
    const root = this.#full.resolveCall(call);
    return root < 0 ? null : this.#full.callMessageIds(root);
  }

  #messageStats: { count: number; stats: CaptureStatsDto['messages'] } | null = null;
  /** Message statistics of the whole trace (columns, once per trace length) and call statistics of the calls `filter` keeps. */
  stats(filter: string): CaptureStatsDto {
    const t = this.#trace;
    if (this.#messageStats?.count !== t.count)
      this.#messageStats = {
        count: t.count,
        stats: messageStats(t, this.#full ? this.#full.retransmissionCount : null),
      };
    const all = this.#calls();
    const { indexes, error } = this.#filtered(filter);
    return {
      messages: this.#messageStats.stats,
      calls: error ? null : callStats(indexes ? indexes.map((i) => all[i]!) : all),
      filter,
      filterError: error,
    };
  }

  #media: { at: number; calls: unknown; media: unknown; result: MediaAnalysis } | null = null;

  /**
   * The media analysis (media/call-media.ts) over the calls: the full analysis' (one cache,
   * `analyzerMedia`, per trace length, call grouping and media snapshot, which the calls list's rows
   * and the filter read too), else tier 1's while the full analysis runs.
   */
  #mediaAnalysis(): MediaAnalysis | null {
    const t = this.#trace;
    if (!t.media) return null;
    if (this.#full) return analyzerMedia(this.#full);
    const calls = this.#calls();
    if (this.#media?.at !== t.count || this.#media.calls !== calls || this.#media.media !== t.media)
      this.#media = {
        at: t.count,
        calls,
        media: t.media,
        result: analyzeMedia(t, { calls, messageIds: (c) => this.callMessageIds(c) ?? [] }),
      };
    return this.#media.result;
  }

  callMedia(call: string | null): CallMediaDto | null {
    let id: string | null = null;
    if (call !== null) {
      const root = this.#analyzer.resolveCall(call);
      if (root < 0) return null;
      id = callId(root);
    }
    const a = this.#mediaAnalysis();
    const dtmf = id === null ? undefined : this.#callDtmf(id, a);
    if (!a) return { call: id, verdict: null, streams: [], diagnostics: [], ...(dtmf && { dtmf }) };
    const streams = a.streams.filter((x) => id === null || x.call === id).map(streamJson);
    const diagnostics = a.diagnostics.filter((d) => id === null || d.call === id).map(toDiagnosticDto);
    return {
      call: id,
      verdict: id === null ? null : (a.calls.get(id)?.verdict ?? null),
      streams,
      diagnostics,
      ...(dtmf && { dtmf }),
    };
  }

  /** Call `id`'s digits (RFC 4733 events of its streams, its INFO/KPML requests); undefined when none. */
  #callDtmf(id: string, media: MediaAnalysis | null): DtmfDigitJson[] | undefined {
    const ids = this.callMessageIds(id);
    if (!ids?.length) return undefined;
    return callDtmf(this.#trace, () => id, media, ids).get(id);
  }

  /**
   * The roles of the lanes of these calls' ladder, in trace order of their messages; the addresses
   * that forward requests in the trace's first messages count as proxies in every ladder.
   */
  laneRoles(calls: readonly string[]): LaneRoleDto[] {
    const ids = new Set<number>();
    for (const c of calls) for (const id of this.callMessageIds(c) ?? []) ids.add(id);
    const t = this.#trace;
    return laneRoles(
      t,
      [...ids].sort((a, b) => a - b),
      traceProxies(t),
    );
  }

  callCount(): number {
    // (while reading, tier 1's count: no call rows built for a progress figure)
    if (this.#reading) return (this.#reading.catchUp(), this.#reading.ng);
    return this.#calls().length;
  }

  /** Call roots and summaries, computed once per trace length (captures are static; live traces grow). */
  #calls(): CallDto[] {
    if (!this.#full) return this.#quickCalls();
    if (
      !this.#callCache ||
      this.#callCacheAt !== this.#trace.count ||
      this.#msgCodes?.at !== this.#checked ||
      this.#callCacheMedia !== this.#trace.media
    ) {
      this.#callRoots = this.#analyzer.callRoots();
      const msgCodes = this.#messageCodes();
      // The digits of every call: two passes over the trace's columns, the INFO/NOTIFY bodies read.
      const dtmf = analyzerDtmf(this.#analyzer, callId);
      this.#callCache = this.#callRoots.map((r) => this.#callRow(r, msgCodes, (c) => dtmf.get(c)));
      this.#callCacheAt = this.#trace.count;
      this.#callCacheMedia = this.#trace.media;
      this.#filterCache = null;
    }
    return this.#callCache;
  }

  /**
   * The calls list's row of call `root` (full analysis), with its message-level diagnostics and, in a
   * capture with RTP, its media verdict and rules (the problems row's `callMediaProblems` analysis).
   */
  #callRow(
    root: number,
    msgCodes: Map<number, { codes: string[]; count: number }>,
    /** Call `id`'s digits. */
    dtmf: (id: string) => readonly DtmfDigitJson[] | undefined,
  ): CallDto {
    const an = this.#analyzer;
    const first = an.groups[root]?.firstRequestId ?? -1;
    const dto = toCallDto(
      an.callSummary(root),
      first >= 0 ? this.#trace.src(first) : null,
      first >= 0 ? this.#trace.dst(first) : null,
    );
    dto.diagnostics += msgCodes.get(root)?.count ?? 0;
    if (this.#trace.media) this.#callRtp(dto);
    const digits = dtmf(dto.id);
    if (digits?.length) dto.dtmf = digits.map((d) => d.digit).join(' ');
    // Legs in the order their Call-IDs appear in the trace, as the ladder tags them (A, B, C...).
    if (dto.callIds.length > 2) dto.callIds = [...dto.callIds].sort((x, y) => an.groupOf(x) - an.groupOf(y));
    return dto;
  }

  /** Per media analysis: each call's media diagnostics, counted once over the analysis. */
  #mediaDiagCounts = new WeakMap<MediaAnalysis, Map<string, number>>();

  /**
   * Sets the RTP fields of a call's row (and adds its media diagnostics to its count). Only here: a
   * capture without RTP has rows without them, the same objects as before they existed (the calls
   * page is a hot path).
   */
  #callRtp(dto: CallDto): void {
    const m = analyzerMedia(this.#analyzer);
    const c = m?.calls.get(dto.id);
    if (!m || !c) return;
    let counts = this.#mediaDiagCounts.get(m);
    if (!counts) {
      counts = new Map();
      for (const d of m.diagnostics) if (d.call) counts.set(d.call, (counts.get(d.call) ?? 0) + 1);
      this.#mediaDiagCounts.set(m, counts);
    }
    dto.diagnostics += counts.get(dto.id) ?? 0;
    dto.rtp = c.verdict;
    let forward = false;
    let loss = -1;
    for (const i of c.streams) {
      const s = m.streams[i]!;
      if (s.record.packets > 0 && s.direction === 'forward') forward = true;
      loss = Math.max(loss, Math.round(s.lossFraction * 10000) / 100);
    }
    dto.rtpOneWay = c.verdict === 'one-way' ? (forward ? 'forward' : 'reverse') : null;
    dto.rtpLoss = loss < 0 ? null : loss;
  }

  /**
   * The calls list before the full analysis ends: tier 1's Call-ID groups (no joined legs, codecs or
   * media yet), From/To read from each group's first request when a page shows it.
   */
  #quickCalls(): CallDto[] {
    const t1 = this.#t1;
    if (!this.#callCache || this.#callCacheAt !== this.#trace.count) {
      // While the file is read, the list as built last time until 4× its build time has passed: each
      // build makes every call's row (~1.5 µs a call, 0.2-0.4 s at 150k calls on a loaded machine), on
      // the thread that also indexes the parts the read hands over, however often clients ask.
      const now = performance.now();
      if (this.#callCache && this.#reading && now - this.#quickBuilt.at < 4 * this.#quickBuilt.ms)
        return this.#callCache;
      this.#callCache = t1.calls().map((c) => quickCallDto(c));
      this.#quickFirst = t1.partyMessages(this.#callCache.length);
      this.#callCacheAt = this.#trace.count;
      this.#filterCache = null;
      this.#quickBuilt = { at: now, ms: performance.now() - now };
    }
    return this.#callCache;
  }
  #quickBuilt = { at: 0, ms: 0 };
  #quickFirst = new Int32Array(0);

  /** Fills From/To and src/dst of the quick calls a page shows (read once per call). */
  #fillParties(items: CallDto[]): void {
    if (this.#full) return;
    const t = this.#trace;
    for (const c of items) {
      if (c.src !== null) continue;
      const first = this.#quickFirst[Number(c.id.slice(1)) - 1] ?? -1;
      if (first < 0) continue;
      // (src/dst are the first request's: none for a call seen by responses only, as the full analysis)
      const req = t.kind(first) === 'request';
      Object.assign(c, callParties(t.message(first)), {
        src: req ? t.src(first) : null,
        dst: req ? t.dst(first) : null,
      });
    }
  }

  /** Indexes (into the call cache) of the calls matching `filter`, remembered for the last filter. */
  #filtered(filter: string): { indexes: number[] | null; error: CallsPage['filterError'] } {
    const all = this.#calls();
    if (!filter.trim()) return { indexes: null, error: null };
    if (this.#filterCache?.text === filter) return this.#filterCache.result;
    const c = compileFilter(filter);
    const result = c.ok
      ? {
          indexes: all
            .map((_, i) => i)
            .filter((i) => c.filter.matchCall(this.#analyzer, this.#callRoots[i]!)),
          error: null,
        }
      : { indexes: null, error: { message: c.error.message, column: c.error.column } };
    this.#filterCache = { text: filter, result };
    return result;
  }

  /** The last `filteredMessageIds` answer: for that filter's call set (`of`) at that trace length. */
  #messagesView: { of: object; count: number; ids: Int32Array } | null = null;

  /**
   * The ids of the messages of the calls `filter` keeps, in trace order (the messages list that
   * follows the calls list's filter pages through it); null for every message — no filter, or one
   * that does not parse (the calls list is then unfiltered too). Kept for the last filter: a page
   * costs its slice. Needs the full analysis.
   */
  filteredMessageIds(filter: string): Int32Array | null {
    const f = this.#filtered(filter);
    if (!f.indexes) return null;
    const n = this.#trace.count;
    const v = this.#messagesView;
    if (v?.of === f && v.count === n) return v.ids;
    // Marked, then read in order: linear in the trace, whatever the number of calls kept.
    const mark = new Uint8Array(n);
    let k = 0;
    for (const i of f.indexes)
      for (const id of this.#analyzer.callMessageIds(this.#callRoots[i]!))
        if (id < n && mark[id] === 0) {
          mark[id] = 1;
          k++;
        }
    const ids = new Int32Array(k);
    for (let id = 0, j = 0; j < k; id++) if (mark[id] === 1) ids[j++] = id;
    this.#messagesView = { of: f, count: n, ids };
    return ids;
  }

  /**
   * The calls list as filtered and sorted, kept for the last (filter, sort, direction): scrolling
   * asks for page after page of the same view, each then costs its slice, not a sort of every call.
   */
  #view: {
    all: CallDto[];
    key: string;
    calls: CallDto[];
    byState: Record<string, number>;
    problems: ProblemCount[];
    error: CallsPage['filterError'];
  } | null = null;

  /**
   * Each call's diagnostic codes at a trace size, from the full analysis (empty until it ends: tier 1's
   * timer rules cost ~0.1-0.3 µs per message to list, which the first calls page would wait for) and,
   * once they ran, the message checks (`checkMessages`).
   */
  #problemCodes: { count: number; checked: number; byCall: Map<string, string[]> } | null = null;

  #codesByCall(): Map<string, string[]> {
    if (!this.#full) return new Map();
    const n = this.#trace.count;
    const all = this.#calls();
    if (this.#problemCodes?.count !== n || this.#problemCodes.checked !== this.#checked) {
      const byCall = codesByCall(this.#full.diagnostics());
      const msgCodes = this.#messageCodes();
      this.#callRoots.forEach((r, i) => {
        const m = msgCodes.get(r);
        if (!m) return;
        const id = all[i]!.id;
        const codes = byCall.get(id);
        if (!codes) byCall.set(id, m.codes.slice());
        else for (const c of m.codes) if (!codes.includes(c)) codes.push(c);
      });
      // The media rules' codes: the call's, as the filter's call.rtp.problem sees them (captures with RTP only).
      if (this.#trace.media)
        for (const c of all) {
          const media = callMediaProblems(this.#analyzer, c.id);
          if (media.length === 0) continue;
          const codes = byCall.get(c.id);
          if (!codes) byCall.set(c.id, media.slice());
          else for (const code of media) if (!codes.includes(code)) codes.push(code);
        }
      this.#problemCodes = { count: n, checked: this.#checked, byCall };
    }
    return this.#problemCodes.byCall;
  }

  queryCalls(q: Omit<CallsQuery, 'captureId'>): CallsPage {
    const all = this.#calls();
    const filter = q.filter ?? '';
    const key = `${q.sort ?? 'start'}|${q.desc ? 1 : 0}|${filter}`;
    let v = this.#view;
    if (!v || v.all !== all || v.key !== key) {
      const { indexes, error } = this.#filtered(filter);
      let calls = indexes ? indexes.map((i) => all[i]!) : all;
      if (q.sort === 'diagnostics') {
        // (the worst severity first, then as the list is by start — a stable sort of it: the most
        // broken call on top)
        const rank = severityRanks(this.#codesByCall(), calls, this.#pipelineCodes);
        calls = [...calls].sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
      } else if (q.sort && q.sort !== 'start') {
        const sortKey = q.sort;
        calls = [...calls].sort((a, b) => compareCalls(a, b, sortKey));
      }
      if (q.desc) calls = [...calls].reverse();
      const byState: Record<string, number> = {};
      for (const c of calls) byState[c.state] = (byState[c.state] ?? 0) + 1;
      v = this.#view = {
        all,
        key,
        calls,
        byState,
        problems: countProblems(this.#codesByCall(), calls, this.#pipelineCodes),
        error,
      };
    }
    const items = v.calls.slice(q.offset, q.offset + q.limit);
    this.#fillParties(items);
    return {
      total: v.calls.length,
      offset: q.offset,
      items,
      byState: { ...v.byState },
      problems: v.problems.map((p) => ({ ...p })),
      filterError: v.error,
    };
  }

  exportLadder(calls: readonly string[], format: LadderExportFormat): ExportFile {
    let an = this.#full;
    let refs = calls;
    let name: string | null = null;
    if (!an && calls.length === 1 && this.answersWhileReading()) {
      // (one call while the file is read: its Call-ID group so far, where it is C1)
      const g = this.#t1.resolveGroup(calls[0]!);
      if (g < 0) throw new ApiError('not-found', `no call ${calls[0]} in this trace`);
      an = this.#groupAnalyzer(g);
      refs = ['C1'];
      name = `C${g + 1}`;
    }
    an ??= this.#analyzer;
    const model = ladderModel(an, refs);
    if (!model) {
      const unknown = calls.find((c) => an.resolveCall(c) < 0) ?? calls.join(', ');
      throw new ApiError('not-found', `no call ${unknown} in this trace`);
    }
    if (name !== null) {
      // (named as the calls list and the rows name it: tier 1's call, transactions and dialogs)
      model.call = name;
      model.calls = [name];
      for (const arrow of model.arrows) {
        const f = this.#fields(arrow.id);
        arrow.call = name;
        arrow.transaction = f.transaction;
        arrow.dialog = f.dialog;
      }
    }
    const ext = { svg: 'svg', mermaid: 'mmd', plantuml: 'puml', text: 'txt' }[format];
    const mime = { svg: 'image/svg+xml', mermaid: 'text/plain', plantuml: 'text/plain', text: 'text/plain' }[
      format
    ];
    return {
      fileName: `${safeName(this.#trace.source.name)}-${model.calls.length > 3 ? `${model.calls.length}-calls` : model.calls.join('+')}.${ext}`,
      mime,
      text: renderLadder(model, format),
    };
  }

  exportSipp(call: string, side: string, keepTiming: boolean, media?: SippEndMedia): ExportFile {
    if (this.#analyzer.resolveCall(call) < 0)
      throw new ApiError('not-found', `no call ${call} in this trace`);
    try {
      const x = sippExport(this.#analyzer, call, {
        side,
        keepTiming,
        ...(media ? { media: new Map([[media.side, media.media]]) } : {}),
      });
      return {
        fileName: `${this.#sippBase(x.call, side, x.scenario.side)}.xml`,
        mime: 'application/xml',
        text: x.scenario.xml,
      };
    } catch (e) {
      if (e instanceof SippExportError) throw new ApiError('bad-request', e.message);
      throw e;
    }
  }

  /**
   * {@link exportSipp} with the RTP that end sent as a pcap its scenario plays (export/sipp.ts), read
   * back from the capture (`path`: a gzip capture's file); the scenario alone when the capture holds
   * none of that end's RTP.
   */
  async exportSippWithMedia(
    call: string,
    side: string,
    keepTiming: boolean,
    path: string | null,
  ): Promise<ExportFile & { media?: ExportFile }> {
    let ends: SippExport;
    try {
      if (this.#analyzer.resolveCall(call) < 0)
        throw new ApiError('not-found', `no call ${call} in this trace`);
      ends = sippExport(this.#analyzer, call, { side });
    } catch (e) {
      if (e instanceof SippExportError) throw new ApiError('bad-request', e.message);
      throw e;
    }
    const m = await sippMediaPcap(this.#analyzer, call, ends.scenario.side, ends.peer.side, path);
    if (!m) return this.exportSipp(call, side, keepTiming);
    const file = `${this.#sippBase(ends.call, side, ends.scenario.side)}-rtp.pcap`;
    const { pcap, ...at } = m;
    return {
      ...this.exportSipp(call, side, keepTiming, { side: ends.scenario.side, media: { file, ...at } }),
      media: {
        fileName: file,
        mime: 'application/vnd.tcpdump.pcap',
        base64: Buffer.from(pcap).toString('base64'),
      },
    };
  }

  /** `NAME-C3-sipp-caller`: the file name (no extension) of a call's SIPp export. */
  #sippBase(call: string, side: string, resolved: string): string {
    const who = side === 'caller' || side === 'callee' ? side : safeName(resolved);
    return `${safeName(this.#trace.source.name)}-${call}-sipp-${who}`;
  }

  exportCalls(filter: string | undefined): ExportFile {
    const { indexes, error } = this.#filtered(filter ?? '');
    if (error) throw new ApiError('bad-request', `filter, column ${error.column}: ${error.message}`);
    const roots = indexes ? indexes.map((i) => this.#callRoots[i]!) : this.#callRoots;
    const text = callsCsv(roots.map((r) => this.#analyzer.callSummary(r)));
    return { fileName: `${safeName(this.#trace.source.name)}-calls.csv`, mime: 'text/csv', text };
  }

  exportCapture(calls: string[], format: 'pcap' | 'pcapng', extra: readonly FrameRef[] = []): ExportFile {
    const ids = new Set<number>();
    for (const c of calls) for (const id of this.callMessageIds(c) ?? []) ids.add(id);
    if (!ids.size) throw new ApiError('not-found', 'none of these calls is in this trace');
    const chunks: Uint8Array[] = [];
    const write = format === 'pcap' ? writePcap : writePcapng;
    const r = write(
      this.#trace,
      [...ids].sort((a, b) => a - b),
      (c) => chunks.push(c.slice()),
      extra,
    );
    if (r.frames === 0) {
      throw new ApiError(
        'unreadable',
        'this trace has no capture frames to export (a simulation: write its pcap with sipscope simulate NAME --pcap FILE)',
      );
    }
    return {
      fileName: `${safeName(this.#trace.source.name)}-${calls.length === 1 ? calls[0] : `${calls.length}-calls`}.${format}`,
      mime: 'application/vnd.tcpdump.pcap',
      base64: Buffer.concat(chunks).toString('base64'),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.aborted = true;
    this.readFailed(new ApiError('not-found', 'the capture was closed while it was read'));
    this.#tiered?.detach();
    this.#trace.close();
  }
}

/** The message's SDP body as a table, or null when it has none. */
/**
 * The body in a word for the ladder and tables: `SDP` for application/sdp, else the media subtype
 * (`dtmf-relay`, `sipfrag`, `pidf+xml`) or `multipart`; `body` when the type is missing.
 */
export function bodyLabel(msg: SipMessage): string | null {
  if (msg.bodyLength <= 0) return null;
  const type = (msg.contentType ?? '').trim().toLowerCase();
  const mediaType = type.split(';', 1)[0]!.trim();
  if (mediaType === 'application/sdp') return 'SDP';
  if (mediaType.startsWith('multipart/')) return 'multipart';
  const slash = mediaType.indexOf('/');
  const sub = slash >= 0 ? mediaType.slice(slash + 1) : mediaType;
  return sub || 'body';
}

function sdpTable(msg: SipMessage): SdpDto | null {
  if (msg.bodyLength === 0 || !(msg.contentType ?? '').toLowerCase().includes('application/sdp')) return null;
  const { value: sdp, diagnostics } = parseSdpBytes(msg.raw, {
    start: msg.bodyStart,
    end: msg.bodyStart + msg.bodyLength,
  });
  if (!sdp)
    return {
      origin: null,
      sessionName: null,
      connection: null,
      media: [],
      problems: diagnostics.map((d) => d.code),
    };
  const conn = (c: { netType: string; addrType: string; address: string } | null): string | null =>
    c ? `${c.addrType} ${c.address}` : null;
  return {
    origin: sdp.origin
      ? `${sdp.origin.username} ${sdp.origin.sessId} ${sdp.origin.sessVersion} ${sdp.origin.addrType} ${sdp.origin.address}`
      : null,
    sessionName: sdp.sessionName,
    connection: conn(sdp.connections[0] ?? null),
    media: sdp.media.map((m) => ({
      media: m.media,
      port: m.port,
      proto: m.proto,
      connection: conn(effectiveConnection(sdp, m)),
      direction: effectiveDirection(sdp, m),
      codecs: mediaCodecs(m).map(
        (c) =>
          `${c.payloadType} ${c.encoding}${c.clockRate ? `/${c.clockRate}` : ''}${c.channels ? `/${c.channels}` : ''}${c.fmtp ? ` (${c.fmtp})` : ''}`,
      ),
      ptime: m.ptime,
    })),
    problems: diagnostics.map((d) => d.code),
  };
}

/** A file-name-safe version of a capture name (without its extension). */
/** The first index of sorted `xs` whose value is not below `x` (`xs.length` when none). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function safeName(name: string): string {
  return name.replace(/\.(pcapng|pcap|cap|gz|ya?ml)$/i, '').replace(/[^\w.-]+/g, '_') || 'trace';
}

/** The calls list's view of a call summary; `src`/`dst`: where its first request (the INVITE) went. */
function toCallDto(c: CallSummary, src: string | null, dst: string | null): CallDto {
  const codecs = [...c.codecs.offer];
  for (const x of c.codecs.answer) if (!codecs.includes(x)) codecs.push(x);
  return {
    id: c.id,
    callIds: c.callIds,
    type: c.type,
    state: c.state,
    from: c.from,
    to: c.to,
    fromUser: c.fromUser,
    toUser: c.toUser,
    finalStatus: c.finalStatus,
    start: c.start,
    end: c.end,
    pdd: c.pdd,
    setupTime: c.setupTime,
    duration: c.duration,
    startOpen: c.startOpen,
    codecs: c.codecs.answer.length ? c.codecs.answer : codecs,
    media: c.media,
    messages: c.messages,
    legs: c.callIds.length,
    diagnostics: c.diagnostics,
    src,
    dst,
    links: c.links,
  };
}

/**
 * A tier-1 group as the calls list shows it until the full analysis ends (From/To filled per page).
 * One object literal with `toCallDto`'s fields in its order (the same shape for V8): the former
 * rest/spread copy through a `CallSummary` took ~10 µs per call (1.6 s of a 1 GB capture's 155k).
 */
function quickCallDto(c: Tier1Call): CallDto {
  return {
    id: c.id,
    callIds: [c.callId],
    type: c.type,
    state: c.state,
    from: null,
    to: null,
    fromUser: null,
    toUser: null,
    finalStatus: c.finalStatus,
    start: c.start,
    end: c.end,
    pdd: c.pdd,
    setupTime: c.setupTime,
    duration: c.duration,
    startOpen: c.startOpen,
    codecs: [],
    media: [],
    messages: c.messages,
    legs: 1,
    diagnostics: c.diagnostics,
    src: null,
    dst: null,
    links: [],
  };
}

/** One collator for every string sort (String.prototype.localeCompare builds one per call). */
const collator = new Intl.Collator(undefined, { numeric: true });

/**
 * The media sort's order: the calls whose media went wrong first (one-way, then no media), two-way,
 * not captured, not expected, no RTP in the capture; within a verdict the higher loss first.
 */
const RTP_ORDER: Record<string, number> = {
  'one-way': 0,
  'no-media': 1,
  'two-way': 2,
  'not-captured': 3,
  'not-expected': 4,
};

function compareCalls(a: CallDto, b: CallDto, key: CallSortField): number {
  if (key === 'rtp') {
    const d =
      (RTP_ORDER[a.rtp ?? ''] ?? 5) - (RTP_ORDER[b.rtp ?? ''] ?? 5) || (b.rtpLoss ?? -1) - (a.rtpLoss ?? -1);
    return d || a.start - b.start;
  }
  const x = a[key];
  const y = b[key];
  if (x === y) return a.start - b.start;
  // null, or absent (`dtmf`): last.
  if (x === null || x === undefined) return 1;
  if (y === null || y === undefined) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return collator.compare(String(x), String(y));
}

/**
 * Files up to this size are read on the calling thread; larger ones in ingest workers, so the host
 * never blocks long. Measured with the bundled worker (out/main/ingest-worker.js), load ~11 on two
 * cores: a worker opens even a one-call file in ~130–190 ms (start-up, cold code), while reading in
 * the thread (full parse) blocks it ~20–85 ms for 0.25 MB, ~35–50 ms for 1 MB, ~100–115 ms for 4 MB.
 * 2 MiB keeps the longest block near 60 ms under that load (about half when the machine is quiet).
 * (Session 1 chose 4 MiB when a worker started from TypeScript sources took ~3 s.)
 */
export const IN_THREAD_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Opens capture files for the app: the index pass only (`parse: false`, the fields the trace keeps
 * plus the analysis keys), as `npm run bench -- ingest` measures it. A full parse at ingest would
 * only count parser diagnostics for the CLI's summary; the app reads a message's diagnostics from
 * the analysis (tier 2) and parses a message's headers when a view asks.
 */
export class CoreCaptureLoader implements CaptureLoader {
  async load(
    path: string,
    o: {
      signal: AbortSignal;
      onProgress: (done: number, total: number) => void;
      keylog?: string;
      onReading?: (trace: TraceAdapter) => void;
    },
  ): Promise<TraceAdapter> {
    // The user's key log and the process's (--keylog, SSLKEYLOGFILE) together.
    const keylog = o.keylog === undefined ? undefined : `${defaultKeylogText() ?? ''}\n${o.keylog}`;
    if ((await stat(path)).size <= IN_THREAD_MAX_BYTES) {
      let log: TlsKeyLog | undefined;
      if (keylog !== undefined) (log = new TlsKeyLog()).add(keylog);
      const r = await ingestCaptureFile(path, {
        onProgress: o.onProgress,
        cancelled: () => o.signal.aborted,
        parse: false,
        ...(log ? { keylog: log } : {}),
      });
      if (r.cancelled || o.signal.aborted) {
        r.file.close();
        throw new IngestError('cancelled', 'ABORT_ERR');
      }
      if (r.trace.source.compression !== null) r.file.close();
      else r.trace.setCloser(() => r.file.close());
      return new TraceAdapter(r.trace, r.diagnostics, { background: true });
    }
    // One worker reads the file and hands its rows over as it reads (columns shared: no copy); the
    // quick analysis (tier 1) indexes each part here meanwhile, so the capture shows about when the
    // read ends. Measured on the 1 GB bench capture (2,018,678 messages), fresh processes, session 7,
    // three rounds alternating at load 1.6-1.9: the read alone 2.10-2.72 s; this 2.79-3.26 s (1.05-1.54x
    // the read in the same round), peak RSS 651-694 MB (0.61-0.65x the file); the read then tier 1
    // 2.94-3.95 s, 539-540 MB. Two workers are no faster on two cores (see openCapture).
    // With `onReading`, the calls list answers from the first part on (tier 1 over the rows so far):
    // the same adapter, told when the read ends (`readEnded`), is what this returns.
    let reading: TraceAdapter | null = null;
    const onReading = o.onReading;
    let opened: OpenedCapture;
    let tier1: Tier1Analysis | null;
    let tiered: TieredAnalysis | null;
    try {
      ({ opened, tier1, tiered } = await openCaptureWithTier1(path, {
        signal: o.signal,
        onProgress: o.onProgress,
        parse: false,
        ...(keylog !== undefined ? { keylog } : {}),
        ...(onReading
          ? {
              onPart: (t1: Tier1Analysis, early: TieredAnalysis | null) => {
                if (reading) return;
                reading = new TraceAdapter(t1.trace, [], {
                  background: true,
                  tier1: t1,
                  tiered: early,
                  reading: true,
                });
                onReading(reading);
              },
            }
          : {}),
      }));
    } catch (err) {
      (reading as TraceAdapter | null)?.readFailed(err);
      throw err;
    }
    const r = reading as TraceAdapter | null;
    if (r && r.trace === opened.trace) {
      r.readEnded(opened.diagnostics);
      return r;
    }
    return new TraceAdapter(opened.trace, opened.diagnostics, { background: true, tier1, tiered });
  }
}

/**
 * The tiered analysis of a trace opened in the background: `early` (tier 2 ran while the file was read,
 * over `tier1`; its tier 1 now follows the trace), else a new one over `tier1` (or a new tier 1).
 */
function attachTiered(
  trace: Trace,
  tier1: Tier1Analysis | null,
  early: TieredAnalysis | null,
): TieredAnalysis {
  if (early && early.trace === trace && (tier1 === null || early.tier1 === tier1)) {
    early.readEnded();
    return early;
  }
  return TieredAnalysis.attach(trace, tier1 ?? undefined);
}

/**
 * Tier 2 in an idle turn of the read: steps of messages until this many ms passed (a client's request
 * or the next part waits about that long at most). A step's size adapts (halved after a step over
 * the budget, doubled up to TIER2_READING_MAX after one under it): tier 2's first messages run cold
 * (a first step of 2,048 took 200–290 ms at load 11), later ones ~1.5 µs each.
 */
const TIER2_READING_MS = 3;
const TIER2_READING_MAX = 2048;

/**
 * Opens a capture in one worker with the quick analysis (tier 1) indexing each part of the trace
 * as it arrives (the app's open of a large file, see `CoreCaptureLoader`). Each part comes after the
 * read's position, so tier 1 sizes its tables once for the messages the whole file will hold
 * (messages so far × file size / octets read) instead of growing them (and rehashing) part by part.
 * With `tier2WhileReading` (or `SIPSCOPE_TIER2_READING=1`), tier 2 (the full analysis) follows tier 1
 * in the turns the read leaves idle on this thread (no part waiting: `OpenOptions.whileReading`), a
 * few ms per turn, and the adapter's `analyse()` goes on from there (`tiered`); the result is the
 * same. Off by default: at 1 GB tier 1 leaves the main thread little idle time during the read, and
 * tier 2's first messages there run cold (JIT, the Call-ID index then kept up to date part by part):
 * <1% of tier 2 got done during the read, and in a quiet A/B the open was 12–17% slower and the full
 * analysis complete 4–8% later (session 24, src/sip-core/analysis/README.md).
 */
export async function openCaptureWithTier1(
  path: string,
  opts: Omit<OpenOptions, 'onTrace' | 'onRows' | 'workers' | 'whileReading'> & {
    /** After tier 1 indexed each part (the calls so far can be listed); `tiered` as returned. */
    onPart?: (tier1: Tier1Analysis, tiered: TieredAnalysis | null) => void;
    /** Tier 2 in the read's idle turns (default off; `SIPSCOPE_TIER2_READING=1` turns it on). */
    tier2WhileReading?: boolean;
  },
): Promise<{ opened: OpenedCapture; tier1: Tier1Analysis | null; tiered: TieredAnalysis | null }> {
  const { onPart, tier2WhileReading, ...open } = opts;
  const early = tier2WhileReading ?? process.env.SIPSCOPE_TIER2_READING === '1';
  let tier1: Tier1Analysis | null = null;
  let tiered: TieredAnalysis | null = null;
  let done = 0;
  let total = 0;
  // One chunk of tier 2 in an idle turn; false when it caught up with tier 1 (until the next part),
  // or for good when the open was cancelled or the trace could not be read back (closed meanwhile:
  // tier 2 then starts over after the read, if it is still wanted).
  let stopped = false;
  let size = 16;
  const idleStep = (): boolean => {
    const t2 = tiered as TieredAnalysis | null;
    if (stopped || !t2 || open.signal?.aborted) return false;
    try {
      const t0 = performance.now();
      for (;;) {
        const s0 = performance.now();
        const more = t2.step(size);
        const now = performance.now();
        size = now - s0 > TIER2_READING_MS ? Math.max(1, size >> 1) : Math.min(TIER2_READING_MAX, size * 2);
        if (!more || now - t0 >= TIER2_READING_MS) return more;
      }
    } catch {
      stopped = true;
      return false;
    }
  };
  const opened = await openCapture(path, {
    ...open,
    onProgress: (d, t) => {
      done = d;
      total = t;
      open.onProgress?.(d, t);
    },
    onTrace: (t) => {
      const t1 = (tier1 = new Tier1Analysis(t));
      if (early) tiered = TieredAnalysis.whileReading(t, t1);
    },
    onRows: (t) => {
      const t1 = tier1 as Tier1Analysis | null;
      if (!t1) return;
      t1.catchUp(done > 0 && total > done ? Math.ceil((t.count * total) / done) : 0);
      onPart?.(t1, tiered);
    },
    ...(early ? { whileReading: () => idleStep() } : {}),
  });
  return { opened, tier1, tiered };
}

/**
 * The inspector's header rows: each field's value, what the header is for (`info`) and what this
 * value says in this message (`note`: its place in the Via stack, its tag, hops left...).
 */
function headerDtos(msg: SipMessage): HeaderDto[] {
  const counts = new Map<string, number>();
  for (const h of msg.headers) counts.set(h.canonical, (counts.get(h.canonical) ?? 0) + 1);
  const seen = new Map<string, number>();
  const kind = msg.kind === 'invalid' ? null : msg.kind;
  return msg.headers.map((h) => {
    const value = decodeUnfolded(msg.raw, h.valueSpan.start, h.valueSpan.end);
    const index = seen.get(h.canonical) ?? 0;
    seen.set(h.canonical, index + 1);
    const ctx: HeaderNoteContext | null = kind && {
      kind,
      method: kind === 'request' ? msg.method : msg.cseqMethod,
      status: msg.status,
      index,
      count: counts.get(h.canonical)!,
      bodyLength: Math.max(0, msg.end - msg.bodyStart),
    };
    return {
      name: h.name,
      canonical: h.canonical,
      value,
      info: headerInfo(h.canonical),
      note: ctx ? headerNote(h.canonical, value, ctx) : null,
    };
  });
}
