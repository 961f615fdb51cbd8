/**
 * Edits of a scenario or lab file's text that keep the rest of it byte for byte (comments, order,
 * folding, quoting): the YAML is parsed for positions only, and the edited node's text spliced in.
 */
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { BUILTIN_SCRIPTS, routingScriptOf } from './scripts';
import type { NodeSpec } from './scenario';

/** Column of offset `at` in `text` (0-based). */
function columnOf(text: string, at: number): number {
  return at - (text.lastIndexOf('\n', at - 1) + 1);
}

/** `source` as the lines of a `|` block scalar indented by `indent` spaces. */
function blockLines(source: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return source
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l ? pad + l : ''))
    .join('\n');
}

/**
 * The file with node `name`'s routing script written inline, as a block the user can edit: its
 * `script: { builtin: NAME }` (or the default script of a proxy or registrar without `script`)
 * replaced by the builtin's text; every other byte of the file as it was. A node whose script is
 * inline already: the text unchanged. `line`: where the node's `script` key is in it (1-based),
 * for the editor to open on.
 */
export function inlineNodeScript(
  text: string,
  name: string,
): { yaml: string; line: number } | { error: string } {
  const r = inlined(text, name);
  if ('error' in r) return r;
  const lc = new LineCounter();
  const doc = parseDocument(r.yaml, { lineCounter: lc });
  const nodes = doc.get('nodes');
  const node = isSeq(nodes)
    ? nodes.items.find((n): n is YAMLMap => isMap(n) && n.get('name') === name)
    : null;
  const key = node?.items.find((p) => isScalar(p.key) && p.key.value === 'script')?.key;
  if (!isScalar(key) || !key.range)
    return { error: `node "${name}": its script could not be written inline` };
  return { yaml: r.yaml, line: lc.linePos(key.range[0]).line };
}

function inlined(text: string, name: string): { yaml: string } | { error: string } {
  const doc = parseDocument(text);
  if (doc.errors.length) return { error: `the file does not parse: ${doc.errors[0].message}` };
  const nodes = doc.get('nodes');
  if (!isSeq(nodes)) return { error: 'the file has no nodes list' };
  const node = nodes.items.find((n): n is YAMLMap => isMap(n) && n.get('name') === name);
  if (!node?.range) return { error: `no node named "${name}"` };
  const role = node.get('role');
  const current: unknown = node.get('script', true);
  if (isScalar(current) && typeof current.value === 'string') return { yaml: text };
  const spec = {
    role: typeof role === 'string' ? role : '',
    script: isMap(current) ? { builtin: String(current.get('builtin')) } : undefined,
    users: node.has('users') ? {} : undefined,
  } as Pick<NodeSpec, 'role' | 'script' | 'users'>;
  const source = routingScriptOf(spec)?.replace(/^\s*\n/, '') ?? null;
  if (source === null)
    return {
      error:
        spec.role === 'proxy' || spec.role === 'registrar'
          ? `unknown builtin script "${isMap(current) ? String(current.get('builtin')) : ''}" (one of ${Object.keys(BUILTIN_SCRIPTS).join(', ')})`
          : `node "${name}" is a ${spec.role || 'node'}: it runs no routing script`,
    };
  if (nodes.flow)
    return { error: 'write the nodes as a block list (one "- " per node) to edit a script inline' };

  if (node.flow) {
    // `- { name: …, script: { builtin: … } }`: the node rewritten as a block map in its place.
    const block = new Document(node.toJSON() as unknown);
    const script = new Scalar(`${source.replace(/\n$/, '')}\n`);
    script.type = Scalar.BLOCK_LITERAL;
    const map = block.contents as YAMLMap;
    // (its lists and maps stay on one line each, as they were written)
    for (const p of map.items) if (isMap(p.value) || isSeq(p.value)) p.value.flow = true;
    map.set('script', script);
    const indent = columnOf(text, node.range[0]);
    const lines = block.toString({ lineWidth: 0 }).replace(/\n$/, '').split('\n');
    const body = lines.map((l, i) => (i === 0 || !l ? l : ' '.repeat(indent) + l)).join('\n');
    return { yaml: text.slice(0, node.range[0]) + body + text.slice(node.range[1]) };
  }

  // A block map: only the script's value replaced (or a script key added after the last one).
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === 'script') as Pair | undefined;
  if (pair && isScalar(pair.key) && pair.key.range && isMap(pair.value) && pair.value.range) {
    const indent = columnOf(text, pair.key.range[0]) + 2;
    const rest = text.slice(pair.value.range[1]).replace(/^[ \t]*\n/, '');
    return { yaml: `${text.slice(0, pair.key.range[1])}: |\n${blockLines(source, indent)}\n${rest}` };
  }
  const last = node.items.at(-1);
  const key = node.items[0]?.key;
  if (!last || !isScalar(key) || !key.range) return { error: `node "${name}" cannot be edited here` };
  const indent = columnOf(text, key.range[0]);
  const end = node.range[1];
  const cut = text.lastIndexOf('\n', end - 1) + 1 === end ? end : text.indexOf('\n', end) + 1 || text.length;
  const add = `${' '.repeat(indent)}script: |\n${blockLines(source, indent + 2)}\n`;
  return {
    yaml: text.slice(0, cut) + (text.slice(0, cut).endsWith('\n') ? '' : '\n') + add + text.slice(cut),
  };
}
