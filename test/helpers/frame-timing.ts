/**
 * Frame timing of a scrolled element, measured in the page with requestAnimationFrame (the UI
 * benchmark and the ladder e2e use it). In-page code is passed as text: tsx's transform adds
 * helpers (`__name`) that do not exist in the page, so functions are not passed to page.evaluate.
 * Call as `(${SCROLL_JS})({ sel, frames, step, maxMs, placeholder? })`; bounded by frames and maxMs.
 */
export interface ScrollResult {
  frames: number;
  ms: number;
  fps: number;
  p95FrameMs: number;
  worstFrameMs: number;
  /** Frames in which some visible row was still a placeholder (its page not loaded yet). */
  placeholderFrames: number;
  scrolledPx: number;
}

export const SCROLL_JS = `async ({ sel, frames, step, maxMs, placeholder }) => {
  const start = document.querySelector(sel);
  if (!start) throw new Error('no element ' + sel);
  let el = start;
  while (el && !(el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
  if (!el) throw new Error('nothing scrolls around ' + sel);
  const top0 = el.scrollTop;
  const times = [];
  let placeholders = 0;
  await new Promise((done) => {
    const t0 = performance.now();
    const tick = (t) => {
      times.push(t);
      if (placeholder && el.querySelector(placeholder)) placeholders++;
      if (times.length > frames || t - t0 > maxMs) return done();
      el.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const d = [];
  for (let i = 1; i < times.length; i++) d.push(times[i] - times[i - 1]);
  d.sort((a, b) => a - b);
  const ms = times[times.length - 1] - times[0];
  return { frames: d.length, ms, fps: (d.length * 1000) / ms, p95FrameMs: d[Math.floor(d.length * 0.95)] ?? 0,
    worstFrameMs: d[d.length - 1] ?? 0, placeholderFrames: placeholders, scrolledPx: el.scrollTop - top0 };
}`;

/** Main-thread work of the page per frame, from a Chromium trace (CPU ms, load-insensitive). */
export interface FrameWork {
  /** Frames the work is divided by. */
  frames: number;
  /** Per frame, in ms of main-thread CPU time: JavaScript (with GC), style, layout, paint, rest. */
  scriptMs: number;
  styleMs: number;
  layoutMs: number;
  paintMs: number;
  otherMs: number;
  /** script + style + layout per frame (the figure the issue asks for). */
  workMs: number;
  /** All main-thread tasks per frame, CPU time and wall time (wall includes time descheduled). */
  taskCpuMs: number;
  taskWallMs: number;
}

/** Trace categories `frameWork` reads (pass to `browser.startTracing`). */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'toplevel',
  'blink',
];

interface TraceEvent {
  pid: number;
  tid: number;
  ph: string;
  name: string;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

type Kind = 'script' | 'style' | 'layout' | 'paint' | 'other';

/** The DevTools performance panel's grouping of main-thread events, by name. */
export function kindOf(name: string): Kind {
  if (
    /^(EvaluateScript|FunctionCall|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|FireIdleCallback|XHR|MinorGC|MajorGC|GCEvent|BlinkGC|CppGC|ParseHTML|v8\.|V8\.)/.test(
      name,
    )
  )
    return 'script';
  if (/^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|ScheduleStyleRecalculation)/.test(name))
    return 'style';
  if (/^(Layout|UpdateLayerTree|HitTest|IntersectionObserver)/.test(name)) return 'layout';
  if (/^(Paint|PrePaint|Layerize|Commit|CompositeLayers|UpdateLayer|PaintImage|Decode|Rasterize)/.test(name))
    return 'paint';
  return 'other';
}

/**
 * Main-thread work of the page's renderer in a Chromium trace (`browser.stopTracing()`'s JSON),
 * divided by `frames`. Each event's own time (minus nested events) goes to its kind; a top-level
 * task's wall time is scaled to its CPU time (`tdur`), so time the thread spent descheduled on a
 * loaded machine does not count.
 */
export function frameWork(trace: string | Uint8Array, frames: number): FrameWork {
  const text = typeof trace === 'string' ? trace : new TextDecoder().decode(trace);
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set<string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      mains.add(`${e.pid}:${e.tid}`);
  // Complete events per main thread (B/E pairs joined).
  const byThread = new Map<string, { name: string; ts: number; dur: number; tdur: number | null }[]>();
  const open = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!mains.has(key)) continue;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    if (e.ph === 'X' && e.dur !== undefined)
      list.push({ name: e.name, ts: e.ts, dur: e.dur, tdur: e.tdur ?? null });
    else if (e.ph === 'B') {
      let st = open.get(key);
      if (!st) open.set(key, (st = []));
      st.push(e);
    } else if (e.ph === 'E') {
      const b = open.get(key)?.pop();
      if (b) list.push({ name: b.name, ts: b.ts, dur: e.ts - b.ts, tdur: null });
    }
  }
  // The page's renderer: the main thread that worked the most.
  let best: { name: string; ts: number; dur: number; tdur: number | null }[] = [];
  let bestDur = -1;
  for (const list of byThread.values()) {
    let d = 0;
    for (const e of list) if (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') d += e.dur;
    if (d > bestDur) {
      bestDur = d;
      best = list;
    }
  }
  best.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const sums: Record<Kind, number> = { script: 0, style: 0, layout: 0, paint: 0, other: 0 };
  let taskCpu = 0;
  let taskWall = 0;
  // Walk the nesting: a stack of open events with the time their children took.
  const stack: { end: number; kind: Kind; childDur: number; dur: number; scale: number }[] = [];
  const close = (upTo: number): void => {
    while (stack.length && stack[stack.length - 1]!.end <= upTo) {
      const s = stack.pop()!;
      sums[s.kind] += Math.max(0, s.dur - s.childDur) * s.scale;
    }
  };
  for (const e of best) {
    close(e.ts);
    const parent = stack[stack.length - 1];
    let scale: number;
    if (!parent) {
      scale = e.tdur !== null && e.dur > 0 ? Math.min(1, e.tdur / e.dur) : 1;
      taskWall += e.dur;
      taskCpu += e.dur * scale;
    } else {
      scale = parent.scale;
      parent.childDur += Math.min(e.dur, parent.end - e.ts);
    }
    // A nested event of unknown kind inherits its parent's (a RunTask's own time is "other").
    const k = kindOf(e.name);
    stack.push({
      end: e.ts + e.dur,
      kind: k === 'other' && parent ? parent.kind : k,
      childDur: 0,
      dur: e.dur,
      scale,
    });
  }
  close(Infinity);
  const per = (us: number): number => Math.round((us / 1000 / Math.max(1, frames)) * 100) / 100;
  return {
    frames,
    scriptMs: per(sums.script),
    styleMs: per(sums.style),
    layoutMs: per(sums.layout),
    paintMs: per(sums.paint),
    otherMs: per(sums.other),
    workMs: per(sums.script + sums.style + sums.layout),
    taskCpuMs: per(taskCpu),
    taskWallMs: per(taskWall),
  };
}
