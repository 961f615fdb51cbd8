/**
 * The terminal UI's loop: the service host (the same one the app's IPC and WebSocket adapters call:
 * `calls:query` pages, `export:ladder` text, `message:get`) opened on the files or a live source,
 * keys from the terminal into the model (model.ts), the model's effects run against the host, each
 * new state drawn (render.ts) by a screen that writes only the lines that changed (terminal.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { detectFormat } from '../../sip-core/capture/reader/detect';
import { CaptureFile } from '../../sip-core/capture/reader/file-source.node.js';
import { ingestSipText } from '../../sip-core/trace/trace-builder';
import { stat, writeFile } from 'node:fs/promises';
import { basename, resolve as resolvePath } from 'node:path';
import {
  ApiError,
  Events,
  Invoke,
  type CallsPage,
  type CaptureSummary,
  type ExportFile,
  type MessageDetail,
  type MessageRow,
  type Page,
  type ProgressEvent,
} from '../../shared/api';
import { createHost } from '../service/create-host';
import type { ServiceHost } from '../service/host';
import {
  initialState,
  press,
  receive,
  start,
  type Effect,
  type Result,
  type Size,
  type Summary,
  type TuiState,
} from './model';
import { render } from './render';
import { ScreenWriter, decodeKeys, takeTerminal } from './terminal';

/** How often a list shown while its capture is read is read again (ms). */
const READING_REFRESH_MS = 500;

export interface TuiOptions {
  files: string[];
  /** The calls list's filter expression to start with. */
  filter?: string;
  /** Live: a HEP collector's port, a UDP mirror's port, or an interface (dumpcap) with its capture filter. */
  hep?: number;
  mirror?: number;
  iface?: string;
  captureFilter?: string;
  media?: boolean;
  /** A file of SIP text: several messages framed by Content-Length. */
  stream?: boolean;
  color: boolean;
  ascii: boolean;
}

export interface TuiIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

function terminalSize(out: NodeJS.WriteStream): Size {
  const env = (k: string): number => Number(process.env[k]) || 0;
  return {
    cols: Math.max(20, out.columns || env('COLUMNS') || 80),
    rows: Math.max(8, out.rows || env('LINES') || 24),
  };
}

/** What the status line takes from a capture summary; the first file error with its byte offset. */
export function summaryOf(c: CaptureSummary): Partial<Summary> {
  const bad = c.diagnostics.find((d) => d.severity === 'error') ?? null;
  return {
    name: c.name,
    format: c.format,
    frames: c.frames,
    messages: c.messages,
    calls: c.calls,
    analysis: c.analysis,
    reading: null,
    error: bad
      ? `${bad.message}${bad.offset !== null && !/offset|byte/i.test(bad.message) ? ` (byte offset ${bad.offset})` : ''}`
      : null,
  };
}

/** Runs one effect against the host; null when it has no result (quit). */
export async function runEffect(
  host: ServiceHost,
  captureId: string,
  e: Effect,
  s: TuiState,
): Promise<Result | null> {
  switch (e.kind) {
    case 'calls': {
      const page: CallsPage = await host.invoke(Invoke.callsQuery, {
        captureId,
        offset: e.offset,
        limit: e.limit,
        sort: e.sort,
        desc: e.desc,
        ...(e.filter ? { filter: e.filter } : {}),
      });
      return { kind: 'page', key: e.key, page };
    }
    case 'flow': {
      try {
        const file: ExportFile = await host.invoke(Invoke.exportLadder, {
          captureId,
          calls: e.calls,
          format: 'text',
        });
        // The ladder's arrows are the calls' messages in trace order (one line each).
        const byId = new Map<number, MessageRow>();
        for (const call of e.calls) {
          for (let offset = 0; ; offset += 10_000) {
            const page: Page<MessageRow> = await host.invoke(Invoke.messagesPage, {
              captureId,
              offset,
              limit: 10_000,
              call,
            });
            for (const r of page.items) byId.set(r.id, r);
            if (offset + 10_000 >= page.total) break;
          }
        }
        const rows = [...byId.values()].sort((a, b) => a.id - b.id);
        const call = e.calls.length === 1 ? (s.flow?.call ?? null) : null;
        // (one call while the capture is read: its messages so far, see answersWhileReading)
        const partial = e.calls.length === 1 && s.summary.reading !== null;
        return { kind: 'flow', calls: e.calls, text: file.text ?? '', rows, call, partial };
      } catch (err) {
        return {
          kind: 'flow-error',
          calls: e.calls,
          message: err instanceof Error ? err.message : String(err),
        };
      }
    }
    case 'message': {
      const detail: MessageDetail = await host.invoke(Invoke.messageGet, { captureId, id: e.id });
      return { kind: 'detail', id: e.id, detail };
    }
    case 'save': {
      // Never over a file (the capture read, another): a name that exists is refused.
      const path = resolvePath(e.path);
      try {
        const file: ExportFile = await host.invoke(Invoke.exportCapture, {
          captureId,
          calls: e.calls,
          format: 'pcap',
        });
        const bytes = Buffer.from(file.base64 ?? '', 'base64');
        await writeFile(path, bytes, { flag: 'wx' });
        return {
          kind: 'notice',
          text: `saved ${e.calls.length === 1 ? e.calls[0] : `${e.calls.length} calls`} to ${path} (${bytes.length} bytes)`,
        };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return {
          kind: 'notice',
          text:
            code === 'EEXIST'
              ? `not saved: ${path} exists (not overwritten)`
              : `not saved: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
    }
    case 'quit':
      return null;
  }
}

/** Whether `file` starts as a capture (pcap, pcapng, gzip, HEP…) rather than SIP text. */
function isCapture(file: string): boolean {
  const f = new CaptureFile(file);
  try {
    return detectFormat(f.head(16)).kind !== 'unknown';
  } finally {
    f.close();
  }
}

/** Opens the input on the host: a file, several merged, or a live source. */
async function openInput(
  host: ServiceHost,
  o: TuiOptions,
): Promise<{ captureId: string; summary: Partial<Summary> }> {
  if (o.hep !== undefined || o.mirror !== undefined || o.iface !== undefined) {
    const live =
      o.iface !== undefined
        ? await host.startInterface({
            iface: o.iface,
            ...(o.captureFilter ? { filter: o.captureFilter } : {}),
            media: o.media !== false,
          })
        : await host.invoke(Invoke.liveStart, {
            kind: o.hep !== undefined ? 'hep' : 'mirror',
            port: (o.hep ?? o.mirror)!,
          });
    return { captureId: live.captureId, summary: { name: live.name, live: live.listening, analysis: 1 } };
  }
  const file = o.files[0]!;
  if (o.files.length === 1 && !isCapture(file)) {
    // Not a capture: SIP text (one datagram, or with --stream messages framed by Content-Length), as `analyze` reads it.
    const r = ingestSipText(new Uint8Array(readFileSync(file)), basename(file), {
      stream: o.stream === true,
    });
    const c = host.openTrace(r.trace, r.diagnostics);
    return { captureId: c.id, summary: summaryOf(c) };
  }
  const c =
    o.files.length > 1
      ? await host.openMerged(o.files.map((path) => ({ path })))
      : await host.openPath(file, { remember: false });
  return { captureId: c.id, summary: summaryOf(c) };
}

/** Runs the terminal UI until the user quits; resolves to the exit code. */
export async function runTui(o: TuiOptions, io: TuiIo): Promise<number> {
  for (const f of o.files) {
    try {
      if (!(await stat(f)).isFile()) throw new Error(`${f} is not a file`);
    } catch (err) {
      console.error(`sipscope tui: cannot open ${f}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return 1;
    }
  }
  const host = createHost({ mode: 'browser', recentFile: null });
  const name =
    o.hep !== undefined
      ? `HEP :${o.hep}`
      : o.mirror !== undefined
        ? `mirror :${o.mirror}`
        : o.iface !== undefined
          ? `interface ${o.iface}`
          : o.files.map((f) => basename(f)).join(' + ');
  let state = initialState({ name, filter: o.filter, live: null });
  let size = terminalSize(io.output);
  const screen = new ScreenWriter((s) => io.output.write(s), o.color);
  const restore = takeTerminal(io);
  let captureId: string | null = null;
  // Effects run one at a time; of the calls pages asked meanwhile only the latest is read.
  const queue: Effect[] = [];
  let running = false;
  let drawPending = false;
  // SIPSCOPE_TUI_TIMING=FILE (the benchmark): per key, the time until its last frame was written
  // (its effects run: a page read, a ladder, a message) and the bytes written for it, one JSON line each.
  const timingFile = process.env.SIPSCOPE_TUI_TIMING;
  let pendingKey: { key: string; t0: number; bytes0: number } | null = null;
  const keyDone = (): void => {
    if (!pendingKey || !timingFile) return;
    const k = pendingKey;
    pendingKey = null;
    appendFileSync(
      timingFile,
      `${JSON.stringify({ key: k.key, ms: +(performance.now() - k.t0).toFixed(3), bytes: screen.bytes - k.bytes0 })}\n`,
    );
  };
  const draw = (): void => {
    if (drawPending) return;
    drawPending = true;
    setImmediate(() => {
      drawPending = false;
      screen.draw(render(state, size, { ascii: o.ascii }));
      if (queue.length === 0 && !running) keyDone();
    });
  };

  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));

  const pump = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      while (queue.length > 0 && captureId !== null) {
        const e = queue.shift()!;
        if (e.kind === 'calls' && queue.some((x) => x.kind === 'calls')) continue;
        if (e.kind === 'message' && queue.some((x) => x.kind === 'message')) continue;
        let r: Result | null;
        try {
          r = await runEffect(host, captureId, e, state);
        } catch (err) {
          state = {
            ...state,
            notice: err instanceof ApiError || err instanceof Error ? err.message : String(err),
          };
          draw();
          continue;
        }
        if (r) apply(receive(state, r, size));
      }
    } finally {
      running = false;
    }
  };
  const apply = ([next, effects]: [TuiState, Effect[]]): void => {
    state = next;
    draw();
    for (const e of effects) {
      if (e.kind === 'quit') finish(0);
      else queue.push(e);
    }
    if (queue.length > 0) void pump();
  };
  const onResult = (r: Result): void => apply(receive(state, r, size));

  // The host's events: reading progress, the analysis' progress and end, a live trace growing.
  let refreshTimer: NodeJS.Timeout | null = null;
  const refreshSoon = (): void => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      onResult({ kind: 'refresh' });
    }, 200);
  };
  // A large capture lists its calls while it is read: the first progress event that counts them
  // starts the list (the capture's id is known from it), the next ones grow it (at most every
  // READING_REFRESH_MS: each read of the list builds every call's row, on the thread that also
  // indexes the parts the read hands over).
  let started = false;
  let lastGrow = 0;
  const off = host.onEvent((event, payload) => {
    if (event === Events.captureProgress) {
      const p = payload as ProgressEvent;
      const reading = p.total ? p.done / p.total : 0;
      if (p.calls === undefined || p.messages === undefined) {
        onResult({ kind: 'summary', summary: { reading } });
        return;
      }
      if (captureId !== null && p.captureId !== captureId) return;
      onResult({ kind: 'summary', summary: { reading, messages: p.messages, calls: p.calls } });
      if (!started) {
        captureId = p.captureId;
        started = true;
        lastGrow = performance.now();
        apply([state, start(state, size)]);
      } else if (performance.now() - lastGrow >= READING_REFRESH_MS) {
        lastGrow = performance.now();
        onResult({ kind: 'refresh' });
      }
    } else if (event === Events.captureAnalysis) {
      const p = payload as {
        captureId: string;
        done: number;
        total: number;
        complete: boolean;
        calls: number;
      };
      if (p.captureId !== captureId) return;
      onResult({
        kind: 'summary',
        summary: { analysis: p.complete ? 1 : p.total ? p.done / p.total : 0, calls: p.calls },
      });
      if (p.complete) onResult({ kind: 'refresh' });
    } else if (event === Events.liveUpdate) {
      const p = payload as { captureId: string; messages: number; frames: number; calls: number };
      if (p.captureId !== captureId) return;
      onResult({ kind: 'summary', summary: { messages: p.messages, frames: p.frames, calls: p.calls } });
      refreshSoon();
    }
  });

  const onData = (d: Buffer): void => {
    for (const k of decodeKeys(d.toString('utf8'))) {
      if (state.quit) break;
      if (timingFile) {
        keyDone();
        pendingKey = { key: k, t0: performance.now(), bytes0: screen.bytes };
      }
      apply(press(state, k, size));
    }
  };
  const onResize = (): void => {
    size = terminalSize(io.output);
    screen.invalidate();
    apply(press(state, 'resize', size));
  };
  io.input.on('data', onData);
  io.output.on('resize', onResize);
  process.on('SIGWINCH', onResize);
  io.input.resume();
  draw();

  try {
    try {
      const opened = await openInput(host, o);
      captureId = opened.captureId;
      onResult({ kind: 'summary', summary: opened.summary });
      // (listed while it was read: the whole list now)
      if (started) onResult({ kind: 'refresh' });
      else apply([state, start(state, size)]);
      started = true;
    } catch (err) {
      restore();
      console.error(`sipscope tui: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    return await done;
  } finally {
    if (refreshTimer) clearTimeout(refreshTimer);
    off();
    io.input.off('data', onData);
    io.output.off('resize', onResize);
    process.off('SIGWINCH', onResize);
    io.input.pause();
    restore();
    await host.dispose();
  }
}
