/**
 * The service host: implements the API of src/shared/api.ts once. The Electron IPC adapter and the
 * browser-mode WebSocket adapter both call `host.invoke()` and relay `host.onEvent()`.
 */
import { TlsKeyLog } from '../../sip-core/capture/tls/keylog';
import { normalizeServer, rsaKeyLine } from '../../sip-core/capture/tls/keylog-file.node.js';
import { basename, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import {
  ApiError,
  Events,
  Invoke,
  type AppInfo,
  type CallEditResult,
  type CallsPage,
  type CaptureSummary,
  type EventChannel,
  type EventMap,
  type InvokeChannel,
  type InvokeReq,
  type InvokeRes,
  type MessageRow,
  type LabDto,
  type LiveSourceDto,
  type MergeShiftDto,
  type Page,
  type RecentFile,
  type SampleInfo,
  type ScenarioRunResult,
} from '../../shared/api';
import { validateRequest } from '../../shared/validate';
import { laneNamesOf } from '../../shared/lane-names';
import { APP_NAME, APP_VERSION } from '../version';
import type { SampleSpec } from '../paths';
import { RecentFiles } from './recent';
import { CallEditsStore } from './call-edits';
import type { CaptureLoader, LoadedTrace } from './trace-source';
import type { Trace } from '../../sip-core/trace/trace';
import type { Diagnostic } from '../../sip-core/diagnostic';
import { toDiagnosticDto, TraceAdapter } from './capture-loader';
import {
  mergeToTemp,
  suggestShifts,
  type MergeInput,
  type MergeOptions,
  type TempMerge,
} from './merge-captures';
import { callsRtpFrames, liveCallsExport, traceStreamAudio, type PacketSource } from './stream-audio';
import { runScenario, scenarioLibrary, scenarioStreams, scenarioText } from './scenarios';
import { inlineNodeScript } from '../../sip-core/sim/scenario-edit';
import type { WirePacket } from '../../sip-core/sim/network';
import {
  labDto,
  labDtmf,
  labLibrary,
  labScriptWhy,
  labText,
  launchLab,
  liveDto,
  type RunningLab,
  type RunningLive,
} from './labs';
import { startDumpcap, startHepListener, startUdpMirror, type LiveSource, type LiveTrace } from '../live';

export interface HostOptions {
  mode: 'electron' | 'browser';
  /** The built-in sample captures that are installed, the basic one first. */
  samples: readonly SampleSpec[];
  /** Where recent files are remembered; null keeps them in memory only. */
  recent: RecentFiles;
  /** The calls' joins and splits remembered per capture file; absent: kept for the session only. */
  callEdits?: CallEditsStore;
  loader: CaptureLoader;
  /** Uploaded files (browser mode) by token: the adapter stores the bytes and hands the host the path. */
  resolveUpload?: (token: string) => string | null;
  electronVersions?: { electron: string; chrome: string };
  commit?: string | null;
}

interface OpenCapture {
  summary: CaptureSummary;
  trace: LoadedTrace | null;
  abort: AbortController;
  /** A simulated run's RTP packets (what `stream:audio` plays; a capture's are read from its file). */
  rtp?: readonly WirePacket[];
  /** A live trace's source of truth (its kept media plays and exports; its messages export). */
  live?: LiveTrace;
  /** Run when the capture is closed (a merge's temp file is deleted). */
  onClose?: () => void;
  /** How it was opened (a file's capture: reopened with a TLS key log). */
  source?: { path: string; o: OpenPathOptions };
}

type OpenPathOptions = {
  remember?: boolean;
  displayName?: string;
  uploaded?: boolean;
  merged?: TempMerge;
  /** A merge's inputs and options as given (merged again with other shifts). */
  mergeOf?: { inputs: readonly MergeInput[]; opts: MergeOptions };
  /** A TLS key log's text (on top of the process's --keylog / SSLKEYLOGFILE). */
  keylog?: string;
};

type Listener = <E extends EventChannel>(event: E, payload: EventMap[E]) => void;

export class ServiceHost {
  readonly #opts: HostOptions;
  readonly #callEdits: CallEditsStore;
  readonly #captures = new Map<string, OpenCapture>();
  readonly #listeners = new Set<Listener>();
  readonly #labs = new Map<string, RunningLab>();
  readonly #liveSources = new Map<string, RunningLive>();
  #nextId = 1;

  constructor(opts: HostOptions) {
    this.#opts = opts;
    this.#callEdits = opts.callEdits ?? new CallEditsStore(null);
  }

  /** Subscribes to every push event; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit<E extends EventChannel>(event: E, payload: EventMap[E]): void {
    for (const l of this.#listeners) l(event, payload);
  }

  /** Validates and runs one invoke request. Throws `ApiError` on bad input or failure. */
  async invoke<K extends InvokeChannel>(channel: K, req: unknown): Promise<InvokeRes<K>> {
    validateRequest<K>(channel, req);
    return (await this.#dispatch(channel, req)) as InvokeRes<K>;
  }

  async #dispatch<K extends InvokeChannel>(channel: K, req: InvokeReq<K>): Promise<unknown> {
    switch (channel) {
      case Invoke.appInfo:
        return this.appInfo();
      case Invoke.captureOpenPath:
        return this.openPath((req as InvokeReq<typeof Invoke.captureOpenPath>).path);
      case Invoke.captureOpenSample: {
        const id = (req as InvokeReq<typeof Invoke.captureOpenSample>)?.id;
        const sample = id === undefined ? this.#opts.samples[0] : this.#opts.samples.find((s) => s.id === id);
        if (!sample)
          throw new ApiError(
            'not-found',
            id === undefined
              ? 'no built-in sample capture is installed'
              : `no built-in sample capture "${id}" (installed: ${this.#opts.samples.map((s) => s.id).join(', ') || 'none'})`,
          );
        return this.openPath(sample.path, { remember: false });
      }
      case Invoke.captureOpenUpload: {
        const { token, name } = req as InvokeReq<typeof Invoke.captureOpenUpload>;
        const path = this.#opts.resolveUpload?.(token) ?? null;
        if (!path) throw new ApiError('not-found', 'no such upload (it may have expired)');
        return this.openPath(path, { remember: false, displayName: name, uploaded: true });
      }
      case Invoke.captureOpenMerged: {
        const { captures } = req as InvokeReq<typeof Invoke.captureOpenMerged>;
        return this.openMerged(
          captures.map((c) => {
            if ('path' in c) return { path: c.path };
            const path = this.#opts.resolveUpload?.(c.token) ?? null;
            if (!path) throw new ApiError('not-found', `no such upload: ${c.name} (it may have expired)`);
            return { path, name: c.name };
          }),
        );
      }
      case Invoke.captureRemerge: {
        const { captureId, shiftsUs } = req as InvokeReq<typeof Invoke.captureRemerge>;
        return this.remerge(captureId, shiftsUs);
      }
      case Invoke.captureMergeShifts:
        return this.mergeShifts((req as InvokeReq<typeof Invoke.captureMergeShifts>).captureId);
      case Invoke.captureCancel: {
        const c = this.#get((req as InvokeReq<typeof Invoke.captureCancel>).captureId);
        if (c.summary.state !== 'opening') return false;
        c.abort.abort();
        return true;
      }
      case Invoke.captureClose:
        return this.#close((req as InvokeReq<typeof Invoke.captureClose>).captureId);
      case Invoke.captureDecryptTls: {
        const { captureId, keylog, tlsKey } = req as InvokeReq<typeof Invoke.captureDecryptTls>;
        return this.decryptTls(captureId, keylog, tlsKey);
      }
      case Invoke.captureList:
        return [...this.#captures.values()].map((c) => c.summary);
      case Invoke.messagesPage: {
        const q = req as InvokeReq<typeof Invoke.messagesPage>;
        // (the calls list's filter, which the full analysis answers)
        const filter = q.call === undefined ? (q.filter ?? '').trim() : '';
        if (filter) {
          const trace = this.#ready(q.captureId);
          if (!trace.callsQueryReady({ offset: 0, limit: 0, filter })) await trace.analyse();
        }
        return this.messagesPage(q.captureId, q.offset, q.limit, q.call, filter);
      }
      case Invoke.messageGet: {
        const { captureId, id } = req as InvokeReq<typeof Invoke.messageGet>;
        // (while the file is read: the message's call as read so far; else once analysed)
        const now = this.#ready(captureId);
        const trace = now.answersWhileReading?.() ? now : await this.#analysed(captureId);
        if (id >= trace.count()) throw new ApiError('not-found', `no message ${id} in this capture`);
        const detail = trace.detail(id);
        const lab = [...this.#labs.values()].find((l) => l.captureId === captureId);
        if (lab) detail.script = labScriptWhy(lab.handle, detail.row);
        return detail;
      }
      case Invoke.callsQuery: {
        const { captureId, ...q } = req as InvokeReq<typeof Invoke.callsQuery>;
        const trace = this.#ready(captureId);
        if (!trace.callsQueryReady(q)) await trace.analyse();
        return trace.queryCalls(q) satisfies CallsPage;
      }
      case Invoke.callsJoin: {
        const { captureId, calls } = req as InvokeReq<typeof Invoke.callsJoin>;
        return this.#editCalls(captureId, (t) => t.joinCalls(calls));
      }
      case Invoke.callsSplit: {
        const { captureId, a, b } = req as InvokeReq<typeof Invoke.callsSplit>;
        return this.#editCalls(captureId, (t) => t.splitCall(a, b));
      }
      case Invoke.callsEdits: {
        const { captureId } = req as InvokeReq<typeof Invoke.callsEdits>;
        return this.#ready(captureId).callEdits();
      }
      case Invoke.callsUnedit: {
        const { captureId, a, b } = req as InvokeReq<typeof Invoke.callsUnedit>;
        return this.#editCalls(captureId, (t) => t.uneditCalls(a, b));
      }
      case Invoke.recentList:
        return this.#recentList();
      case Invoke.scenarioList:
        return scenarioLibrary();
      case Invoke.scenarioInlineScript: {
        const { yaml, node } = req as InvokeReq<typeof Invoke.scenarioInlineScript>;
        const r = inlineNodeScript(yaml, node);
        if ('error' in r) throw new ApiError('bad-request', r.error);
        return r;
      }
      case Invoke.scenarioGet: {
        const { name } = req as InvokeReq<typeof Invoke.scenarioGet>;
        return { name, yaml: scenarioText(name) };
      }
      case Invoke.captureStats: {
        const { captureId, filter } = req as InvokeReq<typeof Invoke.captureStats>;
        return (await this.#analysed(captureId)).stats(filter ?? '');
      }
      case Invoke.callMedia: {
        const { captureId, call } = req as InvokeReq<typeof Invoke.callMedia>;
        const media = (await this.#analysed(captureId)).callMedia(call ?? null);
        if (media === null) throw new ApiError('not-found', `no call ${call ?? ''} in this capture`);
        return media;
      }
      case Invoke.streamAudio: {
        const { captureId, stream, call, timing, losses, srtpKey } = req as InvokeReq<
          typeof Invoke.streamAudio
        >;
        const entry = this.#get(captureId);
        const trace = await this.#analysed(captureId);
        if (!(trace instanceof TraceAdapter))
          throw new ApiError('unplayable', 'this trace has no RTP to play');
        const source: PacketSource = entry.rtp
          ? { kind: 'simulation', rtp: entry.rtp }
          : entry.live
            ? { kind: 'live', spool: entry.live.spool, failure: entry.live.mediaFailure }
            : { kind: 'capture', path: entry.summary.path };
        return traceStreamAudio(
          trace.trace,
          stream !== undefined ? { stream } : { call: call! },
          timing ?? 'timestamp',
          source,
          losses ?? 'conceal',
          stream !== undefined && srtpKey ? new Map([[stream, srtpKey]]) : new Map<number, string>(),
        );
      }
      case Invoke.ladderRoles: {
        const { captureId, calls } = req as InvokeReq<typeof Invoke.ladderRoles>;
        return this.#ready(captureId).laneRoles(calls);
      }
      case Invoke.exportLadder: {
        const { captureId, calls, format } = req as InvokeReq<typeof Invoke.exportLadder>;
        // (one call while the file is read: its Call-ID group as read so far; else once analysed)
        const now = this.#ready(captureId);
        if (calls.length === 1 && now.answersWhileReading?.()) return now.exportLadder(calls, format);
        return (await this.#analysed(captureId)).exportLadder(calls, format);
      }
      case Invoke.exportCalls: {
        const { captureId, filter } = req as InvokeReq<typeof Invoke.exportCalls>;
        return (await this.#analysed(captureId)).exportCalls(filter);
      }
      case Invoke.exportCapture: {
        const { captureId, calls, format } = req as InvokeReq<typeof Invoke.exportCapture>;
        const entry = this.#get(captureId);
        const trace = await this.#analysed(captureId);
        if (entry.live && trace instanceof TraceAdapter)
          return liveCallsExport(entry.live, trace, calls, format);
        // A capture's calls go out with their RTP (a simulated run has no frames to export anyway).
        const rtp =
          trace instanceof TraceAdapter && !entry.rtp
            ? await callsRtpFrames(trace.trace, calls, entry.summary.path)
            : [];
        return trace.exportCapture(calls, format, rtp);
      }
      case Invoke.exportSipp: {
        const { captureId, call, side, keepTiming, media } = req as InvokeReq<typeof Invoke.exportSipp>;
        const entry = this.#get(captureId);
        const trace = await this.#analysed(captureId);
        // The RTP is read back from the capture file (a live trace's spool and a simulation: not yet).
        if (media && trace instanceof TraceAdapter && !entry.live && !entry.rtp)
          return trace.exportSippWithMedia(call, side ?? 'caller', keepTiming ?? false, entry.summary.path);
        return trace.exportSipp(call, side ?? 'caller', keepTiming ?? false);
      }
      case Invoke.liveStart:
        return this.startLive(req as InvokeReq<typeof Invoke.liveStart>);
      case Invoke.liveStop: {
        const src = this.#liveSources.get((req as InvokeReq<typeof Invoke.liveStop>).id);
        if (!src) throw new ApiError('not-found', 'no such live source');
        if (src.running) {
          src.running = false;
          await src.source.stop();
        }
        return liveDto(src);
      }
      case Invoke.liveList:
        return [...this.#liveSources.values()].map(liveDto);
      case Invoke.labList:
        return labLibrary();
      case Invoke.labStart:
        return this.startLab(req as InvokeReq<typeof Invoke.labStart>);
      case Invoke.labStop: {
        const lab = this.#lab((req as InvokeReq<typeof Invoke.labStop>).id);
        if (lab.running) {
          lab.running = false;
          await lab.handle.stop();
        }
        return labDto(lab);
      }
      case Invoke.labStatus:
        return labDto(this.#lab((req as InvokeReq<typeof Invoke.labStatus>).id));
      case Invoke.labRunning:
        return [...this.#labs.values()].filter((l) => l.running).map(labDto);
      case Invoke.labDtmf: {
        const r = req as InvokeReq<typeof Invoke.labDtmf>;
        return labDtmf(this.#lab(r.id), r);
      }
      case Invoke.scenarioRun:
        return this.runScenario(req as InvokeReq<typeof Invoke.scenarioRun>);
    }
    throw new ApiError('unknown-channel', `unknown channel ${String(channel)}`);
  }

  async appInfo(): Promise<AppInfo> {
    const samples: SampleInfo[] = [];
    for (const s of this.#opts.samples) {
      try {
        const { size } = await stat(s.path);
        samples.push({
          id: s.id,
          name: basename(s.path),
          bytes: size,
          title: s.title,
          description: s.description,
          ...(s.sort ? { sort: s.sort } : {}),
        });
      } catch {
        // Removed since start-up: not offered.
      }
    }
    return {
      name: APP_NAME,
      version: APP_VERSION,
      mode: this.#opts.mode,
      build: {
        node: process.versions.node,
        electron: this.#opts.electronVersions?.electron ?? null,
        chrome: this.#opts.electronVersions?.chrome ?? null,
        platform: `${process.platform}-${process.arch}`,
        commit: this.#opts.commit ?? null,
      },
      samples,
    };
  }

  /**
   * Opens a capture by path. Resolves when it is fully read (progress events meanwhile); a corrupt
   * file still resolves, with what could be read and file diagnostics naming the byte offset.
   */
  async openPath(path: string, o: OpenPathOptions = {}): Promise<CaptureSummary> {
    const abs = resolve(path);
    let size: number;
    try {
      const s = await stat(abs);
      if (!s.isFile()) throw new ApiError('unreadable', `${abs} is not a file`);
      size = s.size;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(
        'unreadable',
        `cannot open ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    const id = `cap${this.#nextId++}`;
    const name = o.displayName ?? basename(abs);
    const summary: CaptureSummary = {
      id,
      name,
      path: o.uploaded ? null : abs,
      bytes: size,
      format: 'unknown',
      state: 'opening',
      frames: 0,
      messages: 0,
      calls: 0,
      firstTime: null,
      lastTime: null,
      diagnostics: [],
      openMs: null,
      analysis: 0,
    };
    const abort = new AbortController();
    const entry: OpenCapture = {
      summary,
      trace: null,
      abort,
      ...(o.merged ? { onClose: o.merged.remove } : {}),
      source: { path: abs, o },
    };
    this.#captures.set(id, entry);
    const t0 = performance.now();
    try {
      // A large file's calls list answers while it is read (the same trace, growing): each progress
      // event then tells the messages and calls so far.
      let reading: LoadedTrace | null = null;
      const trace = await this.#opts.loader.load(abs, {
        signal: abort.signal,
        onProgress: (done, total) =>
          this.#emit(Events.captureProgress, {
            captureId: id,
            name,
            done,
            total,
            ...(reading ? { messages: reading.count(), calls: reading.callCount() } : {}),
          }),
        onReading: (t) => {
          if (abort.signal.aborted) return;
          reading = entry.trace = t;
          summary.messages = t.count();
          summary.calls = t.callCount();
        },
        ...(o.keylog !== undefined ? { keylog: o.keylog } : {}),
      });
      entry.trace = trace;
      // The joins and splits the user made in this file before (applied once its full analysis is there).
      if (!o.uploaded) trace.setCallEdits(await this.#callEdits.get(abs, size));
      Object.assign(summary, trace.summary(), {
        state: 'ready',
        openMs: Math.round(performance.now() - t0),
        analysis: trace.analysisProgress(),
      });
      // A merge: the inputs' damage and its notices (duplicates kept once, shifts) first.
      if (o.merged) {
        summary.diagnostics.unshift(...o.merged.diagnostics.map(toDiagnosticDto));
        const given = o.mergeOf?.inputs;
        summary.merged = {
          inputs: o.merged.inputs.map((i, k) => ({
            name: i.name,
            // An upload's path is the server's temp file: not shown.
            path: given?.[k]?.name !== undefined ? null : i.path,
            frames: i.frames,
            duplicates: i.duplicates,
            shiftUs: i.shiftUs,
          })),
          dedupWindowUs: o.merged.dedupWindowUs,
        };
      }
      summary.calls = trace.callCount();
      if (o.remember !== false) await this.#opts.recent.add(abs, name);
      this.#emit(Events.captureOpened, summary);
      if (summary.analysis < 1) this.#analyseInBackground(id, entry, trace);
      return summary;
    } catch (err) {
      this.#captures.delete(id);
      o.merged?.remove();
      const e = abort.signal.aborted
        ? new ApiError('cancelled', `opening ${name} was cancelled`)
        : err instanceof ApiError
          ? err
          : new ApiError(
              'unreadable',
              `cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`,
            );
      this.#emit(Events.captureFailed, { captureId: id, name, error: e.toData() });
      throw e;
    }
  }

  #close(id: string, keepFile = false): boolean {
    const c = this.#captures.get(id);
    if (!c) return false;
    c.abort.abort();
    c.trace?.close();
    c.live?.releaseMedia();
    if (!keepFile) c.onClose?.();
    this.#captures.delete(id);
    return true;
  }

  /**
   * Opens capture `id`'s file again with a TLS key log (NSS SSLKEYLOGFILE lines) and/or a server's
   * RSA private key (PEM or DER bytes in base64; for TLS 1.2 with RSA key exchange) so its SIP over
   * TLS and WSS is decrypted, then closes the capture it replaces (a merge's temp file passes to the
   * new one). The file is only read; a key log without a secret in it, or a key file that is not an
   * RSA private key, is refused.
   */
  async decryptTls(
    id: string,
    text: string | undefined,
    tlsKey?: { data: string; server?: string },
  ): Promise<CaptureSummary> {
    const c = this.#captures.get(id);
    if (!c) throw new ApiError('not-found', `no open capture ${id}`);
    if (!c.source) throw new ApiError('bad-request', `${c.summary.name} is not read from a file`);
    const log = new TlsKeyLog();
    if (text !== undefined && log.add(text) === 0)
      throw new ApiError(
        'bad-request',
        `no TLS secrets in the key log${log.badLines ? ` (${log.badLines} malformed lines)` : ''}: NSS key log lines are expected, e.g. CLIENT_RANDOM <64 hex digits> <96 hex digits>`,
      );
    let keylog = text ?? '';
    if (tlsKey) {
      const server = tlsKey.server === undefined ? null : normalizeServer(tlsKey.server);
      if (tlsKey.server !== undefined && server === null)
        throw new ApiError('bad-request', `"${tlsKey.server}" is not a server address (ip:port)`);
      try {
        keylog += `\n${rsaKeyLine(new Uint8Array(Buffer.from(tlsKey.data, 'base64')), server, 'the private key file')}`;
      } catch (e) {
        throw new ApiError('bad-request', e instanceof Error ? e.message : String(e));
      }
    }
    const { path, o } = c.source;
    const summary = await this.openPath(path, {
      ...o,
      remember: false,
      keylog: o.keylog !== undefined ? `${o.keylog}\n${keylog}` : keylog,
    });
    this.#close(id, o.merged !== undefined);
    return summary;
  }

  /**
   * Opens several captures as one (a call through an SBC and a proxy, one pcap from each host): merged
   * by time into a temp pcapng (service/merge-captures.ts), opened as `a.pcap + b.pcap`; the temp file
   * is deleted when the capture is closed.
   */
  async openMerged(inputs: readonly MergeInput[], opts: MergeOptions = {}): Promise<CaptureSummary> {
    let m: TempMerge;
    try {
      m = await mergeToTemp(inputs, opts);
    } catch (err) {
      throw new ApiError(
        'unreadable',
        `cannot merge ${inputs.map((i) => i.name ?? basename(i.path)).join(' + ')}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return this.openPath(m.path, {
      remember: false,
      displayName: m.name,
      uploaded: true,
      merged: m,
      mergeOf: { inputs, opts },
    });
  }

  /**
   * Merges capture `id`'s inputs again with shifts `shiftsUs` (one per input, µs), opens the result and
   * closes the capture it replaces (the inputs are only read; its temp file is deleted).
   */
  async remerge(id: string, shiftsUs: readonly number[]): Promise<CaptureSummary> {
    const c = this.#captures.get(id);
    if (!c) throw new ApiError('not-found', `no open capture ${id}`);
    const of = c.source?.o.mergeOf;
    if (!of) throw new ApiError('bad-request', `${c.summary.name} is not several captures merged`);
    if (shiftsUs.length !== of.inputs.length)
      throw new ApiError(
        'bad-request',
        `${of.inputs.length} shifts are needed (one per input), not ${shiftsUs.length}`,
      );
    const summary = await this.openMerged(
      of.inputs.map((i, k) => ({ ...i, shiftUs: shiftsUs[k]! })),
      of.opts,
    );
    this.#close(id);
    return summary;
  }

  /** The shifts that would put merged capture `id`'s hops in order (after its full analysis). */
  async mergeShifts(id: string): Promise<MergeShiftDto[]> {
    const c = this.#get(id);
    const m = c.source?.o.merged;
    if (!m) throw new ApiError('bad-request', `${c.summary.name} is not several captures merged`);
    const trace = await this.#analysed(id);
    return suggestShifts(m, trace.hopInversions?.(m.dedupWindowUs) ?? []);
  }

  /** Starts a HEP collector or a UDP mirror listener (127.0.0.1) and opens its live trace. */
  async startLive(req: InvokeReq<typeof Invoke.liveStart>): Promise<LiveSourceDto> {
    let source: LiveSource;
    try {
      source =
        req.kind === 'hep'
          ? await startHepListener({ host: '127.0.0.1', port: req.port })
          : await startUdpMirror({ host: '127.0.0.1', port: req.port });
    } catch (err) {
      throw new ApiError('unreadable', err instanceof Error ? err.message : String(err));
    }
    const captureId = this.#openLive(source.live, source.name);
    const entry: RunningLive = {
      id: `live${this.#nextId++}`,
      kind: req.kind,
      source,
      captureId,
      running: true,
    };
    this.#liveSources.set(entry.id, entry);
    return liveDto(entry);
  }

  /**
   * Starts an interface capture through dumpcap (`sipscope serve --iface`: a local, privileged
   * choice, not offered to the page) and opens its live trace: SIP and, unless `media` is false, the
   * RTP the widened filter admits (src/main/live/dumpcap.ts), its streams following the calls.
   */
  async startInterface(o: {
    iface: string;
    filter?: string;
    media?: boolean;
    /** MB of RTP/RTCP kept to play and save (live/media-spool.ts; default 256, 0: none). */
    keepMediaMB?: number;
  }): Promise<LiveSourceDto> {
    let source: LiveSource;
    try {
      const { keepMediaMB, ...rest } = o;
      source = await startDumpcap({
        ...rest,
        ...(keepMediaMB !== undefined ? { mediaKeepBytes: Math.round(keepMediaMB * 1048576) } : {}),
      });
    } catch (err) {
      throw new ApiError('unreadable', err instanceof Error ? err.message : String(err));
    }
    const captureId = this.#openLive(source.live, source.name);
    // Opened by the host (serve --iface, a test), as openPath's captures are: a window shows it.
    this.#emit(Events.captureOpened, this.#captures.get(captureId)!.summary);
    const entry: RunningLive = {
      id: `live${this.#nextId++}`,
      kind: 'iface',
      source,
      captureId,
      running: true,
    };
    this.#liveSources.set(entry.id, entry);
    return liveDto(entry);
  }

  /** Registers a live trace as a capture that grows; returns its capture id. */
  #openLive(live: LiveTrace, name: string): string {
    const id = `cap${this.#nextId++}`;
    let adapter = new TraceAdapter(live.trace, []);
    const summary: CaptureSummary = {
      id,
      name,
      path: null,
      bytes: 0,
      state: 'ready',
      calls: 0,
      openMs: 0,
      analysis: 1,
      ...adapter.summary(),
    };
    const entry: OpenCapture = { summary, trace: adapter, abort: new AbortController(), live };
    this.#captures.set(id, entry);
    live.onUpdate((u) => {
      if (u.reset) {
        // (the user's joins and splits, by Call-ID, hold for the new trace too)
        const edits = adapter.callEdits();
        adapter = new TraceAdapter(u.trace, []);
        adapter.setCallEdits(edits);
        entry.trace = adapter;
      }
      Object.assign(summary, adapter.summary(), { calls: adapter.callCount(), bytes: 0 });
      this.#emit(Events.liveUpdate, {
        captureId: id,
        messages: u.count,
        frames: summary.frames,
        calls: summary.calls,
        total: u.total,
        dropped: u.dropped,
      });
    });
    return id;
  }

  /** Starts a lab on real sockets and opens its live trace like a capture that grows. */
  async startLab(req: InvokeReq<typeof Invoke.labStart>): Promise<LabDto> {
    const handle = await launchLab(req);
    const labId = `lab${this.#nextId++}`;
    const id = this.#openLive(handle.live, `lab: ${handle.name}`);
    const summary = this.#captures.get(id)!.summary;
    summary.laneNames = Object.fromEntries(handle.listening.map((l) => [l.address, l.node]));
    const lab: RunningLab = {
      id: labId,
      handle,
      captureId: id,
      running: true,
      builtin: req.name ?? null,
      yaml: req.yaml ?? labText(req.name ?? ''),
      fileName: req.fileName ?? `${req.name ?? 'lab'}.yaml`,
    };
    this.#labs.set(labId, lab);
    return labDto(lab);
  }

  #lab(id: string): RunningLab {
    const lab = this.#labs.get(id);
    if (!lab) throw new ApiError('not-found', `no lab ${id}`);
    return lab;
  }

  /**
   * Opens a trace the caller read (`sipscope tui` on a file of SIP text) like a capture: analysed
   * when it is opened, as a scenario's trace is.
   */
  openTrace(trace: Trace, diagnostics: Diagnostic[] = []): CaptureSummary {
    const t0 = performance.now();
    const id = `cap${this.#nextId++}`;
    const adapter = new TraceAdapter(trace, diagnostics);
    const summary: CaptureSummary = {
      id,
      name: trace.source.name,
      path: null,
      bytes: trace.source.size,
      state: 'ready',
      calls: adapter.callCount(),
      openMs: Math.round(performance.now() - t0),
      analysis: 1,
      ...adapter.summary(),
    };
    this.#captures.set(id, { summary, trace: adapter, abort: new AbortController() });
    return summary;
  }

  /** Runs a scenario and opens its trace like a capture (format `simulation`). */
  runScenario(req: InvokeReq<typeof Invoke.scenarioRun>): ScenarioRunResult {
    const t0 = performance.now();
    const { trace, name, rtp, ...rest } = runScenario(req);
    if (!trace) return { ...rest, capture: null, media: [] };
    const id = `cap${this.#nextId++}`;
    const adapter = new TraceAdapter(trace, []);
    const summary: CaptureSummary = {
      id,
      name,
      path: null,
      bytes: trace.source.bytes,
      state: 'ready',
      calls: adapter.callCount(),
      openMs: Math.round(performance.now() - t0),
      analysis: 1,
      ...adapter.summary(),
      // its ladder's lanes named by node, as in the scenario player (not "proxy" twice)
      laneNames: laneNamesOf(rest.nodes, simAddresses(adapter)),
    };
    this.#captures.set(id, { summary, trace: adapter, abort: new AbortController(), rtp });
    const media = scenarioStreams(adapter.callMedia(null)?.streams ?? [], rtp);
    return { ...rest, capture: summary, media };
  }

  /**
   * A page of the messages list: call `call`'s messages, else those of the calls `filter` keeps (the
   * calls list's filter; the full analysis must have ended), else every message.
   */
  messagesPage(
    captureId: string,
    offset: number,
    limit: number,
    call?: string,
    filter = '',
  ): Page<MessageRow> {
    const trace = this.#ready(captureId);
    if (call !== undefined) {
      const ids = trace.callMessageIds(call);
      if (!ids) throw new ApiError('not-found', `no call ${call} in this capture`);
      return { total: ids.length, offset, items: ids.slice(offset, offset + limit).map((i) => trace.row(i)) };
    }
    const kept = filter ? trace.filteredMessageIds(filter) : null;
    if (kept) {
      const items: MessageRow[] = [];
      for (let i = offset; i < Math.min(kept.length, offset + limit); i++) items.push(trace.row(kept[i]!));
      return { total: kept.length, offset, items };
    }
    const total = trace.count();
    const items: MessageRow[] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(trace.row(i));
    return { total, offset, items };
  }

  #get(captureId: string): OpenCapture {
    const c = this.#captures.get(captureId);
    if (!c) throw new ApiError('not-found', `no open capture ${captureId}`);
    return c;
  }

  /**
   * Runs an opened capture's full analysis in the background, reporting progress (at most every
   * 100 ms) and its end (with the final call count: legs joined across B2BUAs) as `capture:analysis`;
   * then the message checks, whose end is told the same way (the problems row gains their codes).
   */
  #analyseInBackground(captureId: string, entry: OpenCapture, trace: LoadedTrace): void {
    let last = 0;
    trace
      .analyse((done, total) => {
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        entry.summary.analysis = total ? done / total : 0;
        this.#emit(Events.captureAnalysis, {
          captureId,
          done,
          total,
          complete: false,
          calls: entry.summary.calls,
          checked: false,
        });
      })
      .then(
        () => {
          if (this.#captures.get(captureId) !== entry) return;
          entry.summary.analysis = 1;
          entry.summary.calls = trace.callCount();
          const done = (checked: boolean): void => {
            const n = trace.count();
            this.#emit(Events.captureAnalysis, {
              captureId,
              done: n,
              total: n,
              complete: true,
              calls: entry.summary.calls,
              checked,
            });
          };
          done(false);
          // Then the message checks (parser + lint codes of every message); when they end the calls
          // list is told again, so its problems row gains the message-level codes.
          trace.checkMessages().then(
            () => {
              if (this.#captures.get(captureId) === entry) done(true);
            },
            () => {
              // Closed while they ran: nothing to report.
            },
          );
        },
        () => {
          // Closed while it ran (the pass was aborted): nothing to report.
        },
      );
  }

  /**
   * Joins or splits calls once the full analysis is complete, remembers the capture file's edits
   * (never the file itself), and tells every client the calls changed.
   */
  async #editCalls(captureId: string, edit: (t: LoadedTrace) => CallEditResult): Promise<CallEditResult> {
    const entry = this.#get(captureId);
    const trace = await this.#analysed(captureId);
    if (this.#captures.get(captureId) !== entry)
      throw new ApiError('not-found', `capture ${captureId} was closed`);
    const r = edit(trace);
    const path = entry.summary.path;
    if (path !== null && entry.summary.format !== 'simulation')
      await this.#callEdits.set(path, entry.summary.bytes, trace.callEdits());
    if (r.changed) {
      entry.summary.calls = r.total;
      this.#emit(Events.callsChanged, { captureId, calls: r.total });
    }
    return r;
  }

  /** The recent files, each with the number of edits remembered for it (at the file's size now). */
  async #recentList(): Promise<RecentFile[]> {
    const list = await this.#opts.recent.list();
    return Promise.all(
      list.map(async (r) => {
        const bytes = await this.#callEdits.sizeOf(r.path);
        if (bytes === null) return r;
        const size = await stat(r.path).then(
          (st) => st.size,
          () => -1,
        );
        const n = size === bytes ? (await this.#callEdits.get(r.path, size)).length : 0;
        return n ? { ...r, edits: n } : r;
      }),
    );
  }

  /** An open capture once its full analysis is complete (waits for the background pass). */
  async #analysed(captureId: string): Promise<LoadedTrace> {
    const trace = this.#ready(captureId);
    await trace.analyse();
    return trace;
  }

  #ready(captureId: string): LoadedTrace {
    const c = this.#get(captureId);
    if (!c.trace) throw new ApiError('not-found', `capture ${captureId} is still opening`);
    return c.trace;
  }

  /** Stops everything (window closed, server shutting down). */
  async dispose(): Promise<void> {
    const labs = [...this.#labs.values()].filter((l) => l.running);
    const lives = [...this.#liveSources.values()].filter((l) => l.running);
    this.#labs.clear();
    this.#liveSources.clear();
    await Promise.all([
      ...labs.map((l) => ((l.running = false), l.handle.stop())),
      ...lives.map((l) => ((l.running = false), l.source.stop())),
    ]);
    for (const c of this.#captures.values()) {
      c.abort.abort();
      c.trace?.close();
      c.live?.releaseMedia();
      c.onClose?.();
    }
    this.#captures.clear();
    this.#listeners.clear();
  }
}

/** Every source and destination address of a (small) trace's messages: a simulation's, for its lane names. */
function* simAddresses(trace: TraceAdapter): Iterable<string> {
  for (let i = 0; i < trace.count(); i++) {
    const r = trace.row(i);
    yield r.src;
    yield r.dst;
  }
}
