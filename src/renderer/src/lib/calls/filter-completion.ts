/**
 * Completions for the filter bar: field names where a field may stand (start, after `&&`, `||`,
 * `!`, `(`, `and`, `or`, `not`), and known values after `field ==` / `field !=` (call states and
 * types, methods, transports). The field catalogue is the filter language's own (src/shared).
 */
import { FIELD_VALUES, FIELDS } from '../../../../shared/filter-fields';

export interface Completion {
  /** What the list shows (a field name or a value). */
  label: string;
  /** One line: the field's type and description, or which field the value belongs to. */
  detail: string;
  kind: 'field' | 'value';
  /** Text replacing [from, to) of the input. */
  insert: string;
  from: number;
  to: number;
}

const WORD = /[A-Za-z0-9_.-]/;
const HEADER_FIELD = 'sip.header.';
const MAX = 12;
/** How far back from the caret a `field == value` being typed is looked for. */
const TAIL = 256;
const VALUE_AT_END = /([A-Za-z_][\w.]*)\s*(==|!=|\beq\b|\bne\b)\s*("?)([^"\s()]*)$/;

/** Where a field name may start: after nothing, an opening bracket, a negation or a connective. */
function fieldExpected(before: string): boolean {
  const t = before.trimEnd();
  return t === '' || /(&&|\|\||[(!]|\band|\bor|\bnot)$/i.test(t);
}

/** Completions for `text` with the caret at `caret`; empty when nothing fits. */
export function completions(text: string, caret: number): Completion[] {
  const before = text.slice(0, caret);
  // A value after `field ==` or `field !=`, quoted or being typed: looked for in the last TAIL
  // characters (a field, an operator and a value are short). Over the whole text the pattern, tried
  // from every position, made each keystroke quadratic: a pasted 14 KB filter took 2 s a key.
  const tailAt = Math.max(0, before.length - TAIL);
  const v = VALUE_AT_END.exec(before.slice(tailAt));
  // A field name cut by the window's start is not a field.
  if (v && !(v.index === 0 && tailAt > 0 && /[\w.]/.test(before[tailAt - 1]!))) {
    const field = v[1]!;
    const values = Object.hasOwn(FIELD_VALUES, field) ? FIELD_VALUES[field] : undefined;
    if (!values) return [];
    const partial = v[4]!.toLowerCase();
    const from = caret - v[4]!.length - v[3]!.length;
    let to = caret;
    while (to < text.length && /[^"\s()]/.test(text[to]!)) to++;
    if (text[to] === '"') to++;
    return values
      .filter((x) => x.toLowerCase().startsWith(partial) && x.toLowerCase() !== partial)
      .slice(0, MAX)
      .map((x) => ({ label: x, detail: field, kind: 'value', insert: `"${x}"`, from, to }));
  }
  let from = caret;
  while (from > 0 && WORD.test(text[from - 1]!)) from--;
  let to = caret;
  while (to < text.length && WORD.test(text[to]!)) to++;
  const word = text.slice(from, caret).toLowerCase();
  if (!fieldExpected(text.slice(0, from))) return [];
  if (word === '' && caret < text.length && text.slice(caret).trim() !== '') return [];
  if (/^\d/.test(word)) return [];
  const names = [...Object.keys(FIELDS), HEADER_FIELD];
  const starts = names.filter((n) => n.startsWith(word));
  const inner = word
    ? names.filter(
        (n) => !n.startsWith(word) && n.split('.').some((part, i) => i > 0 && part.startsWith(word)),
      )
    : [];
  return [...starts, ...inner]
    .filter((n) => n !== word)
    .slice(0, MAX)
    .map((n) => ({
      label: n,
      detail:
        n === HEADER_FIELD
          ? 'string · any header by name, e.g. sip.header.user-agent'
          : `${FIELDS[n]!.type} · ${FIELDS[n]!.description}`,
      kind: 'field',
      insert: n === HEADER_FIELD ? n : `${n} `,
      from,
      to,
    }));
}

/** The input's text and caret after accepting `c`. */
export function applyCompletion(text: string, c: Completion): { text: string; caret: number } {
  let insert = c.insert;
  if (c.kind === 'value' && text[c.to] !== ' ' && c.to < text.length) insert += ' ';
  return { text: text.slice(0, c.from) + insert + text.slice(c.to), caret: c.from + insert.length };
}
