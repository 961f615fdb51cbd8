/**
 * The renderer's application state: a view over what the service host says (STYLE.md habit 12).
 * No protocol logic here; only what to show and which page of data to ask for.
 */
import {
  ApiError,
  Events,
  Invoke,
  type AppInfo,
  type CallDto,
  type CallMediaDto,
  type CallSortField,
  type CaptureStatsDto,
  type CaptureSummary,
  type LaneRoleDto,
  type MediaStreamDto,
  type MessageDetail,
  type MergeShiftDto,
  type MessageRow,
  type ProblemCount,
  type RecentFile,
  type CallEditDto,
} from '@shared/api';
import type { Client } from './api/client';
import { decryptedNote, type DecryptTlsFields } from './capture/tls-secrets';
import { PagedRows } from './table/paged-rows.svelte';
import { ScenarioPlayer } from './scenarios/scenario-player.svelte';
import { LabConsole } from './lab/lab-console.svelte';
import { ladderHtml, saveBlob, saveExport, svgToPng } from './export/download';
import { LadderViewState } from './ladder/ladder-state.svelte';
import { mergeByTime } from './ladder/ladder-model';

export type Area = 'calls' | 'ladder' | 'scenarios' | 'lab';
export type Theme = 'light' | 'dark';

export const AREAS: { id: Area; label: string; key: string }[] = [
  { id: 'calls', label: 'Captures & calls', key: '1' },
  { id: 'ladder', label: 'Ladder', key: '2' },
  { id: 'scenarios', label: 'Scenarios', key: '3' },
  { id: 'lab', label: 'Lab', key: '4' },
];

/** How often a calls list shown while its capture is read is asked again (ms). */
const READING_REFRESH_MS = 500;

/** Most messages one ladder loads (the ladder draws only the rows in view). */
export const LADDER_LIMIT = 200_000;
/** Messages per request when loading a ladder (the service's page limit). */
const LADDER_PAGE = 10_000;

export class AppState {
  readonly client: Client;
  info = $state<AppInfo | null>(null);
  area = $state<Area>('calls');
  theme = $state<Theme>('light');
  capture = $state<CaptureSummary | null>(null);
  recent = $state<RecentFile[]>([]);
  progress = $state<{
    captureId: string | null;
    name: string;
    done: number;
    total: number;
    phase: string;
  } | null>(null);
  error = $state<string | null>(null);
  /** The calls list, sorted and filtered in the core, paged. */
  readonly callRows: PagedRows<CallDto>;
  callSort = $state<{ field: CallSortField; desc: boolean }>({ field: 'start', desc: false });
  callFilter = $state('');
  filterError = $state<{ message: string; column: number } | null>(null);
  byState = $state<Record<string, number>>({});
  /** The analysis diagnostics of the (filtered) calls, by code (how many calls have each). */
  problems = $state.raw<ProblemCount[]>([]);
  selectedCallId = $state<string | null>(null);
  selectedCall = $state<CallDto | null>(null);
  /**
   * The calls selected in the calls list (multi-select). With two or more, the ladder draws all
   * their messages merged in time order. `selectCall` sets it to the one call; the ladder reloads
   * when it changes (`syncLadder`).
   */
  selectedCallIds = $state<string[]>([]);
  /** The calls whose messages `callMessages` holds (what the ladder shows). */
  ladderCalls = $state.raw<string[]>([]);
  /** Messages the ladder's calls have in all, when more than LADDER_LIMIT were loaded. */
  ladderTruncated = $state<number | null>(null);
  /** Zoom, collapsed and merged lanes of the ladder (kept across area switches). */
  readonly ladderView = new LadderViewState();
  /**
   * The messages table, paged from the service: the selected call's messages; else, with a calls
   * filter, the messages of the calls it keeps (`messagesFilter`); else every message.
   */
  readonly messageRows: PagedRows<MessageRow>;
  /**
   * The calls filter the messages table follows (no call selected, the filter parses): its messages
   * are those of the calls the filter keeps. Empty: every message.
   */
  get messagesFilter(): string {
    return this.selectedCallId || this.filterError ? '' : this.callFilter.trim();
  }
  /** The ladder's messages (its calls', in time order), at most LADDER_LIMIT; not deeply reactive. */
  callMessages = $state.raw<MessageRow[]>([]);
  /**
   * The RTP of the ladder's calls (`call:media`, one answer per call; empty until it arrives or when
   * the capture has no RTP).
   */
  ladderMedia = $state.raw<CallMediaDto[]>([]);
  /** The RTP stream selected on the ladder (the inspector shows it instead of a message). */
  selectedStream = $state.raw<MediaStreamDto | null>(null);
  /** What each of the ladder's lanes is (caller, proxy, callee…), by address; empty until it arrives. */
  ladderRoles = $state.raw<Readonly<Record<string, LaneRoleDto>>>({});
  /** The lane roles that hold for the selected message: its call's, when the ladder shows that call. */
  readonly selectedRoles = $derived.by((): Readonly<Record<string, LaneRoleDto>> => {
    const call = this.selected?.row.call;
    return call && this.ladderCalls.includes(call) ? this.ladderRoles : {};
  });
  selected = $state<MessageDetail | null>(null);
  selectedIndex = $state<number | null>(null);
  /**
   * Which list of the Calls area the keys (↑ ↓ j k) move through: the one the user last clicked a row
   * of (the messages list until then).
   */
  keyList = $state<'calls' | 'messages'>('messages');
  /** The selected call's row in the calls list, when the keys moved to it (the list scrolls to it). */
  selectedCallIndex = $state<number | null>(null);
  dialog = $state<'about' | 'shortcuts' | null>(null);
  disconnected = $state(false);

  readonly player: ScenarioPlayer;
  readonly lab: LabConsole;
  readonly title = $derived(this.capture ? `${this.capture.name} — sipscope` : 'sipscope');

  constructor(client: Client) {
    this.client = client;
    this.player = new ScenarioPlayer(client);
    this.lab = new LabConsole(client);
    this.callRows = new PagedRows<CallDto>(async (offset, limit) => {
      if (!this.capture) return { total: 0, items: [] };
      const filter = this.callFilter.trim();
      const page = await this.client.invoke(Invoke.callsQuery, {
        captureId: this.capture.id,
        offset,
        limit,
        sort: this.callSort.field,
        desc: this.callSort.desc,
        ...(filter ? { filter } : {}),
      });
      // Every page carries them: assigned only when they changed (no re-render per page).
      if (!sameCounts(this.byState, page.byState)) this.byState = page.byState;
      if (!sameProblems(this.problems, page.problems)) this.problems = page.problems;
      if (!sameFilterError(this.filterError, page.filterError)) this.filterError = page.filterError;
      return page;
    });
    this.messageRows = new PagedRows<MessageRow>(async (offset, limit) => {
      if (!this.capture) return { total: 0, items: [] };
      const filter = this.messagesFilter;
      return this.client.invoke(Invoke.messagesPage, {
        captureId: this.capture.id,
        offset,
        limit,
        ...(this.selectedCallId ? { call: this.selectedCallId } : filter ? { filter } : {}),
      });
    });
  }

  async init(): Promise<void> {
    this.client.on(Events.captureProgress, (p) => {
      this.progress = {
        captureId: p.captureId,
        name: p.name,
        done: p.done,
        total: p.total,
        phase: 'Reading',
      };
      if (p.calls !== undefined && p.messages !== undefined) void this.#growWhileReading(p);
    });
    this.client.on(Events.captureOpened, (s) => {
      // Opened by the host itself (a menu, the CLI, a test): its progress banner ends here too.
      if (this.progress?.captureId === s.id) this.progress = null;
      // (or listed while it was read: the whole list now)
      if (!this.capture || this.capture.id !== s.id || this.capture.state === 'opening') void this.#show(s);
    });
    this.client.on(Events.captureFailed, (f) => {
      this.progress = null;
      // Listed while it was read, then cancelled or failed: its lists go.
      if (this.capture?.id === f.captureId) {
        this.capture = null;
        this.callRows.clear();
        this.messageRows.clear();
      }
      if (f.error.code !== 'cancelled') this.error = f.error.message;
    });
    this.client.on(Events.captureAnalysis, (p) => {
      if (this.capture?.id !== p.captureId) return;
      const analysis = p.complete ? 1 : p.total ? p.done / p.total : 0;
      this.capture = { ...this.capture, analysis, calls: p.calls };
      // Complete: the calls list gains what only the full analysis knows (legs joined, codecs, rules).
      if (p.complete) void this.#refreshLive(this.capture.messages);
    });
    this.client.on(Events.callsChanged, (c) => {
      // Joined or split (here or by another window): the list, its counts and the ladder again.
      if (this.capture?.id !== c.captureId) return;
      this.capture = { ...this.capture, calls: c.calls };
      void this.#refreshLive(this.capture.messages);
      void this.#loadCallEdits();
      // Done in another window: the selected call's legs and links as they are now.
      const id = this.selectedCallId;
      if (!this.editingCalls && id)
        void this.#callsById([id]).then(([row]) => {
          if (row && this.selectedCallId === id) this.selectedCall = row;
        });
    });
    this.client.on(Events.liveUpdate, (u) => {
      if (this.lab.lab?.captureId === u.captureId) void this.lab.refresh();
      if (this.lab.sources.some((src) => src.captureId === u.captureId)) void this.lab.refreshLive();
      if (this.capture?.id === u.captureId) void this.#refreshLive(u.messages, u);
    });
    this.client.on(Events.menuCommand, (m) => {
      if (m.command === 'open-sample') void this.openSample(m.sample);
      else if (m.command === 'about') this.dialog = 'about';
      else if (m.command === 'show-shortcuts') this.dialog = 'shortcuts';
      else if (m.command === 'toggle-theme') this.toggleTheme();
    });
    try {
      const area = this.area;
      this.info = await this.client.invoke(Invoke.appInfo, null);
      this.recent = await this.client.invoke(Invoke.recentList, null);
      const open = await this.client.invoke(Invoke.captureList, null);
      const ready = open.filter((c) => c.state === 'ready').at(-1);
      // The host's open capture, shown in the calls area — unless the user went to another area
      // while the window was connecting (e.g. straight to Lab): it stays there.
      if (ready) await this.#show(ready, this.area === area);
    } catch (err) {
      this.error = errorText(err);
    }
  }

  toggleTheme(): void {
    this.theme = this.theme === 'light' ? 'dark' : 'light';
  }

  /** Opens a built-in sample capture (by id; the first when none is given). */
  async openSample(id?: string): Promise<void> {
    const sample = id === undefined ? this.info?.samples[0] : this.info?.samples.find((s) => s.id === id);
    // (the problems sample: its most broken call on top, as if Diag were clicked)
    if (sample?.sort) this.callSort = { field: sample.sort, desc: false };
    await this.#opening(sample?.name ?? 'sample', () =>
      this.client.invoke(Invoke.captureOpenSample, id === undefined ? null : { id }),
    );
  }

  async openFile(file: File): Promise<void> {
    await this.#opening(file.name, () =>
      this.client.openFile(file, (done, total) => {
        this.progress = { captureId: null, name: file.name, done, total, phase: 'Uploading' };
      }),
    );
  }

  /** What the last Decrypt TLS… gave, said on the capture it opened (its id). */
  tlsDecrypted = $state<{ captureId: string; text: string } | null>(null);

  /**
   * Opens the shown capture again with a TLS key log (SSLKEYLOGFILE format) or a server's RSA private
   * key file (PEM or DER, bound to a server or not) so its SIP over TLS/WSS is decrypted; the capture it
   * replaces is closed by the host. What it gave is said after (`label`: the file, its server).
   */
  async decryptTls(fields: DecryptTlsFields, label: string): Promise<void> {
    const c = this.capture;
    if (!c) return;
    await this.#opening(c.name, async () => {
      const s = await this.client.invoke(Invoke.captureDecryptTls, { captureId: c.id, ...fields });
      this.tlsDecrypted = { captureId: s.id, text: decryptedNote(label, c, s) };
      return s;
    });
  }

  /**
   * Merges the shown capture's inputs again with other time shifts (µs, one per input); the capture it
   * replaces is closed by the host.
   */
  async remerge(shiftsUs: number[]): Promise<void> {
    const c = this.capture;
    if (!c?.merged) return;
    await this.#opening(c.name, () =>
      this.client.invoke(Invoke.captureRemerge, { captureId: c.id, shiftsUs }),
    );
  }

  /** The shifts that would put the shown merged capture's hops in order (after its full analysis). */
  async mergeShifts(captureId: string): Promise<MergeShiftDto[]> {
    return this.client.invoke(Invoke.captureMergeShifts, { captureId });
  }

  /** Several files (picked or dropped together): one capture, merged by time; one file: as openFile. */
  async openFiles(files: readonly File[]): Promise<void> {
    if (files.length === 1) return this.openFile(files[0]!);
    if (files.length === 0) return;
    await this.#opening(files.map((f) => f.name).join(' + '), () =>
      this.client.openFiles(files, (file, done, total) => {
        this.progress = { captureId: null, name: file.name, done, total, phase: 'Uploading' };
      }),
    );
  }

  async openRecent(path: string): Promise<void> {
    await this.#opening(path.split(/[\\/]/).pop() ?? path, () =>
      this.client.invoke(Invoke.captureOpenPath, { path }),
    );
  }

  async cancelOpen(): Promise<void> {
    const id = this.progress?.captureId;
    if (id) await this.client.invoke(Invoke.captureCancel, { captureId: id });
  }

  async #opening(name: string, open: () => Promise<CaptureSummary>): Promise<void> {
    this.error = null;
    this.progress = { captureId: null, name, done: 0, total: 0, phase: 'Opening' };
    try {
      const s = await open();
      await this.#show(s);
      this.recent = await this.client.invoke(Invoke.recentList, null);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'cancelled')) this.error = errorText(err);
    } finally {
      this.progress = null;
    }
  }

  /** When the list shown while its capture is read was last asked again (performance.now()). */
  #grownAt = 0;
  /** The capture being read that is shown (its first progress event with counts showed it). */
  #showingRead: string | null = null;

  /**
   * A large capture lists its calls while it is read (the host's progress events count them): shown
   * at the first such event, its lists asked again at most every READING_REFRESH_MS (each ask builds
   * every call's row on the host, on the thread that also indexes the parts the read hands over).
   */
  async #growWhileReading(p: { captureId: string; messages?: number; calls?: number }): Promise<void> {
    if (this.capture?.id !== p.captureId) {
      if (this.#showingRead === p.captureId) return;
      this.#showingRead = p.captureId;
      const s = (await this.client.invoke(Invoke.captureList, null)).find((c) => c.id === p.captureId);
      if (!s || s.state !== 'opening') return;
      this.#grownAt = performance.now();
      await this.#show({ ...s, messages: p.messages ?? s.messages, calls: p.calls ?? s.calls });
      return;
    }
    // (the banner shows the progress; the counts and the lists follow at most every READING_REFRESH_MS)
    if (this.capture.state !== 'opening' || performance.now() - this.#grownAt < READING_REFRESH_MS) return;
    this.#grownAt = performance.now();
    this.capture = { ...this.capture, calls: p.calls ?? this.capture.calls };
    await this.#refreshLive(p.messages ?? this.capture.messages);
  }

  /** A live trace grew: refresh the lists (pages are re-fetched; the scroll position stays). */
  /** The calls and messages lists asked again; a live trace's update brings the status bar's counts too. */
  async #refreshLive(messages: number, live?: { frames: number; calls: number }): Promise<void> {
    if (this.capture)
      this.capture = live
        ? { ...this.capture, messages, frames: live.frames, calls: live.calls }
        : { ...this.capture, messages };
    await Promise.all([this.callRows.reset(), this.#loadMessages(false)]);
  }

  /** Shows an open capture (a lab's live trace) by id. */
  async openCaptureById(id: string): Promise<void> {
    const all = await this.client.invoke(Invoke.captureList, null);
    const s = all.find((c) => c.id === id);
    if (s) await this.#show(s);
  }

  /** Shows an already-open capture (e.g. a simulation run) in the calls area. */
  async showCapture(s: CaptureSummary): Promise<void> {
    await this.#show(s);
  }

  async #show(s: CaptureSummary, toCalls = true): Promise<void> {
    if (toCalls) this.area = 'calls';
    // Shown already (the host's captureOpened event and the open call's answer both show it):
    // keep what the user did since, e.g. a call selected as soon as its row appeared.
    if (this.capture?.id === s.id) {
      const wasRead = this.capture.state === 'opening' && s.state !== 'opening';
      this.capture = s;
      // (listed while it was read: the whole list now)
      if (wasRead) await this.#refreshLive(s.messages);
      return;
    }
    this.capture = s;
    this.callEdits = [];
    void this.#loadCallEdits();
    this.selected = null;
    this.selectedCallId = null;
    this.selectedCall = null;
    this.selectedCallIds = [];
    // The former capture's rows go at once: clicked while the new first pages are on their way,
    // a stale call row asked the new capture for a call it does not have ("no call C2945").
    this.callRows.clear();
    this.messageRows.clear();
    await this.callRows.reset({ top: true });
    await this.#loadMessages();
  }

  async selectCall(call: CallDto | null): Promise<void> {
    this.selectedCallId = call?.id ?? null;
    this.selectedCall = call;
    this.selectedCallIds = call ? [call.id] : [];
    this.selected = null;
    await this.#loadMessages();
  }

  /** Selects several calls (multi-select); the last one is the current call. */
  async selectCalls(calls: CallDto[]): Promise<void> {
    const last = calls.at(-1) ?? null;
    this.selectedCallId = last?.id ?? null;
    this.selectedCall = last;
    this.selectedCallIds = calls.map((c) => c.id);
    this.selected = null;
    await this.#loadMessages();
  }

  /** The calls the ladder should show: the multi-selection, else the selected call. */
  get wantedLadderCalls(): string[] {
    if (this.selectedCallIds.length > 1) return this.selectedCallIds;
    return this.selectedCallId ? [this.selectedCallId] : [];
  }

  /** Reloads the ladder when the selection changed behind its back (e.g. selectedCallIds edited). */
  async syncLadder(): Promise<void> {
    if (this.#ladderKeyOf(this.wantedLadderCalls) !== this.#ladderKey) await this.#loadLadder();
  }

  async sortCalls(field: CallSortField): Promise<void> {
    this.callSort = { field, desc: this.callSort.field === field ? !this.callSort.desc : false };
    await this.callRows.reset({ top: true });
  }

  async applyFilter(text: string): Promise<void> {
    const shown = this.messagesFilter;
    this.callFilter = text;
    await this.callRows.reset({ top: true });
    // The messages of the calls it keeps (asked once the calls page said whether the filter parses).
    if (!this.selectedCallId && this.messagesFilter !== shown) await this.#loadMessages();
  }

  async #loadMessages(clearSelection = true): Promise<void> {
    if (!this.capture) return;
    if (clearSelection) this.selectedIndex = null;
    // Both at once: the ladder's messages are on their way while the table's first page lands.
    await Promise.all([this.messageRows.reset({ top: clearSelection }), this.#loadLadder()]);
  }

  #ladderLoad = 0;
  /** Capture and calls of the last ladder load asked for. */
  #ladderKey = '';

  #ladderKeyOf(calls: readonly string[]): string {
    return `${this.capture?.id ?? ''}|${calls.join(' ')}`;
  }

  /** Asks for the roles of the ladder's lanes once its messages are drawn (a hint: the ladder stands without). */
  async #loadRoles(seq: number, captureId: string, calls: string[]): Promise<void> {
    let list: LaneRoleDto[];
    try {
      list = await this.client.invoke(Invoke.ladderRoles, { captureId, calls });
    } catch {
      return;
    }
    if (seq === this.#ladderLoad) this.ladderRoles = Object.fromEntries(list.map((r) => [r.address, r]));
  }

  /** Asks for the RTP of the ladder's calls (a hint like the roles: the ladder stands without). */
  async #loadMedia(seq: number, captureId: string, calls: string[]): Promise<void> {
    let list: CallMediaDto[];
    try {
      list = await Promise.all(
        calls.map((call) => this.client.invoke(Invoke.callMedia, { captureId, call })),
      );
    } catch {
      return;
    }
    if (seq !== this.#ladderLoad) return;
    this.ladderMedia = list;
    // A live trace's refresh: the stream shown in the inspector with its figures now.
    const shown = this.selectedStream;
    if (shown) {
      const same = list
        .flatMap((m) => m.streams)
        .find(
          (s) =>
            s.ssrc === shown.ssrc &&
            s.src === shown.src &&
            s.srcPort === shown.srcPort &&
            s.dst === shown.dst &&
            s.dstPort === shown.dstPort,
        );
      if (same) this.selectedStream = same;
    }
  }

  /** Shows RTP stream `stream` in the inspector (the message selection goes). */
  selectStream(stream: MediaStreamDto | null): void {
    this.#selecting++;
    this.selected = null;
    this.selectedStream = stream;
  }

  /** Loads the messages of the ladder's calls (paged, at most LADDER_LIMIT), merged in time order. */
  async #loadLadder(): Promise<void> {
    const capture = this.capture;
    const calls = [...this.wantedLadderCalls];
    const seq = ++this.#ladderLoad;
    // The same calls again (a live trace grew): their RTP and roles stay drawn until the new ones come.
    const again = this.#ladderKey === this.#ladderKeyOf(calls);
    this.#ladderKey = this.#ladderKeyOf(calls);
    if (!again) this.selectedStream = null;
    if (!capture || !calls.length) {
      this.callMessages = [];
      this.ladderRoles = {};
      this.ladderMedia = [];
      this.ladderCalls = calls;
      this.ladderTruncated = null;
      return;
    }
    let budget = LADDER_LIMIT;
    let truncated = false;
    let all = 0;
    const lists: MessageRow[][] = [];
    try {
      for (const call of calls) {
        const page = (offset: number, limit: number): Promise<{ total: number; items: MessageRow[] }> =>
          this.client.invoke(Invoke.messagesPage, { captureId: capture.id, offset, limit, call });
        const first = await page(0, Math.min(LADDER_PAGE, budget));
        all += first.total;
        const want = Math.min(first.total, budget);
        const rest: Promise<{ items: MessageRow[] }>[] = [];
        for (let off = first.items.length; off < want; off += LADDER_PAGE)
          rest.push(page(off, Math.min(LADDER_PAGE, want - off)));
        const items = first.items.concat(...(await Promise.all(rest)).map((p) => p.items));
        if (items.length < first.total) truncated = true;
        budget -= items.length;
        lists.push(items);
        if (budget <= 0) break;
      }
    } catch (err) {
      if (seq === this.#ladderLoad) this.error = errorText(err);
      return;
    }
    if (seq !== this.#ladderLoad) return;
    this.callMessages = lists.length === 1 ? lists[0] : mergeByTime(lists);
    if (!again) {
      this.ladderRoles = {};
      this.ladderMedia = [];
    }
    void this.#loadRoles(seq, capture.id, calls);
    void this.#loadMedia(seq, capture.id, calls);
    this.ladderCalls = calls;
    this.ladderTruncated = truncated ? all : null;
    // For benchmarks: when the ladder's messages are in the page.
    if (typeof performance !== 'undefined') performance.mark('ladder:loaded');
  }

  /** Selects message `id` (shown at row `index` of the messages table, when known). */
  #selecting = 0;

  async selectMessage(id: number, index: number | null = null): Promise<void> {
    if (!this.capture) return;
    this.selectedIndex = index ?? this.messageRows.indexWhere((m) => m.id === id);
    const seq = ++this.#selecting;
    this.selectedStream = null;
    try {
      const detail = await this.client.invoke(Invoke.messageGet, { captureId: this.capture.id, id });
      // Keyboard repeat asks faster than answers come: only the last asked message is shown.
      if (seq === this.#selecting) this.selected = detail;
    } catch (err) {
      if (seq === this.#selecting) this.error = errorText(err);
    }
  }

  /** Exports the ladder as drawn: the selected call's, or the merged ladder of several calls. */
  async exportLadder(kind: 'svg' | 'png' | 'html' | 'mermaid' | 'plantuml' | 'text'): Promise<void> {
    const calls = this.ladderCalls.length
      ? [...this.ladderCalls]
      : this.selectedCallId
        ? [this.selectedCallId]
        : [];
    if (!this.capture || calls.length === 0) return;
    try {
      const format = kind === 'png' || kind === 'html' ? 'svg' : kind;
      const f = await this.client.invoke(Invoke.exportLadder, { captureId: this.capture.id, calls, format });
      const base = f.fileName.replace(/\.svg$/, '');
      if (kind === 'png') saveBlob(await svgToPng(f.text ?? ''), `${base}.png`);
      else if (kind === 'html')
        saveBlob(
          new Blob([ladderHtml(f.text ?? '', `${this.capture.name} — ${calls.join(' + ')}`)], {
            type: 'text/html',
          }),
          `${base}.html`,
        );
      else saveExport(f);
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** The statistics dialog's figures (null: closed). */
  stats = $state.raw<CaptureStatsDto | null>(null);

  /** Opens the statistics of the capture, the call figures for the calls list's filter. */
  async showStats(): Promise<void> {
    if (!this.capture) return;
    try {
      const filter = this.callFilter.trim();
      this.stats = await this.client.invoke(Invoke.captureStats, {
        captureId: this.capture.id,
        ...(filter ? { filter } : {}),
      });
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** Exports the calls list (as filtered) as CSV. */
  async exportCalls(): Promise<void> {
    if (!this.capture) return;
    try {
      const filter = this.callFilter.trim();
      saveExport(
        await this.client.invoke(Invoke.exportCalls, {
          captureId: this.capture.id,
          ...(filter ? { filter } : {}),
        }),
      );
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** Exports the selected call's original frames as pcap or pcapng. */
  async exportCapture(format: 'pcap' | 'pcapng'): Promise<void> {
    if (!this.capture || !this.selectedCallId) return;
    try {
      saveExport(
        await this.client.invoke(Invoke.exportCapture, {
          captureId: this.capture.id,
          calls: this.ladderCalls.length ? [...this.ladderCalls] : [this.selectedCallId],
          format,
        }),
      );
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /**
   * Downloads the selected call as the SIPp scenario of its caller or its callee (replay it), with
   * the capture's gaps as pauses when `keepTiming`.
   */
  async exportSipp(side: 'caller' | 'callee', keepTiming = false): Promise<void> {
    if (!this.capture || !this.selectedCallId) return;
    try {
      const { media, ...scenario } = await this.client.invoke(Invoke.exportSipp, {
        captureId: this.capture.id,
        call: this.selectedCallId,
        side,
        keepTiming,
        media: true,
      });
      saveExport(scenario);
      // the RTP that end sent, which the scenario plays (play_pcap_audio), when the capture holds it
      if (media) saveExport(media);
    } catch (err) {
      this.error = errorText(err);
    }
  }

  /** A join or split is on its way (its buttons wait). */
  editingCalls = $state(false);

  /**
   * Joins the selected calls into one (the user's "Join", reason `manual`; the host remembers it for
   * the capture file) and selects it: the list, its counts and the ladder show it at once.
   */
  async joinSelectedCalls(): Promise<void> {
    if (!this.capture || this.selectedCallIds.length < 2) return;
    const captureId = this.capture.id;
    await this.#editCalls(async () => {
      const r = await this.client.invoke(Invoke.callsJoin, { captureId, calls: [...this.selectedCallIds] });
      return r.calls.slice(0, 1);
    });
  }

  /**
   * Splits the link between two legs of the selected call (the user's "Split": the analysis never
   * links them again; remembered for the capture file); the selected call stays selected.
   */
  async splitCallLink(a: string, b: string): Promise<void> {
    if (!this.capture) return;
    const captureId = this.capture.id;
    const keep = this.selectedCallId;
    await this.#editCalls(async () => {
      const r = await this.client.invoke(Invoke.callsSplit, { captureId, a, b });
      return keep && r.calls.includes(keep) ? [keep] : r.calls.slice(0, 1);
    });
  }

  /**
   * Splits leg `callId` off the selected call (every link it has goes; remembered for the capture
   * file); the selected call stays selected.
   */
  async splitLegOff(callId: string): Promise<void> {
    if (!this.capture) return;
    const captureId = this.capture.id;
    const keep = this.selectedCallId;
    await this.#editCalls(async () => {
      const r = await this.client.invoke(Invoke.callsSplit, { captureId, a: callId });
      return keep ? [keep] : r.calls.slice(0, 1);
    });
  }

  /** The user's joins and splits of the shown capture's calls (the calls list's "N edits"). */
  callEdits = $state<CallEditDto[]>([]);

  /**
   * Takes back one of the user's edits (`edit`), or all of them: those legs are linked as the
   * analysis found them again (remembered for the capture file); the selected call stays selected.
   */
  async undoCallEdit(edit?: CallEditDto): Promise<void> {
    if (!this.capture) return;
    const captureId = this.capture.id;
    const keep = this.selectedCallId;
    await this.#editCalls(async () => {
      const r = await this.client.invoke(
        Invoke.callsUnedit,
        edit ? { captureId, a: edit.a, b: edit.b } : { captureId },
      );
      return keep ? [keep] : r.calls.slice(0, 1);
    });
  }

  /** The shown capture's edits as the host has them now. */
  async #loadCallEdits(): Promise<void> {
    const captureId = this.capture?.id;
    if (!captureId) {
      this.callEdits = [];
      return;
    }
    try {
      const edits = await this.client.invoke(Invoke.callsEdits, { captureId });
      if (this.capture?.id === captureId) this.callEdits = edits;
    } catch {
      // Closed meanwhile: the next capture shown asks again.
    }
  }

  /** Runs a join or split, then selects the calls it names (as the list shows them now). */
  async #editCalls(edit: () => Promise<string[]>): Promise<void> {
    if (this.editingCalls) return;
    this.editingCalls = true;
    try {
      const ids = await edit();
      void this.#loadCallEdits();
      // (the recent list marks a file with edits)
      void this.client.invoke(Invoke.recentList, null).then((r) => (this.recent = r));
      await this.callRows.reset();
      const rows = await this.#callsById(ids);
      if (rows.length === 1) await this.selectCall(rows[0]);
      else await this.selectCalls(rows);
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.editingCalls = false;
    }
  }

  /** The calls list's rows of these calls (`C1`...), whatever the list's filter and scroll. */
  async #callsById(ids: string[]): Promise<CallDto[]> {
    if (!this.capture || !ids.length) return [];
    const page = await this.client.invoke(Invoke.callsQuery, {
      captureId: this.capture.id,
      offset: 0,
      limit: ids.length,
      filter: ids.map((id) => `call.id == "${id}"`).join(' || '),
    });
    return ids.map((id) => page.items.find((c) => c.id === id)).filter((c): c is CallDto => !!c);
  }

  /**
   * Moves the selection by `delta` rows (keyboard navigation): the ladder's message, else in the Calls
   * area the call or the message, whichever list was clicked last.
   */
  async moveSelection(delta: number): Promise<void> {
    if (this.area === 'calls' && this.keyList === 'calls') {
      await this.#moveCall(delta);
      return;
    }
    if (this.area === 'ladder' && this.callMessages.length) {
      const list = this.callMessages;
      const at = this.selected ? list.findIndex((m) => m.id === this.selected?.row.id) : -1;
      const next = Math.max(
        0,
        Math.min(list.length - 1, at < 0 ? (delta > 0 ? 0 : list.length - 1) : at + delta),
      );
      await this.selectMessage(list[next].id);
      return;
    }
    const total = this.messageRows.total;
    if (!total) return;
    const next = Math.max(0, Math.min(total - 1, (this.selectedIndex ?? -1) + delta));
    this.messageRows.ensure(next, next + 1);
    const row = this.messageRows.get(next);
    if (row) await this.selectMessage(row.id, next);
  }
  /** Selects the call `delta` rows from the selected one in the calls list (as sorted and filtered). */
  async #moveCall(delta: number): Promise<void> {
    const rows = this.callRows;
    if (!rows.total) return;
    const at = this.selectedCallId === null ? -1 : rows.indexWhere((c) => c.id === this.selectedCallId);
    const next = Math.max(
      0,
      Math.min(rows.total - 1, at < 0 ? (delta > 0 ? 0 : rows.total - 1) : at + delta),
    );
    rows.ensure(next, next + 1);
    const call = rows.get(next);
    if (!call || call.id === this.selectedCallId) return;
    this.selectedCallIndex = next;
    await this.selectCall(call);
  }
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sameProblems(a: readonly ProblemCount[], b: readonly ProblemCount[]): boolean {
  return a.length === b.length && a.every((p, i) => p.code === b[i]!.code && p.calls === b[i]!.calls);
}

function sameFilterError(
  a: { message: string; column: number } | null,
  b: { message: string; column: number } | null,
): boolean {
  return a === b || (a !== null && b !== null && a.message === b.message && a.column === b.column);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "INVITE" or "180 Ringing": the label of a message on a ladder arrow or in a table. */
/** A message in a few words: `INVITE`, `INFO · DTMF 5` (the digit it carries), `200 OK`. */
export function messageLabel(m: Pick<MessageRow, 'kind' | 'method' | 'status' | 'reason' | 'dtmf'>): string {
  if (m.kind === 'request') return m.dtmf ? `${m.method ?? '?'} · DTMF ${m.dtmf}` : (m.method ?? '?');
  if (m.kind === 'response') return `${m.status ?? '?'} ${m.reason ?? ''}`.trim();
  return 'malformed';
}

/** Seconds since the epoch → `HH:MM:SS.mmmmmm` (UTC); defined with the ladder, which needs no API import. */
export { formatTime } from './ladder/ladder-model';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
