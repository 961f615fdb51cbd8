/**
 * Test helper: a small VT100 screen, enough for what the TUI writes (cursor moves, erase line and
 * screen, SGR ignored but reverse video remembered per cell, alternate screen and cursor visibility),
 * and a driver that runs `sipscope tui` in a real pseudo-terminal (python3's pty, run-pty.py) and
 * reads the screen after each keystroke.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { codePointWidth } from '../../../src/main/tui/cells';

export class VtScreen {
  cols: number;
  rows: number;
  grid: string[][];
  inverse: boolean[][];
  row = 0;
  col = 0;
  altScreen = false;
  cursorVisible = true;
  #reverse = false;
  #pending = '';
  /** The scrolling region (DECSTBM), rows inclusive. */
  #top = 0;
  #bottom: number;

  constructor(cols: number, rows: number) {
    this.cols = cols;
    this.rows = rows;
    this.#bottom = rows - 1;
    this.grid = [];
    this.inverse = [];
    this.#clear();
  }

  /** The terminal was resized: a blank screen of the new size (the program redraws). */
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.#top = 0;
    this.#bottom = rows - 1;
    this.#clear();
  }

  #clear(): void {
    this.grid = Array.from({ length: this.rows }, () => new Array<string>(this.cols).fill(' '));
    this.inverse = Array.from({ length: this.rows }, () => new Array<boolean>(this.cols).fill(false));
  }

  write(data: string): void {
    const s = this.#pending + data;
    this.#pending = '';
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\x1b') {
        // eslint-disable-next-line no-control-regex -- parsing terminal output
        const m = /^\x1b\[([?\d;]*)([A-Za-z])/.exec(s.slice(i));
        // Other escapes ncurses programs (sngrep, in the benchmark) send: charset choice, keypad modes, save/restore.
        // eslint-disable-next-line no-control-regex -- parsing terminal output
        const other = /^\x1b(?:[()*+][0-9A-Za-z]|[=>78cDEM])/.exec(s.slice(i));
        if (!m && other) {
          i += other[0].length;
          continue;
        }
        if (!m) {
          if (s.length - i < 16) {
            this.#pending = s.slice(i);
            return;
          }
          i += 1;
          continue;
        }
        this.#csi(m[1]!, m[2]!);
        i += m[0].length;
        continue;
      }
      if (c === '\r') this.col = 0;
      else if (c === '\n') this.row = Math.min(this.rows - 1, this.row + 1);
      else if (c >= ' ') {
        const ch = String.fromCodePoint(s.codePointAt(i)!);
        const w = codePointWidth(ch.codePointAt(0)!);
        if (w > 0 && this.col < this.cols && this.row < this.rows) {
          this.grid[this.row]![this.col] = ch;
          this.inverse[this.row]![this.col] = this.#reverse;
          if (w === 2 && this.col + 1 < this.cols) this.grid[this.row]![this.col + 1] = '';
          this.col = Math.min(this.cols, this.col + w);
        }
        i += ch.length;
        continue;
      }
      i += 1;
    }
  }

  #csi(params: string, final: string): void {
    const p = params
      .replace('?', '')
      .split(';')
      .map((x) => Number(x) || 0);
    if (params.startsWith('?')) {
      const on = final === 'h';
      if (p[0] === 1049) {
        this.altScreen = on;
        this.#clear();
      }
      if (p[0] === 25) this.cursorVisible = on;
      return;
    }
    const n = p[0] || 1;
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n);
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + n);
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = Math.min(this.cols - 1, n - 1);
        break;
      case 'd':
        this.row = Math.min(this.rows - 1, n - 1);
        break;
      case 'X':
        for (let x = this.col; x < Math.min(this.cols, this.col + n); x++) this.grid[this.row]![x] = ' ';
        break;
      case 'r':
        this.#top = (p[0] || 1) - 1;
        this.#bottom = (p[1] || this.rows) - 1;
        this.row = 0;
        this.col = 0;
        break;
      case 'S':
      case 'T':
        for (let k = 0; k < n; k++) {
          const blank = (): [string[], boolean[]] => [
            new Array<string>(this.cols).fill(' '),
            new Array<boolean>(this.cols).fill(false),
          ];
          if (final === 'S') {
            this.grid.splice(this.#top, 1);
            this.inverse.splice(this.#top, 1);
            const [g, v] = blank();
            this.grid.splice(this.#bottom, 0, g);
            this.inverse.splice(this.#bottom, 0, v);
          } else {
            this.grid.splice(this.#bottom, 1);
            this.inverse.splice(this.#bottom, 1);
            const [g, v] = blank();
            this.grid.splice(this.#top, 0, g);
            this.inverse.splice(this.#top, 0, v);
          }
        }
        break;
      case 'H':
        this.row = Math.max(0, (p[0] || 1) - 1);
        this.col = Math.max(0, (p[1] || 1) - 1);
        break;
      case 'K':
        for (let x = this.col; x < this.cols; x++) {
          this.grid[this.row]![x] = ' ';
          this.inverse[this.row]![x] = false;
        }
        break;
      case 'J':
        if (p[0] === 2) this.#clear();
        else if (p[0] === 0 || params === '') {
          for (let x = this.col; x < this.cols; x++) this.grid[this.row]![x] = ' ';
          for (let y = this.row + 1; y < this.rows; y++) this.grid[y]!.fill(' ');
        }
        break;
      case 'm':
        if (params === '' || p.includes(0)) this.#reverse = false;
        if (p.includes(7)) this.#reverse = true;
        break;
    }
  }

  /** The screen's lines (trailing blanks cut). */
  lines(): string[] {
    return this.grid.map((r) => r.join('').trimEnd());
  }

  text(): string {
    return this.lines().join('\n');
  }

  /** The lines shown in reverse video (the cursor row, the title bar). */
  reversedLines(): string[] {
    return this.grid
      .map((r, y) => (this.inverse[y]!.some(Boolean) ? r.filter((_, x) => this.inverse[y]![x]).join('') : ''))
      .filter(Boolean);
  }
}

// This file runs from test/main/tui, or bundled into bench/ (bench/tui.bench.ts): both find the repo.
const root = /[\\/]test[\\/]main[\\/]tui$/.test(import.meta.dirname)
  ? resolve(import.meta.dirname, '../../..')
  : resolve(import.meta.dirname, '..');

export interface TuiRun {
  screen: VtScreen;
  /** Bytes the program wrote to the terminal so far, and when it last wrote (performance.now()). */
  bytes(): number;
  lastOutput(): number;
  press(keys: string): void;
  /** Resizes the pseudo-terminal (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void;
  /** Waits until the screen shows `what` (a string or a test), at most `ms`. */
  waitFor(what: string | ((text: string) => boolean), ms?: number): Promise<string>;
  /** Waits until the program has written nothing for `quietMs` (its answer to the last key drawn), at most `ms`. */
  quiet(quietMs?: number, ms?: number): Promise<void>;
  exited: Promise<{ code: number; stderr: string }>;
  kill(): void;
  /** The program's process id (in the pty), once run-pty.py has told it. */
  pid(): number | null;
}

/** Starts `sipscope tui ARGS` in a pseudo-terminal of `cols` × `rows`. */
export function startTui(args: string[], cols = 100, rows = 30, env: NodeJS.ProcessEnv = {}): TuiRun {
  const screen = new VtScreen(cols, rows);
  const p: ChildProcess = spawn(
    'python3',
    [
      join(root, 'test/main/tui/run-pty.py'),
      String(cols),
      String(rows),
      process.execPath,
      'bin/sipscope.js',
      'tui',
      ...args,
    ],
    { cwd: root, env: { ...process.env, TERM: 'xterm-256color', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let bytes = 0;
  let lastData = performance.now();
  let stderr = '';
  const waiters = new Set<() => void>();
  p.stdout!.setEncoding('utf8');
  p.stdout!.on('data', (d: string) => {
    bytes += Buffer.byteLength(d);
    lastData = performance.now();
    screen.write(d);
    for (const w of [...waiters]) w();
  });
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number; stderr: string }>((res) => {
    p.on('exit', () => {
      const m = /\x00EXIT (-?\d+)/.exec(stderr); // eslint-disable-line no-control-regex -- run-pty's marker
      res({ code: m ? Number(m[1]) : -1, stderr });
      for (const w of [...waiters]) w();
    });
  });
  const killer = setTimeout(() => p.kill('SIGKILL'), 170_000);
  void exited.then(() => clearTimeout(killer));
  return {
    screen,
    bytes: () => bytes,
    lastOutput: () => lastData,
    press: (keys) => void p.stdin!.write(keys),
    resize: (c, r) => {
      screen.resize(c, r);
      p.stdin!.write(`\x00RESIZE ${c} ${r}\n`);
    },
    waitFor: (what, ms = 30_000) =>
      new Promise<string>((res, rej) => {
        const test = typeof what === 'string' ? (t: string) => t.includes(what) : what;
        const check = (): void => {
          const t = screen.text();
          if (test(t)) {
            clearTimeout(timer);
            waiters.delete(check);
            res(t);
          } else if (p.exitCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            rej(new Error(`tui exited before ${String(what)}:\n${t}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(
            new Error(`timed out waiting for ${String(what)}; screen:\n${screen.text()}\nstderr: ${stderr}`),
          );
        }, ms);
        waiters.add(check);
        check();
      }),
    quiet: async (quietMs = 300, ms = 30_000) => {
      const end = performance.now() + ms;
      await new Promise((r) => setTimeout(r, quietMs));
      while (performance.now() - lastData < quietMs && performance.now() < end && p.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
    },
    exited,
    kill: () => p.kill('SIGKILL'),
    pid: () => {
      const m = /\x00PID (\d+)/.exec(stderr); // eslint-disable-line no-control-regex -- run-pty's marker
      return m ? Number(m[1]) : null;
    },
  };
}
