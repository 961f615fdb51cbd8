/**
 * The terminal side of the TUI: the keys read from raw input, and a screen that writes only the lines
 * that changed since the last frame (a cursor move, the line, an erase to its end), so a keypress
 * over a slow SSH link costs a few hundred bytes, not a screenful. Entering takes the alternate
 * screen, hides the cursor and sets raw mode; leaving puts all three back, also on a crash, SIGTERM
 * or SIGHUP.
 */
import { serializeLine, type Line } from './cells';

/** The keys of one chunk of terminal input (several keys when typed fast or pasted). */
export function decodeKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const c = chunk[i]!;
    if (c === '\x1b') {
      const rest = chunk.slice(i);
      const m =
        /^\x1b\[(\d+)(?:;\d+)?~/.exec(rest) ?? // eslint-disable-line no-control-regex -- CSI sequences
        /^\x1b\[(?:\d+;\d+)?([A-DFHPQRS])/.exec(rest) ?? // eslint-disable-line no-control-regex -- CSI
        /^\x1bO([A-DFHPQRS])/.exec(rest); // eslint-disable-line no-control-regex -- SS3
      if (m) {
        const code = m[1]!;
        const named: Record<string, string> = {
          A: 'up',
          B: 'down',
          C: 'right',
          D: 'left',
          F: 'end',
          H: 'home',
          P: 'f1',
          Q: 'f2',
          R: 'f3',
          S: 'f4',
          '1': 'home',
          '7': 'home',
          '4': 'end',
          '8': 'end',
          '3': 'delete',
          '5': 'pageup',
          '6': 'pagedown',
        };
        const k = named[code];
        if (k) keys.push(k);
        i += m[0].length;
        continue;
      }
      // A lone Esc (nothing after it in the chunk), or Esc + a key (Alt+key: read as Esc).
      keys.push('escape');
      i += 1;
      if (chunk[i] === '[' || chunk[i] === 'O') i += 1; // an unknown sequence's start
      continue;
    }
    const code = c.charCodeAt(0);
    if (c === '\r' || c === '\n') keys.push('enter');
    else if (c === '\t') keys.push('tab');
    else if (code === 0x7f || code === 0x08) keys.push('backspace');
    else if (code === 0x03) keys.push('ctrl-c');
    else if (code < 0x20) keys.push(`ctrl-${String.fromCharCode(code + 0x60)}`);
    else {
      const cp = chunk.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      keys.push(ch);
      i += ch.length;
      continue;
    }
    i += 1;
  }
  return keys;
}

/** A frame written as the changed lines only. */
export class ScreenWriter {
  #prev: string[] = [];
  /** Bytes written since made (the figure the README gives per keypress). */
  bytes = 0;

  readonly #write: (s: string) => void;
  readonly #color: boolean;

  constructor(write: (s: string) => void, color: boolean) {
    this.#write = write;
    this.#color = color;
  }

  /** Forget what is on screen (a resize): the next frame clears and draws every line. */
  invalidate(): void {
    this.#prev = [];
  }

  /** Draws `lines` (each exactly the screen's width); returns the bytes written. */
  draw(lines: readonly Line[]): number {
    const next = lines.map((l) => serializeLine(l, this.#color));
    let out = '';
    let prev = this.#prev;
    if (prev.length !== next.length) {
      out += '\x1b[0m\x1b[2J';
      prev = new Array<string>(next.length).fill('');
    } else {
      const sc = scrollFor(prev, next);
      if (sc) {
        // The terminal moves the lines that only moved (a list scrolled by a row): one line to send,
        // not the page. DECSTBM sets the region, SU/SD scroll it, the region is reset after.
        const { top, bottom, by } = sc;
        out += `\x1b[0m\x1b[${top + 1};${bottom + 1}r${by > 0 ? `\x1b[${by}S` : `\x1b[${-by}T`}\x1b[r`;
        prev = [...prev];
        const moved = prev.slice(top, bottom + 1);
        for (let r = top; r <= bottom; r++) prev[r] = moved[r - top + by] ?? '';
      }
    }
    next.forEach((s, r) => {
      if (prev[r] !== s) out += `\x1b[${r + 1};1H${s}\x1b[K`;
    });
    this.#prev = next;
    if (out) {
      this.#write(out);
      this.bytes += Buffer.byteLength(out);
    }
    return Buffer.byteLength(out);
  }
}

/**
 * The scroll that saves the most lines to send between two frames: a block of lines of `prev` found
 * `by` rows higher (by > 0) or lower in `next`; null when scrolling saves fewer than 3 lines.
 */
export function scrollFor(
  prev: readonly string[],
  next: readonly string[],
): { top: number; bottom: number; by: number } | null {
  const n = next.length;
  let best: { top: number; bottom: number; by: number; saved: number } | null = null;
  for (const by of [1, -1, 2, -2, 3, -3]) {
    // The longest run of rows r where next[r] === prev[r + by] and the row changed.
    let run = 0;
    let start = 0;
    for (let r = 0; r <= n; r++) {
      const src = r + by;
      const ok = r < n && src >= 0 && src < n && next[r] === prev[src] && next[r] !== prev[r];
      if (ok) {
        if (run === 0) start = r;
        run++;
        continue;
      }
      if (run > 0 && (!best || run > best.saved)) {
        // The region spans the run and the rows it comes from (or goes to).
        const top = Math.min(start, start + by);
        const bottom = Math.max(start + run - 1, start + run - 1 + by);
        best = { top, bottom, by, saved: run };
      }
      run = 0;
    }
  }
  return best && best.saved >= 3 ? { top: best.top, bottom: best.bottom, by: best.by } : null;
}

export interface TtyIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/**
 * Takes the terminal (alternate screen, hidden cursor, raw mode) and returns the function that
 * gives it back; the same is run once on exit, crash, SIGTERM and SIGHUP.
 */
export function takeTerminal(io: TtyIo): () => void {
  const { input, output } = io;
  const wasRaw = input.isTTY ? input.isRaw : false;
  if (input.isTTY) input.setRawMode(true);
  output.write('\x1b[?1049h\x1b[?25l\x1b[2J');
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      output.write('\x1b[0m\x1b[?25h\x1b[?1049l');
      if (input.isTTY) input.setRawMode(wasRaw);
    } catch {
      // the terminal went away (SSH dropped): nothing to give back
    }
    process.off('exit', restore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    restore();
    process.exit(sig === 'SIGTERM' ? 143 : 129);
  };
  const onCrash = (err: Error): void => {
    restore();
    console.error(`sipscope tui: ${err.stack ?? err.message}`);
    process.exit(1);
  };
  process.on('exit', restore);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash);
  return restore;
}
