/**
 * Regular expressions for `=~`, `!~` and `t_check_status`, made safe to run on wire input.
 *
 * Kamailio compiles POSIX extended regexes, case-insensitive (REG_EXTENDED|REG_ICASE). JavaScript's
 * engine backtracks, so a pattern like `(a+)+$` can take exponential time on crafted input. Two
 * guards: patterns whose quantified groups contain a quantifier or an alternation (the shapes
 * behind catastrophic backtracking) or a back-reference are rejected at load time, and the input is
 * cut to {@link MAX_REGEX_INPUT} characters. Patterns are compiled once (at load time for
 * literals, cached for dynamic ones).
 */

/** Longest input a script regex is run on (Kamailio's MAX_URI_SIZE is 1024). */
export const MAX_REGEX_INPUT = 4096;

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\r\\n\\v\\f',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

export type RegexCompileResult = { ok: true; re: RegExp } | { ok: false; error: string };

/** Compiles a script regex, or says why it is refused. Never throws. */
export function compileScriptRegex(pattern: string): RegexCompileResult {
  const src = pattern.replace(/\[:([a-z]+):\]/g, (m, name: string) =>
    Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name]! : m,
  );
  const unsafe = findUnsafeShape(src);
  if (unsafe) return { ok: false, error: unsafe };
  try {
    return { ok: true, re: new RegExp(src, 'i') };
  } catch (e) {
    return { ok: false, error: `invalid regular expression: ${(e as Error).message}` };
  }
}

/** Runs a compiled script regex on at most {@link MAX_REGEX_INPUT} characters of `input`. */
export function testScriptRegex(re: RegExp, input: string): boolean {
  return re.test(input.length > MAX_REGEX_INPUT ? input.slice(0, MAX_REGEX_INPUT) : input);
}

/** Describes the first backtracking-prone construct in `src`, or returns null. */
function findUnsafeShape(src: string): string | null {
  interface Group {
    hasQuantifier: boolean;
    hasAlternation: boolean;
  }
  const stack: Group[] = [{ hasQuantifier: false, hasAlternation: false }];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      if (/[1-9]/.test(src[i + 1] ?? '')) return 'back-references are not allowed in script regexes';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (src[i + 1] === ']') i++;
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (c === '(') {
      stack.push({ hasQuantifier: false, hasAlternation: false });
      if (src[i + 1] === '?') i++;
      continue;
    }
    if (c === '|') {
      top.hasAlternation = true;
      continue;
    }
    const quant = quantifierAt(src, i);
    if (c === ')') {
      const g = stack.length > 1 ? stack.pop()! : top;
      const q = quantifierAt(src, i + 1);
      if (q && q.repeats && (g.hasQuantifier || g.hasAlternation))
        return `a repeated group containing ${g.hasQuantifier ? 'a repetition' : 'an alternation'} can backtrack catastrophically (nested quantifier); rewrite without it`;
      const parent = stack[stack.length - 1]!;
      if (q || g.hasQuantifier) parent.hasQuantifier = true;
      continue;
    }
    if (quant) {
      top.hasQuantifier = true;
      i += quant.length - 1;
    }
  }
  return null;
}

/** A quantifier at `i`: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`; `repeats` when it allows more than one. */
function quantifierAt(src: string, i: number): { length: number; repeats: boolean } | null {
  const c = src[i];
  if (c === '*' || c === '+') return { length: src[i + 1] === '?' ? 2 : 1, repeats: true };
  if (c === '?') return { length: 1, repeats: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 16));
    if (!m) return null;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    return { length: m[0].length, repeats: max > 1 };
  }
  return null;
}
