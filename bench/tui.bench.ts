/**
 * `sipscope tui` benchmark: how soon the first screen shows calls, and what a keypress costs.
 *
 * 1. Time to first screen, fresh processes in a real pseudo-terminal (test/main/tui/run-pty.py,
 *    120×40): `sipscope tui BIG` (the CLI as users start it) until call rows are on the screen, and
 *    until the file is read (the status line stops saying `reading`); alternating with `sngrep -I BIG`
 *    (sngrep 1.6) until its list shows rows. sngrep keeps at most `capture.limit` dialogs (20,000 by
 *    default): its figure is for its default settings, printed with the dialog count it showed.
 * 2. Keys pressed in `sipscope tui BIG` in the pty once its analysis is complete: the time from the
 *    key to its last frame written (the TUI's own record, SIPSCOPE_TUI_TIMING; the host's `calls:query`
 *    page included: a sort or a filter reads every call) and the bytes written for it.
 * 3. The same on a 1,000,000-call list served by a stub (the TUI's own cost: model, render, diff):
 *    time per keypress and bytes per keypress (what crosses a slow SSH link).
 *
 *   npm run bench -- tui     (BENCH_FILE=… for another capture; TUI_ROUNDS=2)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallDto, CallsPage } from '../src/shared/api';
import { initialState, press, receive, type Effect, type Size, type TuiState } from '../src/main/tui/model';
import { render } from '../src/main/tui/render';
import { ScreenWriter } from '../src/main/tui/terminal';
import { VtScreen, startTui } from '../test/main/tui/vt-screen';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const bigFile = process.env.BENCH_FILE ?? join(here, 'data', 'sip-1024MB.pcap');
const rounds = Number(process.env.TUI_ROUNDS ?? 2);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;

interface FirstScreen {
  rows: number;
  read: number | null;
  note: string;
}

/** Runs `argv` in a pty until `rowsShown` (and `readDone`) hold on its screen; bounded by `limitMs`. */
function firstScreen(
  argv: string[],
  rowsShown: (t: string) => boolean,
  readDone: ((t: string) => boolean) | null,
  note: (t: string) => string,
  /** Without `readDone`: the read counts as done when `note` (the dialog count) has not changed for this long. */
  settleMs = 0,
  limitMs = 180_000,
): Promise<FirstScreen> {
  return new Promise((res, rej) => {
    const scr = new VtScreen(120, 40);
    const t0 = performance.now();
    const p = spawn('python3', [join(root, 'test/main/tui/run-pty.py'), '120', '40', ...argv], {
      cwd: root,
      env: { ...process.env, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let rows = 0;
    let read: number | null = null;
    let text = '';
    // the program runs in the pty's own session: killing the wrapper leaves it running (sngrep -I
    // read on for half an hour after a round), so it is killed by the pid the wrapper reports
    let child = 0;
    p.stderr.on('data', (d: Buffer) => {
      const m = /PID (\d+)/.exec(d.toString('latin1'));
      if (m) child = Number(m[1]);
    });
    const killAll = (): void => {
      if (child) {
        try {
          process.kill(child, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      p.kill('SIGKILL');
    };
    const stop = (): void => {
      clearTimeout(timer);
      p.stdout.off('data', onData);
      killAll();
      res({ rows, read, note: note(text) });
    };
    let lastNote = '';
    let lastChange = 0;
    const poll = settleMs
      ? setInterval(() => {
          if (rows && performance.now() - t0 - lastChange >= settleMs) {
            clearInterval(poll!);
            read = lastChange;
            stop();
          }
        }, 100)
      : null;
    const onData = (d: string): void => {
      scr.write(d);
      text = scr.text();
      const now = performance.now() - t0;
      if (!rows && rowsShown(text)) rows = now;
      const n = note(text);
      if (n !== lastNote) {
        lastNote = n;
        lastChange = now;
      }
      if (rows && readDone && read === null && readDone(text)) read = now;
      if (rows && readDone && read !== null) stop();
      if (rows && !readDone && !settleMs) stop();
    };
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', onData);
    const timer = setTimeout(() => {
      if (poll) clearInterval(poll);
      killAll();
      rej(new Error(`${argv.join(' ')}: no first screen in ${limitMs} ms:\n${text}`));
    }, limitMs);
  });
}

async function timeToFirstScreen(): Promise<Record<string, unknown>> {
  const hasSngrep = await new Promise<boolean>((r) =>
    spawn('sngrep', ['-V'], { stdio: 'ignore' })
      .on('exit', (c) => r(c === 0))
      .on('error', () => r(false)),
  );
  const ours: FirstScreen[] = [];
  const theirs: FirstScreen[] = [];
  for (let i = 0; i < rounds; i++) {
    const o = await firstScreen(
      [process.execPath, join(root, 'bin/sipscope.js'), 'tui', bigFile],
      (t) => /^ {2}\d\d:\d\d:\d\d /m.test(t),
      (t) => !/reading \d+%/.test(t) && / \d+ calls /.test(t),
      (t) => /(\d+) calls │/.exec(t)?.[1] ?? '?',
    );
    ours.push(o);
    console.log(
      `  sipscope tui: first calls on screen ${ms(o.rows)}, file read ${o.read === null ? '-' : ms(o.read)} (${o.note} calls) · load ${load()}`,
    );
    if (hasSngrep) {
      const s = await firstScreen(
        ['sngrep', '-I', bigFile],
        (t) => /^\S* \[ \] 1 +INVITE/m.test(t),
        null,
        (t) => /Dialogs: (\d+)/.exec(t)?.[1] ?? '?',
        3000,
      );
      theirs.push(s);
      console.log(
        `  sngrep -I: first calls on screen ${ms(s.rows)}, its dialog count last changed at ${s.read === null ? '-' : ms(s.read)} (Dialogs: ${s.note}) · load ${load()}`,
      );
    }
  }
  const firstMs = ours.map((x) => x.rows);
  const readMs = ours.map((x) => x.read ?? NaN);
  const sngMs = theirs.map((x) => x.rows);
  console.log(
    `time to first screen (${rounds} fresh processes each, alternating): sipscope min ${ms(Math.min(...firstMs))} median ${ms(median(firstMs))}` +
      (sngMs.length
        ? `; sngrep min ${ms(Math.min(...sngMs))} median ${ms(median(sngMs))}`
        : '; sngrep not installed'),
  );
  return {
    firstScreenMinMs: Math.round(Math.min(...firstMs)),
    firstScreenMedianMs: Math.round(median(firstMs)),
    readMedianMs: Math.round(median(readMs)),
    sngrepFirstScreenMinMs: sngMs.length ? Math.round(Math.min(...sngMs)) : null,
    sngrepFirstScreenMedianMs: sngMs.length ? Math.round(median(sngMs)) : null,
    sngrepCountSettledMedianMs: theirs.length ? Math.round(median(theirs.map((x) => x.read ?? NaN))) : null,
    sngrepDialogs: theirs.map((x) => x.note),
  };
}

/** Drives the model with `keys`, running its effects with `run`, drawing each frame; per key: ms and bytes. */
async function drive(
  s0: TuiState,
  size: Size,
  keys: string[],
  run: (e: Effect, s: TuiState) => Promise<Parameters<typeof receive>[1] | null>,
): Promise<{ key: string; ms: number; bytes: number }[]> {
  const screen = new ScreenWriter(() => {}, true);
  let s = s0;
  const settle = async (effects: Effect[]): Promise<void> => {
    const queue = [...effects];
    while (queue.length) {
      const e = queue.shift()!;
      const r = await run(e, s);
      if (!r) continue;
      const [t, more] = receive(s, r, size);
      s = t;
      queue.push(...more);
    }
  };
  const [t0, e0] = press(s, 'resize', size);
  s = t0;
  await settle(e0);
  screen.draw(render(s, size, { ascii: false }));
  const out: { key: string; ms: number; bytes: number }[] = [];
  for (const key of keys) {
    const a = performance.now();
    const [t, eff] = press(s, key, size);
    s = t;
    await settle(eff);
    const bytes = screen.draw(render(s, size, { ascii: false }));
    out.push({ key, ms: performance.now() - a, bytes });
  }
  return out;
}

function report(label: string, r: { key: string; ms: number; bytes: number }[]): Record<string, unknown> {
  const groups = new Map<string, { ms: number[]; bytes: number[] }>();
  for (const x of r) {
    const name = x.key;
    const g = groups.get(name) ?? { ms: [], bytes: [] };
    g.ms.push(x.ms);
    g.bytes.push(x.bytes);
    groups.set(name, g);
  }
  const res: Record<string, unknown> = {};
  console.log(label);
  for (const [k, g] of groups) {
    console.log(
      `  ${k.padEnd(9)} ×${String(g.ms.length).padStart(3)}: median ${ms(median(g.ms))}, max ${ms(Math.max(...g.ms))}, bytes median ${median(g.bytes)} max ${Math.max(...g.bytes)}`,
    );
    res[k] = {
      medianMs: +median(g.ms).toFixed(2),
      maxMs: +Math.max(...g.ms).toFixed(2),
      medianBytes: median(g.bytes),
    };
  }
  return res;
}

const KEYS = [
  ...new Array<string>(40).fill('j'),
  ...new Array<string>(10).fill('pagedown'),
  'end',
  ...new Array<string>(10).fill('k'),
  'home',
  '>',
  's',
  '<',
];

/**
 * Keys pressed in `sipscope tui BIG` (a real pty, the CLI as users run it) once its analysis is
 * complete: per key, the TUI's own record (SIPSCOPE_TUI_TIMING) of the time from the key to its last
 * frame written (the host's page read, a ladder, a message; render; diff) and the bytes sent for it.
 */
async function onBigCapture(): Promise<Record<string, unknown>> {
  const timing = join(mkdtempSync(join(tmpdir(), 'sipscope-tui-bench-')), 'keys.ndjson');
  writeFileSync(timing, '');
  const t = startTui([bigFile], 120, 40, { SIPSCOPE_TUI_TIMING: timing });
  const t0 = performance.now();
  const records = (): { key: string; ms: number; bytes: number }[] =>
    readFileSync(timing, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; ms: number; bytes: number });
  try {
    await t.waitFor((x) => /\d+ calls │ analysed/.test(x), 600_000);
    const calls = Number(/(\d+) calls │ analysed/.exec(t.screen.text())?.[1] ?? 0);
    console.log(
      `${bigFile}: tui analysed ${ms(performance.now() - t0)} after start, ${calls} calls · load ${load()}`,
    );
    const keys = [
      ...KEYS,
      '/',
      ...'call.state == "failed"',
      'enter',
      '/',
      'ctrl-u',
      'enter',
      'enter', // the first call's flow
      ...new Array<string>(10).fill('j'),
      'tab',
      'tab',
      'tab',
      'q',
    ];
    const bytesOf: Record<string, string> = {
      enter: '\r',
      pagedown: '\x1b[6~',
      end: '\x1b[4~',
      home: '\x1b[1~',
      tab: '\t',
      'ctrl-u': '\x15',
    };
    const r: { key: string; ms: number; bytes: number }[] = [];
    let mode: 'list' | 'filter' | 'flow' = 'list';
    for (const key of keys) {
      const n = records().length;
      t.press(bytesOf[key] ?? key);
      const end = performance.now() + 60_000;
      while (records().length <= n && performance.now() < end) await new Promise((res) => setTimeout(res, 5));
      const rec = records()[n];
      if (!rec) throw new Error(`no answer to ${key} in 60 s`);
      const label =
        mode === 'flow'
          ? `flow ${key}`
          : mode === 'filter'
            ? key === 'enter'
              ? 'filter apply'
              : 'typing'
            : key === 'enter'
              ? 'open flow'
              : key;
      r.push({ key: label, ms: rec.ms, bytes: rec.bytes });
      if (mode === 'list' && key === '/') mode = 'filter';
      else if (mode === 'filter' && key === 'enter') mode = 'list';
      else if (mode === 'list' && key === 'enter') mode = 'flow';
      else if (mode === 'flow' && key === 'q') mode = 'list';
    }
    const res = report(
      `keypress in sipscope tui on ${calls} calls (pty; host page read included) · load ${load()}`,
      r,
    );
    t.press('x');
    await t.exited;
    return { calls, ...res };
  } finally {
    t.kill();
  }
}

async function onMillion(): Promise<Record<string, unknown>> {
  const total = 1_000_000;
  const call = (i: number): CallDto => ({
    id: `C${i + 1}`,
    callIds: [`${i}@bench`],
    type: 'call',
    state: i % 9 === 4 ? 'failed' : 'completed',
    from: `<sip:alice${i}@a.example.com>`,
    to: `<sip:+3120${i}@b.example.com>`,
    fromUser: `alice${i}`,
    toUser: `+3120${i}`,
    finalStatus: i % 9 === 4 ? 503 : 200,
    start: 1_700_000_000 + i / 100,
    end: 1_700_000_060 + i / 100,
    pdd: 0.12,
    setupTime: 1.5,
    duration: 58.5,
    startOpen: false,
    codecs: ['PCMU'],
    media: [],
    messages: 13,
    legs: 1,
    diagnostics: i % 9 === 4 ? 2 : 0,
    src: '10.1.0.1:5060',
    dst: '10.2.0.1:5060',
    links: [],
    rtp: 'two-way',
  });
  const serve = async (e: Effect): Promise<Parameters<typeof receive>[1] | null> => {
    if (e.kind !== 'calls') return null;
    const items: CallDto[] = [];
    for (let i = e.offset; i < Math.min(total, e.offset + e.limit); i++) items.push(call(i));
    const page: CallsPage = { total, offset: e.offset, items, byState: {}, problems: [], filterError: null };
    return { kind: 'page', key: e.key, page };
  };
  const out: Record<string, unknown> = {};
  for (const size of [
    { cols: 80, rows: 24 },
    { cols: 200, rows: 60 },
  ]) {
    // Warm once, then measure.
    await drive(initialState({ name: 'stub' }), size, KEYS, serve);
    const r = await drive(initialState({ name: 'stub' }), size, [...KEYS, ...KEYS], serve);
    out[`${size.cols}x${size.rows}`] = report(
      `keypress on a ${total.toLocaleString('en')}-call list (stub pages: the TUI's own model, render and diff), ${size.cols}×${size.rows} · load ${load()}`,
      r,
    );
  }
  return out;
}

if (!existsSync(bigFile)) {
  console.error(`no ${bigFile} (bench/tools/gen-sip-capture.ts makes it)`);
  process.exit(1);
}
console.log(`tui bench · ${new Date().toISOString()} · load ${load()}`);
const million = await onMillion();
const big = await onBigCapture();
const first = await timeToFirstScreen();
console.log(JSON.stringify({ bench: 'tui', ...first, big, million }));
