/**
 * Line diff of two copies of one SIP message (the same request at two capture points): which header
 * lines an element removed, added or changed (same header name, new value), with unchanged runs
 * folded. Display only: the lines are the raw text's, split at CRLF.
 */

export type DiffKind = 'same' | 'removed' | 'added' | 'changed';

export interface DiffLine {
  kind: DiffKind;
  /** The line in the previous copy (null for added lines). */
  before: string | null;
  /** The line in this copy (null for removed lines). */
  after: string | null;
  /** Header name, when the line is a header line. */
  name: string | null;
}

export type DiffBlock = DiffLine | { kind: 'fold'; lines: DiffLine[] };

export interface MessageDiff {
  blocks: DiffBlock[];
  removed: number;
  added: number;
  changed: number;
}

/** Splits a message into lines; the empty line between headers and body is kept. */
export function messageLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** Header name of a header line (`Via: …` → `via`), null for the start line, folded lines and the body. */
function headerName(line: string, index: number, bodyFrom: number): string | null {
  if (index === 0 || index >= bodyFrom || /^[ \t]/.test(line)) return null;
  const c = line.indexOf(':');
  return c > 0 ? line.slice(0, c).trim().toLowerCase() : null;
}

/** Longest common subsequence table of two line lists (messages are small: O(n·m) is fine). */
function lcs(a: string[], b: string[]): Uint16Array[] {
  const t = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  return t;
}

/**
 * Diffs `before` (previous hop) against `after` (this copy). Within each run of differences, a
 * removed and an added line with the same header name (or both the start line) pair up as one
 * changed line. Unchanged runs longer than `context * 2` lines fold, keeping `context` lines each side.
 */
export function diffMessages(before: string, after: string, context = 1): MessageDiff {
  const a = messageLines(before);
  const b = messageLines(after);
  const bodyA = a.indexOf('') < 0 ? a.length : a.indexOf('');
  const bodyB = b.indexOf('') < 0 ? b.length : b.indexOf('');
  const t = lcs(a, b);
  const lines: DiffLine[] = [];
  let removed: { line: string; i: number }[] = [];
  let added: { line: string; j: number }[] = [];
  const flush = (): void => {
    const keyA = (x: { line: string; i: number }): string | null =>
      x.i === 0 ? ':start' : headerName(x.line, x.i, bodyA);
    const keyB = (x: { line: string; j: number }): string | null =>
      x.j === 0 ? ':start' : headerName(x.line, x.j, bodyB);
    // Pair each removed line with the most similar unpaired added line of the same header name.
    const pairOf = new Map<number, number>();
    removed.forEach((r, ri) => {
      const k = keyA(r);
      if (k === null) return;
      let best = -1;
      let bestLen = -1;
      added.forEach((x, n) => {
        if (keyB(x) !== k || [...pairOf.values()].includes(n)) return;
        const len = commonPrefix(r.line, x.line);
        if (len > bestLen) [best, bestLen] = [n, len];
      });
      if (best >= 0) pairOf.set(ri, best);
    });
    const paired = new Map([...pairOf].map(([ri, n]) => [n, ri]));
    const out: DiffLine[] = [];
    removed.forEach((r, ri) => {
      if (pairOf.has(ri)) return;
      const k = keyA(r);
      out.push({ kind: 'removed', before: r.line, after: null, name: k === ':start' ? null : k });
    });
    // Then in this copy's order: changed lines where they now stand, added lines between them.
    added.forEach((x, n) => {
      const k = keyB(x);
      const name = k === ':start' ? null : k;
      const ri = paired.get(n);
      if (ri === undefined) out.push({ kind: 'added', before: null, after: x.line, name });
      else out.push({ kind: 'changed', before: removed[ri]!.line, after: x.line, name });
    });
    lines.push(...out);
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      const k = j === 0 ? null : headerName(b[j]!, j, bodyB);
      lines.push({ kind: 'same', before: a[i]!, after: b[j]!, name: k });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || t[i]![j + 1]! >= t[i + 1]![j]!)) {
      added.push({ line: b[j]!, j });
      j++;
    } else {
      removed.push({ line: a[i]!, i });
      i++;
    }
  }
  flush();
  return {
    blocks: fold(lines, context),
    removed: lines.filter((l) => l.kind === 'removed').length,
    added: lines.filter((l) => l.kind === 'added').length,
    changed: lines.filter((l) => l.kind === 'changed').length,
  };
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function fold(lines: DiffLine[], context: number): DiffBlock[] {
  const out: DiffBlock[] = [];
  let k = 0;
  while (k < lines.length) {
    if (lines[k]!.kind !== 'same') {
      out.push(lines[k]!);
      k++;
      continue;
    }
    let e = k;
    while (e < lines.length && lines[e]!.kind === 'same') e++;
    const run = lines.slice(k, e);
    const head = k === 0 ? 1 : context;
    const tail = e === lines.length ? 0 : context;
    if (run.length > head + tail + 1) {
      out.push(...run.slice(0, head));
      out.push({ kind: 'fold', lines: run.slice(head, run.length - tail) });
      out.push(...run.slice(run.length - tail));
    } else out.push(...run);
    k = e;
  }
  return out;
}
