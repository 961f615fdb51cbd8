/**
 * A node's routing script written inline for the user to edit (the Script tab's "Edit this script"):
 * every scripted node of every shipped scenario and lab, the rest of the file left as it was.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineNodeScript } from '../../../src/sip-core/sim/scenario-edit';
import { loadScenario, type NodeSpec } from '../../../src/sip-core/sim';
import { routingScriptOf } from '../../../src/sip-core/sim/scripts';

const root = resolve(import.meta.dirname, '../../..');
const files = ['resources/scenarios', 'resources/labs'].flatMap((d) =>
  readdirSync(join(root, d)).map((f) => join(root, d, f)),
);
/** The lines [first, end) of node `name` in a file's lines: from its "- " to the next node's. */
function nodeLines(lines: string[], name: string): [number, number] {
  const at = lines.findIndex((l) =>
    new RegExp(`name:\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(,|$)`).test(l),
  );
  const keys = lines[at].search(/name:/);
  let first = at;
  while (first > 0 && !/^\s*-\s/.test(lines[first])) first--;
  let end = at + 1;
  while (end < lines.length && !(/^(\s*)-\s/.exec(lines[end]) && /^(\s*)/.exec(lines[end])![1].length < keys))
    end++;
  return [first, end];
}
const withoutScript = (n: NodeSpec): NodeSpec => ({ ...n, script: undefined });

describe('inlineNodeScript', () => {
  it('writes each scripted node of every shipped file inline: same scenario, same script, other lines untouched', () => {
    let edited = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const before = loadScenario(text).scenario!;
      for (const n of before.nodes) {
        const builtin = routingScriptOf(n);
        if (builtin === null) continue;
        const r = inlineNodeScript(text, n.name);
        expect(r, `${f} ${n.name}`).toHaveProperty('yaml');
        const yaml = (r as { yaml: string }).yaml;
        const after = loadScenario(yaml).scenario;
        expect(after, `${f} ${n.name}`).not.toBeNull();
        const node = after!.nodes.find((x) => x.name === n.name)!;
        expect(typeof n.script === 'string' ? node.script : node.script).toBe(
          typeof n.script === 'string' ? n.script : builtin.replace(/^\s*\n/, ''),
        );
        expect({ ...after!, nodes: after!.nodes.map(withoutScript) }).toEqual({
          ...before,
          nodes: before.nodes.map(withoutScript),
        });
        // Outside the edited node, the file as written: every line that went was the node's.
        const a = text.split('\n');
        const b = yaml.split('\n');
        const [first, end] = nodeLines(a, n.name);
        const kept = new Set(b);
        a.forEach((l, i) => {
          if (!kept.has(l)) expect(i >= first && i < end, `${f}: line ${i + 1} "${l}" went`).toBe(true);
        });
        const line = (r as { line: number }).line;
        expect(b[line - 1], `${f} ${n.name}`).toMatch(/^\s*(- )?script: /);
        expect(
          b
            .slice(0, line)
            .reverse()
            .find((l) => /name:/.test(l)),
        ).toContain(n.name);
        edited++;
      }
    }
    expect(edited).toBeGreaterThan(40);
  });

  it('a block map, a node without script (the default), and one already inline', () => {
    const block =
      'name: x\ndescription: y\nnodes:\n  - name: P\n    role: proxy\n    address: 192.0.2.1\n    script:\n      builtin: stateless-proxy\n  - name: A # a phone\n    role: ua\n    address: 192.0.2.2\n';
    const r1 = inlineNodeScript(block, 'P') as { yaml: string };
    expect(r1.yaml).toMatch(
      /^ {4}script: \|\n {6}request_route \{\n[^]*\n {8}forward\(\);\n {6}\}\n {2}- name: A # a phone\n/m,
    );
    const none = block.replace('    script:\n      builtin: stateless-proxy\n', '');
    const r2 = inlineNodeScript(none, 'P') as { yaml: string };
    expect(loadScenario(r2.yaml).scenario!.nodes[0].script).toContain('t_relay();');
    expect(r2.yaml).toContain('  - name: A # a phone\n');
    expect(inlineNodeScript(r2.yaml, 'P')).toEqual({ yaml: r2.yaml, line: 7 });
  });

  it('says why it cannot', () => {
    const t =
      'name: x\ndescription: y\nnodes:\n  - { name: A, role: ua, address: 192.0.2.2 }\n  - { name: P, role: proxy, address: 192.0.2.1, script: { builtin: nope } }\n';
    expect(inlineNodeScript(t, 'A')).toEqual({ error: 'node "A" is a ua: it runs no routing script' });
    expect(inlineNodeScript(t, 'Z')).toEqual({ error: 'no node named "Z"' });
    expect(inlineNodeScript(t, 'P')).toMatchObject({
      error: expect.stringMatching(/^unknown builtin script "nope"/),
    });
    expect(inlineNodeScript('nodes: [', 'P')).toMatchObject({
      error: expect.stringMatching(/^the file does not parse/),
    });
    expect(
      inlineNodeScript(
        'name: x\ndescription: y\nnodes: [{ name: P, role: proxy, address: 192.0.2.1 }]\n',
        'P',
      ),
    ).toMatchObject({ error: expect.stringMatching(/block list/) });
  });
});

describe('an inline routing script with errors', () => {
  it("is refused at load with each error at its line and column in the YAML (a '|' block, line for line)", () => {
    const text = (
      inlineNodeScript(
        readFileSync(join(root, 'resources/scenarios/trapezoid.yaml'), 'utf8'),
        'atlanta.example.com',
      ) as { yaml: string }
    ).yaml
      .replace('{ record_route(); }', '{ record_rout(); }')
      .replace('    t_relay();\n      }', '    t_relay(\n      }');
    const lines = text.split('\n');
    const typo = lines.findIndex((l) => l.includes('record_rout()')) + 1;
    const r = loadScenario(text);
    expect(r.scenario).toBeNull();
    expect(r.errors.map((e) => [e.code, e.line, e.col, e.path])).toEqual([
      ['scenario-script', typo, lines[typo - 1].indexOf('record_rout') + 1, '/nodes/1/script'],
      ['scenario-script', typo + 5, expect.any(Number), '/nodes/1/script'],
    ]);
    expect(r.errors[0].message).toBe(
      `routing script of "atlanta.example.com", its line 11: unknown function 'record_rout'`,
    );
    // A script in a quoted string: the error at the script's key.
    const quoted =
      'name: x\ndescription: y\nnodes:\n  - { name: P, role: proxy, address: 192.0.2.1, script: "request_route { nope(); }" }\n';
    const q = loadScenario(quoted);
    expect(q.errors.map((e) => [e.code, e.line])).toEqual([['scenario-script', 4]]);
  });
});
