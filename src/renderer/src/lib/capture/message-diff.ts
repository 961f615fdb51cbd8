/**
 * Diff of two SIP messages (the same request at two capture points, or any two the user compares),
 * header-aware: the start line is compared with the start line; header lines are matched by name
 * (compact forms expanded) and occurrence, so a header that moved reads as moved, not as removed +
 * added, and a changed value is marked where it changed (only the branch of a Via); the body is
 * compared line by line the same way (SDP lines matched by their type, `a=` lines by attribute).
 * Unchanged runs fold. Display only: the lines are the raw text's, split at CRLF.
 */
import { expandHeaderName } from '../../../../shared/compact-forms';

export type DiffKind = 'same' | 'moved' | 'removed' | 'added' | 'changed';

export interface DiffLine {
  kind: DiffKind;
  /** The line in the previous copy (null for added lines). */
  before: string | null;
  /** The line in this copy (null for removed lines). */
  after: string | null;
  /** Header name (lower case, compact forms expanded), when the line is a header line. */
  name: string | null;
  /** A changed line: the part of each side that differs, [start, end) (the rest is the same). */
  beforeSpan?: [number, number];
  afterSpan?: [number, number];
  /** A matched line (same or changed) that stands elsewhere among its section's lines. */
  moved?: boolean;
}

export type DiffBlock = DiffLine | { kind: 'fold'; lines: DiffLine[] };

export interface MessageDiff {
  blocks: DiffBlock[];
  removed: number;
  added: number;
  changed: number;
  /** Lines (same or changed) that moved. */
  moved: number;
}

/** Splits a message into lines; the empty line between headers and body is kept. */
export function messageLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** Header name of a header line (`Via: …`, `v: …` → `via`); null when the line is not one. */
function headerName(line: string): string | null {
  const c = line.indexOf(':');
  if (c <= 0) return null;
  return expandHeaderName(line.slice(0, c).trim());
}

/** An SDP line's key: its type (`c=`), an attribute's name (`a=rtpmap`); null for other body lines. */
function sdpKey(line: string): string | null {
  if (!/^[a-z]=/.test(line)) return null;
  if (line[0] !== 'a') return line.slice(0, 2);
  const m = /^a=([^:\s]+)/.exec(line);
  return m ? `a=${m[1]}` : 'a=';
}

interface Item {
  line: string;
  /** What it is matched by (header name, SDP key, ':start'); null: only an equal line matches it. */
  key: string | null;
  /** Header name shown (null for the start line and body lines). */
  name: string | null;
}

/** Longest common subsequence of two lists of strings: the index pairs, in order. */
function lcsPairs(a: readonly string[], b: readonly string[]): [number, number][] {
  const t = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      t[i]![j] = a[i] === b[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if (t[i + 1]![j]! >= t[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i < max && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/** Where a value's tokens end: the changed part widens to whole tokens (`branch=z9hG4bK-b`, not `b`). */
const DELIM = /[\s;,<>=:@/]/;

/** The differing part of two lines, widened to token boundaries: [start, end) in each. */
export function changedSpans(a: string, b: string): { a: [number, number]; b: [number, number] } {
  let p = commonPrefix(a, b);
  let s = commonSuffix(a, b, Math.min(a.length, b.length) - p);
  while (p > 0 && !DELIM.test(a[p - 1]!)) p--;
  while (s > 0 && !DELIM.test(a[a.length - s]!)) s--;
  return { a: [p, a.length - s], b: [p, b.length - s] };
}

/** Likeness of two values of one key: the characters they share at both ends. */
function likeness(a: string, b: string): number {
  const p = commonPrefix(a, b);
  return p + commonSuffix(a, b, Math.min(a.length, b.length) - p);
}

/**
 * Matches the items of one section: equal lines of one key (or equal keyless lines) in order first,
 * then the rest of each key paired by likeness. Returns, for each `b` item, its `a` item or -1.
 */
function match(a: readonly Item[], b: readonly Item[]): Int32Array {
  const of = new Int32Array(b.length).fill(-1);
  const taken = new Uint8Array(a.length);
  const groups = new Map<string, { ai: number[]; bi: number[] }>();
  const group = (k: string): { ai: number[]; bi: number[] } => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ai: [], bi: [] }));
    return g;
  };
  a.forEach((x, i) => group(x.key ?? '\0').ai.push(i));
  b.forEach((x, j) => group(x.key ?? '\0').bi.push(j));
  for (const [k, g] of groups) {
    const pairs = lcsPairs(
      g.ai.map((i) => a[i]!.line),
      g.bi.map((j) => b[j]!.line),
    );
    for (const [x, y] of pairs) {
      of[g.bi[y]!] = g.ai[x]!;
      taken[g.ai[x]!] = 1;
    }
    if (k === '\0') continue;
    // The rest of the key: the likeliest pairs first (a proxy's new top Via is not the old one changed).
    const left: [number, number, number][] = [];
    for (const j of g.bi)
      if (of[j]! < 0)
        for (const i of g.ai) if (!taken[i]) left.push([likeness(a[i]!.line, b[j]!.line), i, j]);
    left.sort((x, y) => y[0] - x[0] || x[1] - y[1] || x[2] - y[2]);
    for (const [, i, j] of left) {
      if (taken[i] || of[j]! >= 0) continue;
      of[j] = i;
      taken[i] = 1;
    }
  }
  return of;
}

/** Indexes (into `seq`) of a longest increasing subsequence. */
function lisIndexes(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev = new Int32Array(seq.length).fill(-1);
  for (let k = 0; k < seq.length; k++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < seq[k]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const out = new Set<number>();
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = prev[k]!) out.add(k);
  return out;
}

/** The diff lines of one section, in this copy's order, removed lines where they stood. */
function diffSection(a: readonly Item[], b: readonly Item[]): DiffLine[] {
  const of = match(a, b);
  const matched: number[] = [];
  for (let j = 0; j < b.length; j++) if (of[j]! >= 0) matched.push(j);
  // The matched lines in their old order stay; the others moved.
  const stay = lisIndexes(matched.map((j) => of[j]!));
  const moved = new Set(matched.filter((_, k) => !stay.has(k)));
  const isMatched = new Uint8Array(a.length);
  for (const j of matched) isMatched[of[j]!] = 1;
  // Each removed line follows the nearest line before it that stayed (or opens the section).
  const removedAfter = new Map<number, number[]>();
  let anchor = -1;
  const stayingA = new Set(matched.filter((j) => !moved.has(j)).map((j) => of[j]!));
  for (let i = 0; i < a.length; i++) {
    if (stayingA.has(i)) anchor = i;
    else if (!isMatched[i]) {
      const l = removedAfter.get(anchor);
      if (l) l.push(i);
      else removedAfter.set(anchor, [i]);
    }
  }
  const out: DiffLine[] = [];
  const removed = (i: number): void => {
    for (const r of removedAfter.get(i) ?? [])
      out.push({ kind: 'removed', before: a[r]!.line, after: null, name: a[r]!.name });
  };
  removed(-1);
  for (let j = 0; j < b.length; j++) {
    const i = of[j]!;
    const x = b[j]!;
    if (i < 0) {
      out.push({ kind: 'added', before: null, after: x.line, name: x.name });
      continue;
    }
    const y = a[i]!;
    const mv = moved.has(j);
    if (y.line === x.line)
      out.push({ kind: mv ? 'moved' : 'same', before: y.line, after: x.line, name: x.name });
    else {
      const s = changedSpans(y.line, x.line);
      out.push({
        kind: 'changed',
        before: y.line,
        after: x.line,
        name: x.name,
        beforeSpan: s.a,
        afterSpan: s.b,
        ...(mv && { moved: true }),
      });
    }
    if (!mv) removed(i);
  }
  return out;
}

/** A message's sections: start line, header lines, the empty line (if any), body lines. */
function sections(lines: readonly string[]): {
  start: Item[];
  headers: Item[];
  blank: boolean;
  body: Item[];
} {
  const blankAt = lines.indexOf('');
  const end = blankAt < 0 ? lines.length : blankAt;
  const headers: Item[] = [];
  for (let k = 1; k < end; k++) {
    const line = lines[k]!;
    // A folded line (RFC 3261 §7.3.1) goes with the header it continues.
    const prev = headers.at(-1);
    const name = /^[ \t]/.test(line) ? null : headerName(line);
    if (name === null && /^[ \t]/.test(line) && prev)
      headers.push({ line, key: `${prev.key ?? ''}\ncontinued`, name: prev.name });
    else headers.push({ line, key: name, name });
  }
  const body = blankAt < 0 ? [] : lines.slice(blankAt + 1);
  const sdp = body.length > 0 && body[0]!.startsWith('v=');
  return {
    start: lines.length ? [{ line: lines[0]!, key: ':start', name: null }] : [],
    headers,
    blank: blankAt >= 0,
    body: body.map((line) => ({ line, key: sdp ? sdpKey(line) : null, name: null })),
  };
}

/**
 * Diffs `before` (the previous hop's copy, or the pinned message) against `after` (this copy).
 * Unchanged runs longer than `context * 2` lines fold, keeping `context` lines each side.
 */
export function diffMessages(before: string, after: string, context = 1): MessageDiff {
  const a = sections(messageLines(before));
  const b = sections(messageLines(after));
  const lines: DiffLine[] = [
    ...diffSection(a.start, b.start),
    ...diffSection(a.headers, b.headers),
    ...(a.blank && b.blank
      ? [{ kind: 'same' as const, before: '', after: '', name: null }]
      : a.blank
        ? [{ kind: 'removed' as const, before: '', after: null, name: null }]
        : b.blank
          ? [{ kind: 'added' as const, before: null, after: '', name: null }]
          : []),
    ...diffSection(a.body, b.body),
  ];
  const count = (k: DiffKind): number => lines.filter((l) => l.kind === k).length;
  return {
    blocks: fold(lines, context),
    removed: count('removed'),
    added: count('added'),
    changed: count('changed'),
    moved: lines.filter((l) => l.kind === 'moved' || l.moved).length,
  };
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
